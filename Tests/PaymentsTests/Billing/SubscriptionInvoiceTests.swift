import Foundation
import PaymentsDomain
import PaymentsStore
import Testing

/// The provider's invoices for subscriptions are invoices of ours: numbered in the app's sequence
/// beside its own, listed with them, named by their events, and settled by the provider alone.
@Suite struct SubscriptionInvoiceTests {
    @Test(arguments: TestDatabase.engines) func aRenewalDeclinedIsAnOpenInvoiceOnlyTheProviderSettles(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await InvoiceTests.setUp(api)
            // The app's own invoice first: one sequence for both.
            let own = try await InvoiceTests.draft(api, key, collection: "manual", amount: 700)
            #expect(try await api.request(.post, "/v1/invoices/\(own)/finalize", key: key).string("number") == "INV-000001")
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            let subscriptionID = try #require(subscription.string("id"), "\(subscription.text)")

            // The first period, paid at once (its event read by the inbox).
            #expect(try await api.services.inbox.processDue() > 0)
            var invoices = try await api.request(.get, "/v1/invoices?customer=org_42", key: key).data
            #expect(invoices.count == 2, "\(invoices)")
            let first = try #require(invoices.first)
            #expect(first["number"] as? String == "INV-000002" && first["status"] as? String == "paid" && first["amount_paid"] as? Int == 2900)
            #expect(first["collection"] as? String == "subscription" && first["subscription_id"] as? String == subscriptionID)
            #expect(first["provider"] as? String == "sandbox" && (first["provider_invoice_id"] as? String)?.hasPrefix("sbin_") == true)
            let line = try #require((first["lines"] as? [[String: Any]])?.first)
            #expect(line["amount"] as? Int == 2900 && line["unit_amount"] as? Int == 2900 && line["quantity"] as? Int == 1)
            #expect((line["price_id"] as? String)?.hasPrefix("price_") == true, "the line names our price")

            // The renewal's charge is declined: an open invoice, its failure announced with our id.
            #expect(try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#).status == .ok)
            invoices = try await api.request(.get, "/v1/invoices?customer=org_42", key: key).data
            let renewal = try #require(invoices.first)
            let renewalID = try #require(renewal["id"] as? String)
            #expect(renewal["number"] as? String == "INV-000003" && renewal["status"] as? String == "open", "\(renewal)")
            #expect(renewal["amount_due"] as? Int == 2900 && renewal["amount_remaining"] as? Int == 2900)
            let failed = try await api.request(.get, "/v1/events?type=invoice.payment_failed", key: key).data
            #expect(failed.compactMap { ($0["data"] as? [String: Any])?["object"] as? [String: Any] }.map { $0["id"] as? String } == [renewalID])
            let created = try await api.request(.get, "/v1/events?type=invoice.created", key: key).data
            #expect(created.count == 3, "the app's own and the provider's two")
            #expect(try await api.request(.get, "/v1/subscriptions/\(subscriptionID)", key: key).string("status") == "past_due")

            // The provider retries it with the subscription's payment method; the app's routes do not settle it.
            for (path, body) in [
                ("pay", #"{"payment_method":"pm_sandbox_visa"}"#), ("void", "{}"), ("mark-paid", #"{"reference":"Cheque 1"}"#),
                ("mark-uncollectible", "{}"),
            ] {
                let refused = try await api.request(.post, "/v1/invoices/\(renewalID)/\(path)", key: key, json: body)
                #expect(refused.status == .conflict && refused.errorCode == "invoice_collected_by_provider", "\(path): \(refused.text)")
                #expect(refused.errorParam == "collection", "\(path)")
            }
            #expect(try await api.request(.get, "/v1/invoices/\(renewalID)", key: key).string("status") == "open")
            // An app's draft cannot pretend to be one.
            let pretend = try await api.request(
                .post,
                "/v1/invoices",
                key: key,
                json: #"{"customer":"org_42","currency":"usd","collection":"subscription"}"#
            )
            #expect(pretend.status == .badRequest && pretend.errorParam == "collection", "\(pretend.text)")

            // Made by the system, audited so.
            let app = try #require(try await api.store.read { try await $0.apps.list(try PageRequest(limit: 10)).data.first })
            let audit = try await api.admin(
                .get,
                "/admin/v1/audit-logs?app_id=\(app.id.rawValue)&action_type=CREATE_INVOICE&target_id=\(renewalID)"
            )
            #expect(audit.data.count == 1 && audit.data.first?["actor_id"] as? String == "system", "\(audit.text)")
        }
    }
}
