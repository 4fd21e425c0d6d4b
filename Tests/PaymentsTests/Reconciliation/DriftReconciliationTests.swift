import Foundation
import PaymentsDomain
import PaymentsSandbox
import PaymentsStore
import SQLKit
import Testing

/// The local mirror against the provider's objects: drift planted the three ways it happens (a
/// webhook dropped, a row edited, a refund made only at the provider) is found, repaired through
/// the inbox's path, and gone on the next run.
@Suite struct DriftReconciliationTests {
    @Test(arguments: TestDatabase.engines) func plantedDriftIsFoundRepairedAndThenGone(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await SandboxFlowTests.prepared(api)
            let appID = try #require(try await api.admin(.get, "/admin/v1/apps").data.first?["id"] as? String)
            let app = try await api.services.apps.get(App.ID(rawValue: appID))
            let sandbox = try #require(api.services.providers.sandbox(for: app) as? SandboxProvider)
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#
            )
            let subscriptionID = try #require(subscription.string("id"))
            let providerSubscription = try #require(subscription.string("provider_subscription_id"))
            let refundedLater = try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment)
            let edited = try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment)
            let (refundedID, editedID) = (try #require(refundedLater.string("id")), try #require(edited.string("id")))
            let providerPayment = try #require(refundedLater.string("provider_payment_id"))
            try await api.services.inbox.settle()
            let clean = try #require(try await api.services.drift.run(app: app, since: nil, fix: false, origin: .system))
            #expect(clean.status == .completed && clean.differences.isEmpty, "\(clean.differences)")

            // 1. A webhook dropped: the subscription is set to cancel at the provider, its event lost.
            _ = try await sandbox.cancelSubscription(providerSubscription, atPeriodEnd: true, idempotencyKey: "by-hand-1")
            // 2. A refund made only at the provider, its event lost too.
            _ = try await sandbox.createRefund(
                ProviderRefundRequest(operationID: "op_by_hand", ourID: "re_by_hand", payment: providerPayment, amount: 500, reason: nil),
                idempotencyKey: "by-hand-2"
            )
            try await api.store.backend.transaction { db in
                try await db.raw("DELETE FROM provider_events WHERE status = 'pending'").run()
            }
            // 3. Rows edited in the database: a payment's status, the subscription's first invoice's,
            // the subscription's period end (a day later) and its item's price (another's).
            let invoiceID = try #require(try await api.request(.get, "/v1/invoices?customer=org_42", key: key).data.first?["id"] as? String)
            let itemPrice = try #require((subscription.json["items"] as? [[String: Any]])?.first?["provider_price_id"] as? String)
            try await api.store.backend.transaction { db in
                try await db.raw(
                    """
                    UPDATE subscriptions SET current_period_end = current_period_end + 86400000,
                        items = REPLACE(items, \(bind: itemPrice), 'sbprice_edited')
                    WHERE id = \(bind: subscriptionID)
                    """
                ).run()
                try await db.raw("UPDATE payments SET status = 'failed' WHERE id = \(bind: editedID)").run()
                try await db.raw("UPDATE invoices SET status = 'open', amount_paid = 0, paid_at = NULL WHERE id = \(bind: invoiceID)").run()
            }

            // A run finds each.
            let found = try #require(try await api.services.drift.run(app: app, since: nil, fix: false, origin: .system))
            let kinds = Set(found.differences.map { "\($0.objectType.rawValue) \($0.objectID ?? "-") \($0.kind.rawValue)" })
            #expect(
                kinds == [
                    "subscription \(subscriptionID) status", "subscription \(subscriptionID) period", "subscription \(subscriptionID) price",
                    "payment \(refundedID) amount", "payment \(editedID) status", "invoice \(invoiceID) status",
                ],
                "\(kinds)"
            )
            let cancels = try #require(found.differences.first { $0.objectType == .subscription })
            #expect(cancels.local == "active" && cancels.provider == "active (cancels at period end)")
            #expect(found.open == 6 && found.differences.allSatisfy { !$0.fixed })
            let price = try #require(found.differences.first { $0.kind == .price })
            #expect(price.local == "sbprice_edited" && price.provider == itemPrice, "\(price)")
            let listed = try await api.request(.get, "/v1/reconciliation-runs/\(found.id.rawValue)", key: key)
            #expect(listed.json["open_differences"] as? Int == 6 && (listed.json["differences"] as? [Any])?.count == 6, "\(listed.text)")
            #expect(try await api.request(.get, "/v1/reconciliation-runs", key: key).data.count == 2)
            #expect(try await api.request(.get, "/v1/subscriptions/\(subscriptionID)", key: key).json["cancel_at_period_end"] as? Bool == false)
            let metrics = try await api.request(.get, "/metrics")
            #expect(metrics.text.contains("reconciliation_open_differences{app_id=\"\(appID)\"} 6"), "\(metrics.text.suffix(500))")

            // --fix repairs each, as the missed webhooks would have: audited, with their events.
            let events = try await api.request(.get, "/v1/events?limit=100", key: key).data.count
            let fixed = try #require(try await api.services.drift.run(app: app, since: nil, fix: true, origin: .system))
            #expect(fixed.differences.count == 6 && fixed.open == 0, "\(fixed.differences)")
            let repaired = try await api.request(.get, "/v1/subscriptions/\(subscriptionID)", key: key)
            #expect((repaired.json["items"] as? [[String: Any]])?.first?["provider_price_id"] as? String == itemPrice, "\(repaired.text)")
            #expect(repaired.string("current_period_end") == subscription.string("current_period_end"), "\(repaired.text)")
            #expect(try await api.request(.get, "/v1/invoices/\(invoiceID)", key: key).string("status") == "paid")
            #expect(try await api.request(.get, "/v1/subscriptions/\(subscriptionID)", key: key).json["cancel_at_period_end"] as? Bool == true)
            let refunded = try await api.request(.get, "/v1/payments/\(refundedID)", key: key)
            // As its webhook would: the amount refunded, and the refund made at the provider a refund of ours.
            #expect(refunded.json["amount_refunded"] as? Int == 500, "\(refunded.text)")
            let refunds = try #require(refunded.json["refunds"] as? [[String: Any]], "\(refunded.text)")
            #expect(refunds.count == 1 && refunds.first?["amount"] as? Int == 500 && refunds.first?["status"] as? String == "succeeded", "\(refunds)")
            #expect((refunds.first?["provider_refund_id"] as? String)?.isEmpty == false)
            #expect(try await api.request(.get, "/v1/payments/\(editedID)", key: key).string("status") == "succeeded")
            let after = try await api.request(.get, "/v1/events?limit=100", key: key).data
            let types = Set(after.prefix(after.count - events).compactMap { $0["type"] as? String })
            #expect(types.isSuperset(of: ["subscription.updated", "payment.refunded", "invoice.paid"]), "\(types)")
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=RECONCILE_DRIFT", key: key)
            #expect(audit.data.count == 6 && audit.data.allSatisfy { $0["actor_id"] as? String == "system" }, "start and outcome of each run")

            // A second run finds none.
            let again = try #require(try await api.services.drift.run(app: app, since: nil, fix: false, origin: .system))
            #expect(again.differences.isEmpty, "\(again.differences)")
            #expect(try await api.request(.get, "/metrics").text.contains("reconciliation_open_differences{app_id=\"\(appID)\"} 0"))

            // A subscription invoice whose webhook never came is mirrored by a repair.
            try await api.store.backend.transaction { db in
                try await db.raw("DELETE FROM invoice_lines WHERE invoice_id = \(bind: invoiceID)").run()
                try await db.raw("DELETE FROM invoices WHERE id = \(bind: invoiceID)").run()
            }
            let mirrored = try #require(try await api.services.drift.run(app: app, since: nil, fix: true, origin: .system))
            #expect(mirrored.differences.map(\.kind) == [.missingHere] && mirrored.open == 0, "\(mirrored.differences)")
            let invoices = try await api.request(.get, "/v1/invoices?customer=org_42", key: key).data
            #expect(
                invoices.count == 1 && invoices.first?["status"] as? String == "paid" && invoices.first?["collection"] as? String == "subscription"
            )

            // What only the provider has is reported, not guessed into ours.
            let lost = try #require(
                try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment).string("provider_payment_id")
            )
            try await api.store.backend.transaction { db in
                try await db.raw("DELETE FROM payments WHERE provider_payment_id = \(bind: lost)").run()
            }
            let missing = try #require(try await api.services.drift.run(app: app, since: nil, fix: true, origin: .system))
            #expect(missing.differences.map(\.kind) == [.missingHere] && missing.differences.first?.providerObjectID == lost)
            #expect(missing.open == 1 && missing.differences.first?.note?.contains("import") == true)

            // A periodic run takes its slot once, whichever instance asks.
            let first = try await api.services.drift.run(app: app, since: nil, fix: false, slot: "20420", origin: .system)
            let second = try await api.services.drift.run(app: app, since: nil, fix: false, slot: "20420", origin: .system)
            #expect(first != nil && second == nil)
        }
    }
}
