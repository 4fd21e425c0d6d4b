import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsStripe

/// Invoices of ours collected with Stripe Invoicing: the provider's totals are ours, its
/// events through the inbox settle the invoice.
@Suite struct StripeInvoicingTests {
    static func fixture(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stripe/2026-10-28.endive/\(name).json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Stripe's published objects: an invoice item's amount is its quantity times its unit
    /// amount, and an invoice's subtotal and total are its lines' sum, as ours are.
    @Test func ourTotalsAreStripesForTheSameLines() throws {
        let item = try Self.fixture("invoiceitem")
        let quantity = try #require(item["quantity"] as? Int)
        let amount = try #require(item["amount"] as? Int)
        let line = InvoiceLine(
            id: .init(rawValue: "il_1"),
            description: "item",
            quantity: Int64(quantity),
            unitAmount: Int64(amount / quantity),
            currency: .usd,
            priceID: nil,
            locationID: nil,
            periodStart: nil,
            periodEnd: nil,
            metadata: [:],
            createdAt: Date()
        )
        #expect(line.amount == Int64(amount))
        let invoice = try Self.fixture("invoice")
        let lines = try #require((invoice["lines"] as? [String: Any])?["data"] as? [[String: Any]])
        var ours = Invoice(
            id: .init(rawValue: "inv_1"),
            appID: .init(rawValue: "app_1"),
            customerID: .init(rawValue: "cus_1"),
            customerExternalID: "org_1",
            currency: .usd,
            collection: .stripeInvoice,
            locationID: nil,
            dueDate: nil,
            daysUntilDue: nil,
            memo: nil,
            metadata: [:],
            createdAt: Date()
        )
        for (index, stripeLine) in lines.enumerated() {
            let quantity = Int64(try #require(stripeLine["quantity"] as? Int))
            let amount = Int64(try #require(stripeLine["amount"] as? Int))
            try ours.add(
                InvoiceLine(
                    id: .init(rawValue: "il_\(index)"),
                    description: "line",
                    quantity: quantity,
                    unitAmount: amount / quantity,
                    currency: .usd,
                    priceID: nil,
                    locationID: nil,
                    periodStart: nil,
                    periodEnd: nil,
                    metadata: [:],
                    createdAt: Date()
                )
            )
        }
        #expect(ours.subtotal == Int64(try #require(invoice["subtotal"] as? Int)))
        #expect(ours.total == Int64(try #require(invoice["total"] as? Int)))
        #expect(ours.amountDue == Int64(try #require(invoice["amount_due"] as? Int)))
    }

    /// One of ours (no subscription; our id in its metadata) is a collected invoice; a
    /// subscription's stays what it was.
    @Test func stripesEventsForOurInvoicesBecomeTheirFacts() throws {
        let ours: [String: Any] = [
            "id": "in_9", "parent": NSNull(), "subscription": NSNull(),
            "metadata": [ProviderMetadata.appID: "app_1", ProviderMetadata.objectID: "inv_1"],
        ]
        #expect(try ProviderFactTests.stripeEvent("invoice.paid", "invoice", ours).fact == .collectedInvoiceChanged(invoice: "in_9"))
        #expect(try ProviderFactTests.stripeEvent("invoice.voided", "invoice", ours).fact == .collectedInvoiceChanged(invoice: "in_9"))
        #expect(
            try ProviderFactTests.stripeEvent("invoice.payment_failed", "invoice", ours).fact == .collectedInvoicePaymentFailed(invoice: "in_9")
        )
        #expect(try ProviderFactTests.stripeEvent("invoice.paid", "invoice", ours).appID == App.ID(rawValue: "app_1"))
        guard case .invoicePaymentFailed(_, "subscription") = try ProviderFactTests.stripeEvent("invoice.payment_failed", "invoice").fact else {
            Issue.record("a subscription's invoice is not one of ours")
            return
        }
        // A Checkout session its payment link made (the link's metadata is copied onto it).
        let viaLink: [String: Any] = ["payment_link": "plink_9", "metadata": [ProviderMetadata.appID: "app_1", ProviderMetadata.objectID: "inv_1"]]
        #expect(
            try ProviderFactTests.stripeEvent("checkout.session.completed", "checkout.session", viaLink).fact
                == .collectedInvoiceChanged(invoice: "plink_9")
        )
    }

    @Test(arguments: TestDatabase.engines) func anInvoiceIsCollectedWithAPaymentLinkAndSettledByItsSession(engine: SQLEngine) async throws {
        let stripe = RecordingStripe()
        try await stripe.run(engine) { api, appID, key in
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"Acme"}"#)
            let id = try await InvoiceTests.draft(api, key, collection: "payment_link", amount: 500)
            let open = try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key)
            #expect(open.string("status") == "open" && open.string("provider_invoice_id") == "plink_1", "\(open.text)")
            #expect(open.string("hosted_invoice_url") == "https://buy.stripe.com/test_1")
            let charged = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_card_visa"}"#)
            #expect(charged.status == .conflict && charged.errorCode == "invoice_collected_by_provider", "a link's buyer pays on its page")

            // The buyer pays through the link; Stripe says so with the session it made.
            stripe.paymentLink.withLockedValue { $0.paid = true }
            let session: [String: Any] = [
                "id": "cs_test_2", "object": "checkout.session", "status": "complete", "payment_link": "plink_1",
                "payment_intent": "pi_1", "metadata": [ProviderMetadata.appID: appID, ProviderMetadata.objectID: id],
            ]
            let event: [String: Any] = [
                "id": "evt_link_1", "object": "event", "type": "checkout.session.completed",
                "created": Int(api.clock.now.timeIntervalSince1970), "livemode": false, "data": ["object": session],
            ]
            let received = try await RecordingStripe.deliver(
                String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self),
                to: api,
                app: appID
            )
            #expect(received.status == .ok)
            #expect(try await api.services.inbox.processDue() == 1)
            let paid = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(paid.string("status") == "paid" && paid.string("payment_id") != nil, "\(paid.text)")
            #expect(try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data.count == 1)
            let void = try await api.request(.post, "/v1/invoices/\(id)/void", key: key)
            #expect(void.status == .conflict, "a paid invoice is not voided")
        }
    }

    @Test(arguments: TestDatabase.engines) func anInvoiceIsCollectedWithStripeInvoicingAndSettledByItsWebhook(engine: SQLEngine) async throws {
        let stripe = RecordingStripe()
        try await stripe.run(engine) { api, appID, key in
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"Acme"}"#)
            let sandboxOnly = try await InvoiceTests.draft(api, key, collection: "sandbox", amount: 1)
            let refused = try await api.request(.post, "/v1/invoices/\(sandboxOnly)/finalize", key: key)
            #expect(refused.status == .badRequest && refused.errorParam == "collection", "Stripe does not collect as the sandbox")

            // MUT: finalized through Stripe Invoicing
            let draft = try await api.request(
                .post,
                "/v1/invoices",
                key: key,
                json: #"""
                    {"customer":"org_42","currency":"usd","collection":"stripe_invoice","days_until_due":30,
                     "lines":[{"description":"Haul","quantity":3,"unit_amount":12500},{"description":"Discount","unit_amount":-2500}]}
                    """#
            )
            let id = try #require(draft.string("id"))
            let open = try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key)

            // validate: Stripe's copy, the same total, its page and PDF
            #expect(open.status == .ok && open.string("status") == "open" && open.string("number") == "INV-000001", "\(open.text)")
            #expect(open.string("provider") == "stripe" && open.string("provider_invoice_id") == "in_1")
            #expect(open.string("hosted_invoice_url")?.hasPrefix("https://invoice.stripe.com/") == true && open.string("invoice_pdf") != nil)
            #expect(stripe.invoiceItems.withLockedValue { $0 } == [37500, -2500], "Stripe's lines are ours")
            let created = try #require(stripe.requests.withLockedValue { $0 }.first { $0.method == "POST" && $0.path == "/v1/invoices" })
            #expect(created.body?.contains("metadata[payments_object_id]=\(id)") == true && created.body?.contains("days_until_due=30") == true)

            // A signed invoice.paid for it (Stripe's published invoice, made ours) settles it.
            var object = try Self.fixture("invoice")
            object.merge(
                [
                    "id": "in_1", "status": "paid", "amount_paid": 35000, "parent": NSNull(), "subscription": NSNull(),
                    "metadata": [ProviderMetadata.appID: appID, ProviderMetadata.objectID: id],
                ]
            ) { _, new in new }
            let event: [String: Any] = [
                "id": "evt_inv_1", "object": "event", "type": "invoice.paid", "created": Int(api.clock.now.timeIntervalSince1970),
                "livemode": false, "data": ["object": object],
            ]
            let received = try await RecordingStripe.deliver(
                String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self),
                to: api,
                app: appID
            )
            #expect(received.status == .ok)
            #expect(try await api.request(.get, "/v1/invoices/\(id)", key: key).string("status") == "open", "stored first, processed after")
            #expect(try await api.services.inbox.processDue() == 1)
            let paid = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(paid.string("status") == "paid" && paid.json["amount_paid"] as? Int == 35000, "\(paid.text)")
            let payment = try #require(paid.string("payment_id"))
            #expect(try await api.request(.get, "/v1/payments/\(payment)", key: key).string("provider_payment_id") == "pi_1")
            #expect(try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data.count == 1)

            // Another, voided: voided at Stripe first.
            let second = try await InvoiceTests.draft(api, key, collection: "stripe_invoice", amount: 100)
            #expect(try await api.request(.post, "/v1/invoices/\(second)/finalize", key: key).string("number") == "INV-000002")
            #expect(try await api.request(.post, "/v1/invoices/\(second)/void", key: key).string("status") == "void")
            #expect(stripe.requests.withLockedValue { $0 }.contains { $0.path == "/v1/invoices/in_2/void" })

            // Another, paid by cheque: marked paid out of band at Stripe first.
            let third = try await InvoiceTests.draft(api, key, collection: "stripe_invoice", amount: 300)
            #expect(try await api.request(.post, "/v1/invoices/\(third)/finalize", key: key).string("status") == "open")
            let cheque = try await api.request(.post, "/v1/invoices/\(third)/mark-paid", key: key, json: #"{"reference":"Cheque 7"}"#)
            #expect(cheque.string("status") == "paid" && cheque.string("payment_reference") == "Cheque 7", "\(cheque.text)")
            #expect(stripe.requests.withLockedValue { $0 }.last { $0.path == "/v1/invoices/in_3/pay" }?.body == "paid_out_of_band=true")

            // Another, charged by the app with the customer's saved card: Stripe's /pay, under the attempt's key.
            let fourth = try await InvoiceTests.draft(api, key, collection: "stripe_invoice", amount: 400)
            #expect(try await api.request(.post, "/v1/invoices/\(fourth)/finalize", key: key).string("number") == "INV-000004")
            let charged = try await api.request(.post, "/v1/invoices/\(fourth)/pay", key: key, json: #"{"payment_method":"pm_card_visa"}"#)
            #expect(charged.status == .ok && charged.string("status") == "paid" && charged.string("payment_id") != nil, "\(charged.text)")
            let pay = try #require(stripe.requests.withLockedValue { $0 }.last { $0.path == "/v1/invoices/in_4/pay" })
            #expect(pay.body == "payment_method=pm_card_visa&off_session=true" && pay.headers["Idempotency-Key"] == "invoice/\(fourth)/1", "\(pay)")
        }
    }
}
