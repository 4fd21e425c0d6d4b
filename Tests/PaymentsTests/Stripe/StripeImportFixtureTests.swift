import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsStripe

/// An import of an account in the current API's shapes: Stripe's published example objects
/// (`Fixtures/stripe/2026-10-28.endive`) served as the account's lists.
@Suite struct StripeImportFixtureTests {
    /// A fixture as a JSON object, changed by `edit`.
    static func fixture(_ name: String, _ edit: (inout [String: Any]) -> Void = { _ in }) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stripe/2026-10-28.endive/\(name).json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        return object
    }

    /// The account: the T-shirt product with its monthly price, a one-time price and a tiered
    /// one; the customer (named by its metadata) on a subscription to the monthly price, whose
    /// invoice is paid; a payment of hers partly refunded; an invoice made for her alone, open
    /// (paid once `paid` is set).
    final class Account: Sendable {
        let paid = NIOLockedValueBox(false)
        let requests = NIOLockedValueBox<[String]>([])

        func objects() throws -> [String: [[String: Any]]] {
            let product = try fixture("product")
            let monthly = try fixture("price")
            let once = try fixture("price") {
                $0["id"] = "price_once"
                $0["type"] = "one_time"
                $0["recurring"] = NSNull()
                $0["unit_amount"] = 500
                $0["lookup_key"] = "setup"
            }
            let tiered = try fixture("price") {
                $0["id"] = "price_tiered"
                $0["billing_scheme"] = "tiered"
                $0["unit_amount"] = NSNull()
            }
            let customer = try fixture("customer") { $0["metadata"] = ["payments_external_id": "org_fixture"] }
            let subscription = try fixture("subscription")
            let intent = try fixture("payment_intent") {
                $0["status"] = "succeeded"
                $0["customer"] = "cus_QXg1o8vcGmoR32"
                $0["last_payment_error"] = NSNull()
                $0["latest_charge"] = (try? StripeImportFixtureTests.fixture("charge") { $0["amount_refunded"] = 100 }) ?? [:]
            }
            let alone = try fixture("invoice") {
                $0["status"] = self.paid.withLockedValue { $0 } ? "paid" : "open"
                $0["parent"] = NSNull()
                if self.paid.withLockedValue({ $0 }) { $0["amount_paid"] = 1000 }
            }
            let renewal = try fixture("invoice") {
                $0["id"] = "in_renewal"
                $0["status"] = "paid"
                $0["amount_due"] = 2000
                $0["amount_paid"] = 2000
                $0["total"] = 2000
                $0["subtotal"] = 2000
                $0["parent"] = ["type": "subscription_details", "subscription_details": ["subscription": "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw"]]
                $0["lines"] = ["object": "list", "has_more": false, "data": [["amount": 2000, "quantity": 1, "description": "1 × T-shirt"]]]
            }
            return [
                "/v1/products": [product], "/v1/prices": [monthly, once, tiered], "/v1/customers": [customer],
                "/v1/subscriptions": [subscription], "/v1/payment_intents": [intent], "/v1/refunds": [try fixture("refund")],
                "/v1/invoices": [alone, renewal],
            ]
        }

        var transport: StripeTransport {
            StripeTransport { [self] request, _ in
                requests.withLockedValue { $0.append("\(request.method) \(request.path)") }
                let path = String(request.path.split(separator: "?")[0])
                let body: Any
                if let list = try objects()[path] {
                    body = ["object": "list", "has_more": false, "data": list]
                } else if let invoice = try objects()["/v1/invoices"]?.first(where: { "/v1/invoices/\($0["id"] as? String ?? "")" == path }) {
                    body = invoice
                } else {
                    return .init(status: 404, headers: [:], body: Array(RecordingStripe.notFound.utf8))
                }
                return .init(
                    status: 200,
                    headers: ["content-type": "application/json"],
                    body: Array(try JSONSerialization.data(withJSONObject: body))
                )
            }
        }
    }

    @Test(arguments: TestDatabase.engines, [false, true])
    func theCurrentAPIsObjectsComeInAndTellTheAppWhenAsked(engine: SQLEngine, platform: Bool) async throws {
        let account = Account()
        try await RecordingStripe.withAccount(engine, platform: platform, transport: account.transport) { api, appID, key in
            let app = try await api.services.apps.get(App.ID(rawValue: appID))
            var options = Import.Options()
            options.emitEvents = true
            let report = try await api.services.imports.run(app: app, options)
            let outcomes = Dictionary(report.lines.map { ("\($0.object.rawValue) \($0.providerID)", $0.outcome) }, uniquingKeysWith: { $1 })
            #expect(
                outcomes == [
                    "products prod_QXg1hqf4jFNsqG": .created, "prices price_1PgafmB7WZ01zgkW6dKueIc5": .created, "prices price_once": .created,
                    "prices price_tiered": .skipped, "customers cus_QXg1o8vcGmoR32": .created, "subscriptions sub_1Pgc6rB7WZ01zgkWNy0Cn5nw": .created,
                    "payments pi_1PgafyB7WZ01zgkWSjxsAJo3": .created, "invoices in_1Pgc6tB7WZ01zgkWu9fdqL6I": .created,
                    "invoices in_renewal": .created,
                ],
                "\(report.lines)"
            )
            #expect(report.lines.first { $0.providerID == "price_tiered" }?.reason?.contains("tiered") == true)

            // The plan: the product's name and description, its two prices by key.
            let plan = try await api.request(.get, "/v1/plans/prod_QXg1hqf4jFNsqG", key: key)
            #expect(plan.string("name") == "T-shirt" && plan.string("description") == "Comfortable gray cotton t-shirt", "\(plan.text)")
            let prices = try #require(plan.json["prices"] as? [[String: Any]])
            #expect(Set(prices.compactMap { $0["key"] as? String }) == ["price_1PgafmB7WZ01zgkW6dKueIc5", "setup"], "\(prices)")
            #expect(prices.first { $0["key"] as? String == "setup" }?["type"] as? String == "one_time")
            // The subscription on the monthly price; the payment with its refund.
            let payment = try await api.request(.get, "/v1/payments/\(report.lines.first { $0.object == .payments }?.ours ?? "")", key: key)
            #expect(payment.json["amount"] as? Int == 1099 && payment.json["amount_refunded"] as? Int == 100, "\(payment.text)")
            #expect((payment.json["refunds"] as? [[String: Any]])?.first?["provider_refund_id"] as? String == "re_1Pgc72B7WZ01zgkWqPvrRrPE")
            let subscription = try await api.request(
                .get,
                "/v1/subscriptions/\(report.lines.first { $0.object == .subscriptions }?.ours ?? "")",
                key: key
            )
            #expect(subscription.string("status") == "active" && subscription.string("customer") == "org_fixture", "\(subscription.text)")
            // The one-off invoice is collected by Stripe Invoicing; the renewal by the subscription.
            let invoices = try await api.request(.get, "/v1/invoices?customer=org_fixture", key: key).data
            let alone = try #require(invoices.first { $0["provider_invoice_id"] as? String == "in_1Pgc6tB7WZ01zgkWu9fdqL6I" })
            let renewal = try #require(invoices.first { $0["provider_invoice_id"] as? String == "in_renewal" })
            #expect(alone["collection"] as? String == "stripe_invoice" && alone["status"] as? String == "open" && alone["total"] as? Int == 1000)
            #expect((alone["metadata"] as? [String: String])?["imported_from"] == "stripe:in_1Pgc6tB7WZ01zgkWu9fdqL6I", "\(alone)")
            #expect(renewal["collection"] as? String == "subscription" && renewal["status"] as? String == "paid" && renewal["subscription_id"] != nil)
            // With --emit-events the app is told of each, as if it had happened here.
            let types = try await api.request(.get, "/v1/events?limit=100", key: key).data.compactMap { $0["type"] as? String }
            for type in ["customer.created", "subscription.created", "payment.succeeded", "invoice.created", "invoice.finalized", "invoice.paid"] {
                #expect(types.contains(type), "\(type) in \(types)")
            }

            // The one-off invoice is paid at Stripe: its webhook is followed through the provider
            // (on the platform's account, found by the invoice: Stripe's object names no app).
            account.paid.withLockedValue { $0 = true }
            let event = try Self.fixture("event") {
                $0["type"] = "invoice.paid"
                $0["data"] = [
                    "object": try! Self.fixture("invoice") {
                        $0["status"] = "paid"
                        $0["parent"] = NSNull()
                        $0["amount_paid"] = 1000
                    }
                ]
            }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
            let delivered =
                platform
                ? try await InboxTests().post(api, body, signedAt: api.clock.now) : try await RecordingStripe.deliver(body, to: api, app: appID)
            #expect(delivered.status == .ok, "\(delivered.text)")
            try await api.services.inbox.settle()
            let settled = try await api.request(.get, "/v1/invoices/\(alone["id"] as? String ?? "")", key: key)
            #expect(settled.string("status") == "paid", "\(settled.text)")
        }
    }

    @Test func anAppOnTheSandboxHasNoAccountToImportAndIsToldSo() async throws {
        try await TestAPI.run(.sqlite) { api in
            let (appID, _) = try await api.createApp()
            let app = try await api.services.apps.get(App.ID(rawValue: appID))
            await #expect {
                try await api.services.imports.run(app: app, Import.Options())
            } throws: { error in
                (error as? PaymentsError)?.message.contains("served by the sandbox provider: there is no provider account to import from") == true
            }
        }
    }
}
