import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsSandbox
import PaymentsServices
import PaymentsStore
import Testing

/// A provider call whose answer is lost is reconciled, and a retried request (same
/// `Idempotency-Key`) never makes a second charge, refund or subscription.
@Suite struct CrashSafetyTests {
    static func run(_ engine: SQLEngine, faults: [Fault], _ body: @Sendable @escaping (TestAPI, String) async throws -> Void) async throws {
        try await run(engine, faults: faults) { api, key, _ in try await body(api, key) }
    }

    /// Runs `body` with an app whose sandbox provider meets the planted faults, each once.
    static func run(
        _ engine: SQLEngine,
        faults: [Fault],
        _ body: @Sendable @escaping (TestAPI, String, Providers.Directory) async throws -> Void
    ) async throws {
        let planted = NIOLockedValueBox(faults)
        let directory = NIOLockedValueBox<Providers.Directory?>(nil)
        try await TestAPI.run(
            engine,
            configure: { dependencies in
                let store = dependencies.store
                dependencies.providers = Providers.Directory(
                    store: store,
                    secrets: dependencies.secrets,
                    platformStripe: nil,
                    makeStripe: nil,
                    makeSandbox: { app, now in
                        FaultyProvider(
                            inner: SandboxProvider(backend: store.backend, appID: app.id, ids: store.ids, publicURL: "http://sandbox.test", now: now),
                            faults: planted
                        )
                    }
                )
                directory.withLockedValue { $0 = dependencies.providers }
            }
        ) { api in
            let key = try await SandboxFlowTests.prepared(api)
            try await body(api, key, try #require(directory.withLockedValue { $0 }))
            #expect(planted.withLockedValue { $0 }.isEmpty, "every planted fault was hit")
        }
    }

    /// How many objects of `kind` the sandbox provider holds.
    static func providerCount(_ api: TestAPI, _ kind: String) async throws -> Int {
        try await api.store.read { session in
            try await session.db.raw("SELECT COUNT(*) AS n FROM sandbox_objects WHERE kind = \(bind: kind)").first()!
                .decode(column: "n", as: Int.self)
        }
    }

    static let payment = #"{"customer":"org_42","amount":1500,"currency":"usd","payment_method":"pm_sandbox_visa"}"#

    /// Paying an invoice is such a charge: under a key of the invoice's own (`invoice/{id}/{attempt}`).
    @Test(arguments: TestDatabase.engines) func anInvoiceWhoseChargeWasLostIsPaidOnce(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostAfterActing("createPayment"), .unavailable("findPayment")]) { api, key in
            // setup: the provider charges, the answer is lost, and the first look-up fails too
            let id = try await InvoiceTests.finalized(api, key)
            let first = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(first.status == .serviceUnavailable && first.errorCode == "provider_outcome_unknown", "\(first.text)")
            #expect(try await Self.providerCount(api, "payment") == 1, "the provider did charge")
            #expect(try await api.request(.get, "/v1/invoices/\(id)", key: key).string("status") == "open")

            // MUT: the app retries (with no Idempotency-Key of its own)
            let retry = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)

            // validate: paid by the first charge, found at the provider, not charged again
            #expect(retry.status == .ok && retry.string("status") == "paid", "\(retry.text)")
            #expect(try await Self.providerCount(api, "payment") == 1, "no second charge")
            let payments = try await api.request(.get, "/v1/payments", key: key)
            #expect(payments.data.count == 1 && payments.data.first?["id"] as? String == retry.string("payment_id"))
        }
    }

    /// Finalizing an invoice the provider collects: the provider's invoice is made under a key of
    /// the draft's own; a lost answer leaves the draft frozen and unnumbered, and the retry finds
    /// the same provider invoice.
    @Test(arguments: TestDatabase.engines) func aCollectedInvoiceWhoseAnswerWasLostIsMadeOnce(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostAfterActing("collectInvoice")]) { api, key in
            // setup
            let draft = try await api.request(
                .post,
                "/v1/invoices",
                key: key,
                json: #"{"customer":"org_42","currency":"usd","collection":"sandbox","lines":[{"description":"Haul","unit_amount":9000}]}"#
            )
            let id = try #require(draft.string("id"))
            let lost = try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key)
            #expect(lost.status == .serviceUnavailable && lost.errorCode == "provider_outcome_unknown", "\(lost.text)")
            #expect(try await Self.providerCount(api, "invoice") == 1, "the provider made it")
            let frozen = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(frozen.string("status") == "draft" && frozen.json["number"] is NSNull)
            let edit = try await api.request(.post, "/v1/invoices/\(id)/lines", key: key, json: #"{"description":"More","unit_amount":1}"#)
            #expect(edit.status == .conflict && edit.errorCode == "invoice_not_draft", "the provider's copy and ours keep the same lines")
            #expect(try await api.request(.get, "/v1/invoice-settings", key: key).json["next_number"] as? Int == 1, "no number taken")

            // MUT
            let retry = try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key)

            // validate: numbered, with the one provider invoice
            #expect(retry.status == .ok && retry.string("status") == "open" && retry.string("number") == "INV-000001", "\(retry.text)")
            #expect(try await Self.providerCount(api, "invoice") == 1, "no second provider invoice")
            #expect(retry.string("hosted_invoice_url")?.contains("/sandbox/invoices/sbin_") == true)
        }
    }

    /// Charging an invoice the provider collects: a lost answer leaves the attempt open, and the
    /// retry asks under the same key; the provider's invoice is paid once, with one charge.
    @Test(arguments: TestDatabase.engines) func aProviderChargeWhoseAnswerWasLostIsMadeOnce(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostAfterActing("chargeCollectedInvoice")]) { api, key in
            let id = try await InvoiceTests.draft(api, key, collection: "sandbox", amount: 9000)
            #expect(try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key).string("status") == "open")
            let lost = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(lost.status == .serviceUnavailable && lost.errorCode == "provider_outcome_unknown", "\(lost.text)")
            #expect(try await Self.providerCount(api, "payment") == 1, "the provider charged it")

            // MUT
            let retry = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)

            // validate: paid once, by the one charge, whichever of the retry and the provider's event records it
            try await api.services.inbox.settle()
            let paid = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(paid.string("status") == "paid" && InvoiceTests.int(paid, "amount_paid") == 9000, "\(retry.text) \(paid.text)")
            #expect(try await Self.providerCount(api, "payment") == 1, "no second charge")
            #expect(try await api.request(.get, "/v1/payments?customer=org_42", key: key).data.count == 1)
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=PAY_INVOICE&target_id=\(id)", key: key)
            let attempts = Set(audit.data.compactMap { ($0["payload_snapshot"] as? [String: Any])?["attempt"] as? String })
            #expect(attempts == ["invoice/\(id)/1"], "one attempt, resumed: \(attempts)")
        }
    }

    /// A provider that cannot be reached made nothing: the draft is a draft again, editable, and
    /// no number is used.
    @Test(arguments: TestDatabase.engines) func aCollectionTheProviderRefusedLeavesTheDraftADraft(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.unavailable("collectInvoice")]) { api, key in
            let draft = try await api.request(
                .post,
                "/v1/invoices",
                key: key,
                json: #"{"customer":"org_42","currency":"usd","collection":"sandbox","lines":[{"description":"Haul","unit_amount":9000}]}"#
            )
            let id = try #require(draft.string("id"))
            let refused = try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key)
            #expect(refused.status == .serviceUnavailable && refused.errorCode == "provider_unavailable", "\(refused.text)")
            let edit = try await api.request(.post, "/v1/invoices/\(id)/lines", key: key, json: #"{"description":"More","unit_amount":100}"#)
            #expect(edit.status == .created && InvoiceTests.int(edit, "total") == 9100, "the draft changes again")
            let finalized = try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key)
            #expect(finalized.string("number") == "INV-000001" && finalized.string("status") == "open", "\(finalized.text)")
            #expect(try await Self.providerCount(api, "invoice") == 1)
        }
    }

    /// With no retry at all, reconciliation settles the lost charge and the invoice follows it.
    @Test(arguments: TestDatabase.engines) func anInvoiceWhoseChargeWasLostIsPaidByReconciliation(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostAfterActing("createPayment"), .unavailable("findPayment")]) { api, key in
            // setup
            let id = try await InvoiceTests.finalized(api, key)
            let first = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(first.status == .serviceUnavailable)

            // MUT: the reconciliation worker's pass, later
            api.clock.advance(seconds: 600)
            _ = try await api.services.reconciliation.runOnce()

            // validate
            let invoice = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(invoice.string("status") == "paid" && invoice.string("payment_id") != nil, "\(invoice.text)")
            #expect(try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data.count == 1)
            #expect(try await Self.providerCount(api, "payment") == 1)
        }
    }

    @Test(arguments: TestDatabase.engines) func aPaymentWhoseAnswerWasLostIsFoundNotChargedAgain(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostAfterActing("createPayment"), .unavailable("findPayment")]) { api, key in
            // setup: the provider charges, the answer is lost, and the first look-up fails too
            let first = try await api.request(.post, "/v1/payments", key: key, json: Self.payment, headers: [.testIdempotencyKey: "order-1"])
            #expect(first.status == .serviceUnavailable && first.errorCode == "provider_outcome_unknown", "\(first.text)")
            #expect(try await Self.providerCount(api, "payment") == 1, "the provider did charge")
            let recorded = try await api.request(.get, "/v1/payments", key: key)
            #expect(recorded.data.first?["status"] as? String == "unknown")

            // MUT: the app retries with the same key
            let retry = try await api.request(.post, "/v1/payments", key: key, json: Self.payment, headers: [.testIdempotencyKey: "order-1"])

            // validate: the same payment, found at the provider, not charged again
            #expect(retry.status == .created, "\(retry.text)")
            #expect(retry.string("id") == recorded.data.first?["id"] as? String)
            #expect(retry.string("status") == "succeeded")
            #expect(try await Self.providerCount(api, "payment") == 1, "no second charge")
            let all = try await api.request(.get, "/v1/payments", key: key)
            #expect(all.data.count == 1)
        }
    }

    @Test(arguments: TestDatabase.engines) func aPaymentLostBeforeReachingTheProviderIsSentOnceUnderTheSameKey(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostBeforeActing("createPayment"), .unavailable("findPayment")]) { api, key in
            let first = try await api.request(.post, "/v1/payments", key: key, json: Self.payment, headers: [.testIdempotencyKey: "order-2"])
            #expect(first.errorCode == "provider_outcome_unknown")
            #expect(try await Self.providerCount(api, "payment") == 0)
            let retry = try await api.request(.post, "/v1/payments", key: key, json: Self.payment, headers: [.testIdempotencyKey: "order-2"])
            #expect(retry.status == .created && retry.string("status") == "succeeded", "\(retry.text)")
            #expect(try await Self.providerCount(api, "payment") == 1)
            let replay = try await api.request(.post, "/v1/payments", key: key, json: Self.payment, headers: [.testIdempotencyKey: "order-2"])
            #expect(replay.headers[.testReplayed] == "true" && replay.string("id") == retry.string("id"))
        }
    }

    @Test(arguments: TestDatabase.engines) func aRefundWhoseAnswerWasLostIsNotRefundedTwice(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostAfterActing("createRefund"), .unavailable("findRefund")]) { api, key in
            let paid = try await api.request(.post, "/v1/payments", key: key, json: Self.payment)
            let id = try #require(paid.string("id"))
            let first = try await api.request(
                .post,
                "/v1/payments/\(id)/refunds",
                key: key,
                json: #"{"amount":1000}"#,
                headers: [.testIdempotencyKey: "refund-1"]
            )
            #expect(first.errorCode == "provider_outcome_unknown")
            // While the first refund's outcome is unknown it still holds its amount.
            let other = try await api.request(.post, "/v1/payments/\(id)/refunds", key: key, json: #"{"amount":1000}"#)
            #expect(other.errorCode == "refund_exceeds_payment")
            let retry = try await api.request(
                .post,
                "/v1/payments/\(id)/refunds",
                key: key,
                json: #"{"amount":1000}"#,
                headers: [.testIdempotencyKey: "refund-1"]
            )
            #expect(retry.status == .created && retry.string("status") == "succeeded", "\(retry.text)")
            #expect(try await Self.providerCount(api, "refund") == 1)
            let payment = try await api.request(.get, "/v1/payments/\(id)", key: key)
            #expect(payment["amount_refunded"] as? Int == 1000)
        }
    }

    @Test(arguments: TestDatabase.engines) func aSubscriptionWhoseAnswerWasLostIsNotStartedTwice(engine: SQLEngine) async throws {
        try await Self.run(engine, faults: [.lostAfterActing("createSubscription"), .unavailable("findSubscription")]) { api, key in
            let body = #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#
            let first = try await api.request(.post, "/v1/subscriptions", key: key, json: body, headers: [.testIdempotencyKey: "sub-1"])
            #expect(first.errorCode == "provider_outcome_unknown", "\(first.text)")
            let retry = try await api.request(.post, "/v1/subscriptions", key: key, json: body, headers: [.testIdempotencyKey: "sub-1"])
            #expect(retry.status == .created && retry.string("status") == "active", "\(retry.text)")
            #expect(try await Self.providerCount(api, "subscription") == 1)
            let list = try await api.request(.get, "/v1/subscriptions", key: key)
            #expect(list.data.count == 1)
        }
    }
}

/// Operations nobody retried are settled in the background.
@Suite struct ReconciliationTests {
    static func service(_ api: TestAPI, _ providers: Providers.Directory) -> Reconciliation.Service {
        api.services.reconciliation
    }

    @Test(arguments: TestDatabase.engines) func anUnknownPaymentIsSettledByLookingItUp(engine: SQLEngine) async throws {
        try await CrashSafetyTests.run(engine, faults: [.lostAfterActing("createPayment"), .unavailable("findPayment")]) { api, key, providers in
            let lost = try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment)
            #expect(lost.errorCode == "provider_outcome_unknown")
            let reconciliation = Self.service(api, providers)

            // Too fresh: it may still be in flight.
            #expect(try await reconciliation.runOnce() == .init(settled: 0, abandoned: 0, open: 0))
            api.clock.advance(seconds: 301)
            #expect(try await reconciliation.runOnce() == .init(settled: 1, abandoned: 0, open: 0))

            let payment = try await api.request(.get, "/v1/payments", key: key)
            #expect(payment.data.first?["status"] as? String == "succeeded")
            #expect(try await CrashSafetyTests.providerCount(api, "payment") == 1)
            #expect(try await reconciliation.runOnce() == .init(settled: 0, abandoned: 0, open: 0), "settled once")
        }
    }

    @Test(arguments: TestDatabase.engines) func aPaymentThatNeverReachedTheProviderFailsAfterAnHour(engine: SQLEngine) async throws {
        try await CrashSafetyTests.run(engine, faults: [.lostBeforeActing("createPayment"), .unavailable("findPayment")]) { api, key, providers in
            _ = try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment)
            let reconciliation = Self.service(api, providers)
            api.clock.advance(seconds: 600)
            #expect(try await reconciliation.runOnce() == .init(settled: 0, abandoned: 0, open: 1), "not found yet, not given up")
            api.clock.advance(seconds: 3600)
            #expect(try await reconciliation.runOnce() == .init(settled: 0, abandoned: 1, open: 0))
            let payment = try await api.request(.get, "/v1/payments", key: key)
            #expect(payment.data.first?["status"] as? String == "failed")
            #expect((payment.data.first?["failure"] as? [String: Any])?["code"] as? String == "provider_unreached")
            #expect(try await CrashSafetyTests.providerCount(api, "payment") == 0, "nothing was sent from the reconciler")
        }
    }
}
