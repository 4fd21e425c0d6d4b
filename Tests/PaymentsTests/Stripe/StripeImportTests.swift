import AsyncHTTPClient
import Foundation
import NIOCore
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsServer
@testable import PaymentsStripe

/// An existing Stripe account brought in: localstripe (the test makes a small account there
/// first) behind an app's own Stripe account.
@Suite(.serialized) struct StripeImportTests {
    /// Makes an object at localstripe directly (as the app's old billing code did) and answers it.
    @discardableResult
    static func stripe(_ base: String, _ path: String, _ fields: [(String, String)] = []) async throws -> [String: Any] {
        var form = FormBody()
        for (name, value) in fields { form.add(name, value) }
        var request = HTTPClientRequest(url: "\(base)\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer sk_test_own")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: form.encoded))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        #expect(response.status == .ok, "\(path): \(object)")
        return object
    }

    static func stripeCustomer(_ base: String, name: String, metadata: [String: String]) async throws -> String {
        let object = try await stripe(
            base,
            "/v1/customers",
            [("name", name)] + metadata.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) }
        )
        return try #require(object["id"] as? String, "\(object)")
    }

    /// Runs `body` with an app on its own Stripe account: localstripe at `base`.
    static func withOwnAccount(
        _ engine: SQLEngine,
        _ base: String,
        _ body: @Sendable @escaping (TestAPI, App, _ key: String) async throws -> Void
    ) async throws {
        try await RecordingStripe.withOwnAccount(engine, transport: .live(client: HTTPClient.shared, baseURL: base)) { api, appID, key in
            try await body(api, try await api.services.apps.get(App.ID(rawValue: appID)), key)
        }
    }

    @Test(arguments: TestDatabase.engines) func customersComeInOnceLinkedByProviderIDAndUnnamedOnesAreListed(engine: SQLEngine) async throws {
        let base = try #require(ProcessInfo.processInfo.environment["LOCALSTRIPE_URL"], "LOCALSTRIPE_URL: run with scripts/test.sh")
        let run = UUID().uuidString.prefix(8).lowercased()
        try await Self.withOwnAccount(engine, base) { api, app, key in
            // The old account: one customer named by metadata, one known to the app already, one only in the mapping, one unnamed.
            let named = try await Self.stripeCustomer(base, name: "Named", metadata: ["payments_external_id": "org_named_\(run)"])
            _ = try await api.request(.put, "/v1/customers/org_known_\(run)", key: key, json: #"{"name":"Known"}"#)
            let known = try await Self.stripeCustomer(base, name: "Known", metadata: ["crm_id": "org_known_\(run)"])
            let mapped = try await Self.stripeCustomer(base, name: "Mapped", metadata: [:])
            let unnamed = try await Self.stripeCustomer(base, name: "Unnamed", metadata: ["other": "x"])
            var options = Import.Options()
            options.mapping = [mapped: "org_mapped_\(run)"]
            options.pageSize = 2  // several pages

            // A dry run says what it would do and writes nothing.
            options.dryRun = true
            let dry = try await api.services.imports.run(app: app, options)
            let ours = { (report: Import.Report) in report.lines(.customers).filter { [named, known, mapped, unnamed].contains($0.providerID) } }
            #expect(ours(dry).map(\.outcome) == [.created, .skipped, .created, .skipped], "\(ours(dry))")
            #expect(try await api.request(.get, "/v1/customers/org_named_\(run)", key: key).status == .notFound)

            // With the CRM's key, the known customer is linked, not duplicated.
            options.dryRun = false
            options.metadataKey = "crm_id"
            let byCRM = try await api.services.imports.run(app: app, options)
            #expect(ours(byCRM).map(\.outcome) == [.skipped, .linked, .created, .skipped], "\(ours(byCRM))")
            options.metadataKey = "payments_external_id"
            let first = try await api.services.imports.run(app: app, options)
            #expect(ours(first).map(\.outcome) == [.created, .unchanged, .unchanged, .skipped], "\(ours(first))")
            #expect(ours(first).last?.reason?.contains("no external id") == true)
            let made = try await api.request(.get, "/v1/customers/org_named_\(run)", key: key)
            #expect(made.status == .ok && made.string("name") == "Named")
            #expect((made.json["metadata"] as? [String: String])?["imported_from"] == "stripe:\(named)", "marked with its origin")
            #expect(try await api.request(.get, "/v1/customers/org_mapped_\(run)", key: key).status == .ok)

            // A second run changes nothing; no events were sent for what was brought in.
            let again = try await api.services.imports.run(app: app, options)
            #expect(ours(again).map(\.outcome) == [.unchanged, .unchanged, .unchanged, .skipped], "\(ours(again))")
            let created = try await api.request(.get, "/v1/events?type=customer.created", key: key).data
            #expect(created.count == 1, "only the customer the app made itself")
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=IMPORT_CUSTOMER", key: key).data
            #expect(audit.allSatisfy { $0["actor_id"] as? String == "system" } && audit.count >= 3)

            // Resumed, it goes on after the last page read: none of these is read again (other
            // tests may be adding customers to localstripe meanwhile).
            options.resume = true
            let resumed = try await api.services.imports.run(app: app, options)
            #expect(ours(resumed).isEmpty, "\(ours(resumed))")
        }
    }

    @Test(arguments: TestDatabase.engines) func anAccountComesInWholeAndASecondRunChangesNothing(engine: SQLEngine) async throws {
        let base = try #require(ProcessInfo.processInfo.environment["LOCALSTRIPE_URL"], "LOCALSTRIPE_URL: run with scripts/test.sh")
        let run = UUID().uuidString.prefix(8).lowercased()
        try await Self.withOwnAccount(engine, base) { api, app, key in
            // The old account, made directly: a product with a monthly and a weekly price, a
            // customer on the monthly one (its first invoice paid), a one-off payment partly
            // refunded, a one-off invoice still a draft.
            let product = try #require(
                try await Self.stripe(base, "/v1/products", [("name", "Pro \(run)"), ("metadata[payments_plan_key]", "pro_\(run)")])["id"] as? String
            )
            // Another product naming the same plan key: one product per plan.
            let twin = try #require(
                try await Self.stripe(base, "/v1/products", [("name", "Pro again"), ("metadata[payments_plan_key]", "pro_\(run)")])["id"] as? String
            )
            let makePlan = { (amount: String, interval: String) in
                try #require(
                    try await Self.stripe(
                        base,
                        "/v1/plans",
                        [("amount", amount), ("currency", "usd"), ("interval", interval), ("product", product)]
                    )["id"] as? String
                )
            }
            let monthly = try await makePlan("2900", "month")
            let weekly = try await makePlan("700", "week")
            let customer = try await Self.stripeCustomer(base, name: "Acme", metadata: ["payments_external_id": "org_\(run)"])
            let method = try #require(
                try await Self.stripe(base, "/v1/payment_methods/pm_card_visa/attach", [("customer", customer)])["id"] as? String
            )
            try await Self.stripe(base, "/v1/customers/\(customer)", [("invoice_settings[default_payment_method]", method)])
            let subscription = try #require(
                try await Self.stripe(base, "/v1/subscriptions", [("customer", customer), ("items[0][plan]", monthly)])["id"] as? String
            )
            let intent = try #require(
                try await Self.stripe(
                    base,
                    "/v1/payment_intents",
                    [
                        ("amount", "5000"), ("currency", "usd"), ("customer", customer), ("payment_method", "pm_card_visa"), ("confirm", "true"),
                        ("metadata[order]", "o_\(run)"),
                    ]
                )["id"] as? String
            )
            let refund = try #require(try await Self.stripe(base, "/v1/refunds", [("payment_intent", intent), ("amount", "1500")])["id"] as? String)
            try await Self.stripe(base, "/v1/invoiceitems", [("customer", customer), ("amount", "1000"), ("currency", "usd")])
            let draft = try #require(try await Self.stripe(base, "/v1/invoices", [("customer", customer)])["id"] as? String)
            let ids = [product, monthly, weekly, customer, subscription, intent, draft]
            let ours = { (report: Import.Report) in report.lines.filter { ids.contains($0.providerID) } }
            func outcome(_ report: Import.Report, _ id: String) -> Import.Outcome? { report.lines.first { $0.providerID == id }?.outcome }
            var options = Import.Options()
            options.pageSize = 3  // several pages of each

            // A dry run tells what a real run would do, the later kinds as if the earlier were in.
            options.dryRun = true
            let dry = try await api.services.imports.run(app: app, options)
            #expect(
                [product, monthly, weekly, customer, subscription, intent, draft].map { outcome(dry, $0) }
                    == [.created, .created, .skipped, .created, .created, .created, .skipped],
                "\(ours(dry))"
            )
            #expect(dry.lines.first { $0.providerID == weekly }?.reason?.contains("week") == true)
            #expect(try await api.request(.get, "/v1/plans/pro_\(run)", key: key).status == .notFound, "a dry run writes nothing")
            #expect(try await api.request(.get, "/v1/customers/org_\(run)", key: key).status == .notFound)

            // The real run.
            options.dryRun = false
            let first = try await api.services.imports.run(app: app, options)
            #expect(
                [product, monthly, weekly, customer, subscription, intent, draft].map { outcome(first, $0) }
                    == [.created, .created, .skipped, .created, .created, .created, .skipped],
                "\(ours(first))"
            )
            #expect(first.lines.first { $0.providerID == draft }?.reason?.contains("draft") == true)

            // The catalog: the product is a plan, its monthly price linked to Stripe's.
            let plan = try await api.request(.get, "/v1/plans/pro_\(run)", key: key)
            #expect(plan.status == .ok && plan.string("name") == "Pro \(run)", "\(plan.text)")
            let prices = try #require(plan.json["prices"] as? [[String: Any]])
            #expect(
                prices.count == 1 && prices.first?["amount"] as? Int == 2900 && prices.first?["provider_price_id"] as? String == monthly,
                "\(prices)"
            )
            #expect((plan.json["metadata"] as? [String: String])?["imported_from"] == "stripe:\(product)")
            // The subscription: active on that price, for the customer of ours.
            let subscriptionID = try #require(first.lines.first { $0.providerID == subscription }?.ours)
            let imported = try await api.request(.get, "/v1/subscriptions/\(subscriptionID)", key: key)
            #expect(
                imported.status == .ok && imported.string("status") == "active" && imported.string("customer") == "org_\(run)",
                "\(imported.text)"
            )
            // The payment with its refund.
            let paymentID = try #require(first.lines.first { $0.providerID == intent }?.ours)
            let payment = try await api.request(.get, "/v1/payments/\(paymentID)", key: key)
            #expect(payment.status == .ok && payment.string("status") == "succeeded", "\(payment.text)")
            #expect(payment.json["amount"] as? Int == 5000 && payment.json["amount_refunded"] as? Int == 1500)
            #expect((payment.json["metadata"] as? [String: String]) == ["order": "o_\(run)", "imported_from": "stripe:\(intent)"], "\(payment.text)")
            let refunds = try #require(payment.json["refunds"] as? [[String: Any]], "\(payment.text)")
            #expect(refunds.map { $0["amount"] as? Int } == [1500] && refunds.first?["status"] as? String == "succeeded", "\(refunds) (\(refund))")
            // The subscription's invoice, numbered here, paid.
            let invoices = try await api.request(.get, "/v1/invoices?customer=org_\(run)", key: key).data
            let invoice = try #require(invoices.count == 1 ? invoices.first : nil, "the subscription's first invoice: \(invoices)")
            let paidInvoice = try #require(invoice["provider_invoice_id"] as? String)
            #expect(outcome(first, paidInvoice) == .created && outcome(dry, paidInvoice) == .created)
            #expect(invoice["status"] as? String == "paid" && invoice["collection"] as? String == "subscription", "\(invoice)")
            #expect(invoice["subscription_id"] as? String == subscriptionID && invoice["total"] as? Int == 2900, "\(invoice)")
            // What the customer may use follows from it at once.
            let summary = try await api.request(.get, "/v1/customers/org_\(run)/billing-summary", key: key)
            #expect(summary.status == .ok && summary.text.contains(subscriptionID), "\(summary.text)")

            // Audited as imports by `system`; no events to the app.
            for action in ["IMPORT_PLAN", "IMPORT_CUSTOMER", "IMPORT_SUBSCRIPTION", "IMPORT_PAYMENT", "IMPORT_INVOICE"] {
                let entries = try await api.request(.get, "/v1/audit-logs?action_type=\(action)", key: key).data
                #expect(!entries.isEmpty && entries.allSatisfy { $0["actor_id"] as? String == "system" }, "\(action)")
            }
            // The subscription, which has no metadata of its own, is marked with its origin in its audit entry.
            let imports = try await api.request(.get, "/v1/audit-logs?action_type=IMPORT_SUBSCRIPTION&target_id=\(subscriptionID)", key: key).data
            #expect(imports.contains { "\($0["payload_snapshot"] ?? "")".contains("stripe:\(subscription)") }, "\(imports)")
            let events = try await api.request(.get, "/v1/events", key: key).data
            #expect(events.isEmpty, "imports send no events: \(events.map { $0["type"] ?? "" })")

            // A second run changes nothing.
            let again = try await api.services.imports.run(app: app, options)
            #expect(
                [product, monthly, weekly, customer, subscription, intent, draft].map { outcome(again, $0) }
                    == [.unchanged, .unchanged, .skipped, .unchanged, .unchanged, .unchanged, .skipped],
                "\(ours(again))"
            )
            #expect(outcome(again, paidInvoice) == .unchanged)
            #expect(outcome(first, twin) == .skipped && outcome(again, twin) == .skipped)
            // Resumed, each kind goes on after its cursor: none of these is read again (the
            // catalog is read whole; other tests may be adding objects to localstripe meanwhile).
            options.resume = true
            let resumed = try await api.services.imports.run(app: app, options)
            #expect([customer, subscription, intent, paidInvoice].allSatisfy { outcome(resumed, $0) == nil }, "\(ours(resumed))")
            #expect(outcome(resumed, product) == .unchanged)
            #expect(again.lines.first { $0.providerID == twin }?.reason == "plan pro_\(run) is linked to product \(product) already")
        }
    }
}
