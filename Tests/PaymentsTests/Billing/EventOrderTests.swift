import Foundation
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import SQLKit
import Testing

/// A reproducible source of randomness for generated cases (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Stripe delivers at least once and in any order. Whatever the order and however often each
/// event comes (or is processed again), the end state is the one the in-order history gives.
@Suite struct EventOrderTests {
    /// One step of a subscription's history at Stripe: the event, and what Stripe reports after it.
    struct Step: Sendable {
        let body: @Sendable (String) -> String  // app id → event JSON
        let providerStatus: String
    }

    /// Active → renewal fails → paid again. Invoice events carry no app metadata (as Stripe sends
    /// them for the platform account): they are routed through their subscription.
    static let history: [Step] = [
        Step(body: { subscriptionEvent("evt_a", "customer.subscription.created", 1_790_000_000, "active", $0) }, providerStatus: "active"),
        Step(body: { _ in invoiceEvent("evt_b", "invoice.payment_failed", 1_792_600_000, paid: 0) }, providerStatus: "past_due"),
        Step(body: { subscriptionEvent("evt_c", "customer.subscription.updated", 1_792_600_001, "past_due", $0) }, providerStatus: "past_due"),
        Step(body: { _ in invoiceEvent("evt_d", "invoice.paid", 1_792_700_000, paid: 2900) }, providerStatus: "active"),
        Step(body: { subscriptionEvent("evt_e", "customer.subscription.updated", 1_792_700_001, "active", $0) }, providerStatus: "active"),
    ]

    static func subscriptionEvent(_ id: String, _ type: String, _ created: Int, _ status: String, _ app: String) -> String {
        #"{"id":"\#(id)","object":"event","type":"\#(type)","created":\#(created),"data":{"object":{"id":"sub_1","object":"subscription","status":"\#(status)","metadata":{"payments_app_id":"\#(app)"}}}}"#
    }

    /// An event about the renewal's invoice `in_2`: open while its charge fails, paid after.
    static func invoiceEvent(_ id: String, _ type: String, _ created: Int, paid: Int) -> String {
        let status = paid > 0 ? "paid" : "open"
        return
            #"{"id":"\#(id)","object":"event","type":"\#(type)","created":\#(created),"data":{"object":{"id":"in_2","object":"invoice","status":"\#(status)","subscription":"sub_1","total":2900,"amount_paid":\#(paid),"currency":"usd","period_start":1792600000,"period_end":1795200000}}}"#
    }

    /// What must not depend on delivery order.
    struct EndState: Equatable {
        let status: String?
        let periodEnd: String?
        let openGrace: Int
        let invoicesPaid: Int
        /// The renewal's invoice as ours, and its status: one, however its events arrived.
        let invoices: [String]
        let eventsStored: Int
        let failedEvents: Int
    }

    static func endState(_ api: TestAPI, key: String, subscription: String) async throws -> EndState {
        let sub = try await api.request(.get, "/v1/subscriptions/\(subscription)", key: key)
        let grace = try await api.request(.get, "/v1/grace-periods?status=open", key: key)
        let paid = try await api.request(.get, "/v1/events?type=invoice.paid", key: key)
        let invoices = try await api.request(.get, "/v1/invoices", key: key).data.map { "\($0["number"] ?? "") \($0["status"] ?? "")" }
        let (stored, failed) = try await api.store.read { session in
            let rows = try await session.db.raw("SELECT status FROM provider_events WHERE provider = 'stripe'").all()
            let statuses = try rows.map { try $0.decode(column: "status", as: String.self) }
            return (statuses.count, statuses.filter { $0 != "succeeded" && $0 != "ignored" }.count)
        }
        return EndState(
            status: sub.string("status"),
            periodEnd: sub.string("current_period_end"),
            openGrace: grace.data.count,
            invoicesPaid: paid.data.count,
            invoices: invoices,
            eventsStored: stored,
            failedEvents: failed
        )
    }

    /// Runs a history on a fresh database. `order` nil: in order, Stripe's state moving with each
    /// event. Otherwise Stripe is at its final state and the events come as `order` says (indexes
    /// into `steps`, repeats allowed), processed at the points `processAfter` marks.
    static func run(
        _ engine: SQLEngine,
        _ steps: [Step],
        order: [Int]?,
        processAfter: Set<Int> = [],
        reprocess: [Int] = []
    ) async throws
        -> EndState
    {
        let result = NIOLockedValueBox<EndState?>(nil)
        try await InboxTests.run(engine) { api, appID, key, stripe in
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
            _ = try await api.request(.post, "/v1/plans", key: key, json: SandboxFlowTests.plan)
            let subscription = try await api.request(.post, "/v1/subscriptions", key: key, json: #"{"customer":"org_42","plan":"pro"}"#)
            let inbox = api.services.inbox
            let poster = InboxTests()
            if let order {
                stripe.subscriptionStatus.withLockedValue { $0 = steps.last!.providerStatus }
                for (position, index) in order.enumerated() {
                    let reply = try await poster.post(api, steps[index].body(appID), signedAt: api.clock.now)
                    #expect(reply.status == .ok)
                    if processAfter.contains(position) { try await inbox.processDue() }
                }
                try await inbox.processDue()
                // Processing an event again (`payments events reprocess`) changes nothing either.
                for index in reprocess {
                    let providerID = String(steps[index].body(appID).dropFirst(7).prefix { $0 != "\"" })
                    let id = try await api.store.read { session in
                        try await session.db.raw("SELECT id FROM provider_events WHERE provider_event_id = \(bind: providerID)").first()?
                            .decode(column: "id", as: String.self)
                    }
                    if let id {
                        let queued = try await inbox.reprocess(
                            id: .init(rawValue: id),
                            receivedFrom: nil,
                            receivedTo: nil,
                            origin: Origin(actor: .admin, requestID: nil)
                        )
                        #expect(queued == 1)
                    }
                }
                if !reprocess.isEmpty {
                    // Audited as the operator's, in the app's chain.
                    let audit = try await api.request(.get, "/v1/audit-logs?action_type=REPROCESS_PROVIDER_EVENT", key: key).data
                    #expect(audit.count == reprocess.count && audit.allSatisfy { $0["actor_id"] as? String == "admin" }, "\(audit)")
                }
                try await inbox.processDue()
            } else {
                for step in steps {
                    stripe.subscriptionStatus.withLockedValue { $0 = step.providerStatus }
                    _ = try await poster.post(api, step.body(appID), signedAt: api.clock.now)
                    try await inbox.processDue()
                }
            }
            let state = try await endState(api, key: key, subscription: try #require(subscription.string("id")))
            result.withLockedValue { $0 = state }
        }
        return try #require(result.withLockedValue { $0 })
    }

    @Test(arguments: TestDatabase.engines) func anyOrderAndAnyRepeatEndsAsTheHistoryInOrder(engine: SQLEngine) async throws {
        for steps in [Self.history, Array(Self.history.prefix(3))] {
            let reference = try await Self.run(engine, steps, order: nil)
            #expect(reference.invoicesPaid == (steps.count == 5 ? 1 : 0))
            #expect(reference.invoices == [steps.count == 5 ? "INV-000001 paid" : "INV-000001 open"])
            #expect(reference.openGrace == (steps.count == 5 ? 0 : 1), "paid: no grace left open; unpaid: one open")
            var generator = SeededGenerator(seed: engine == .sqlite ? 20_261_122 : 1_122)
            for _ in 0..<(engine == .sqlite ? 5 : 3) {
                var order = Array(steps.indices)
                for _ in 0..<Int.random(in: 0...3, using: &generator) { order.append(Int.random(in: steps.indices, using: &generator)) }
                order.shuffle(using: &generator)
                let processAfter = Set((0..<order.count).filter { _ in Bool.random(using: &generator) })
                let reprocess = (0..<2).map { _ in Int.random(in: steps.indices, using: &generator) }
                let permuted = try await Self.run(engine, steps, order: order, processAfter: processAfter, reprocess: reprocess)
                #expect(permuted == reference, "order \(order), processed after \(processAfter.sorted()), reprocessed \(reprocess)")
            }
        }
    }

    /// A worker that dies while processing: its lease lapses and another worker finishes the event.
    @Test(arguments: TestDatabase.engines) func anEventWhoseWorkerDiedIsProcessedAfterItsLease(engine: SQLEngine) async throws {
        try await InboxTests.run(engine) { api, appID, key, stripe in
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
            _ = try await api.request(.post, "/v1/plans", key: key, json: SandboxFlowTests.plan)
            let subscription = try await api.request(.post, "/v1/subscriptions", key: key, json: #"{"customer":"org_42","plan":"pro"}"#)
            stripe.subscriptionStatus.withLockedValue { $0 = "past_due" }
            _ = try await InboxTests().post(
                api,
                Self.subscriptionEvent("evt_k", "customer.subscription.updated", 1_790_000_000, "past_due", appID),
                signedAt: api.clock.now
            )
            // A worker claims it, then dies before finishing.
            let claimed = try await api.store.inbox.claim(now: api.clock.now, lease: .seconds(60), limit: 10)
            #expect(claimed.count == 1)
            let inbox = api.services.inbox
            #expect(try await inbox.processDue() == 0, "leased: nobody else takes it yet")
            api.clock.advance(seconds: 61)
            #expect(try await inbox.processDue() == 1)
            let after = try await api.request(.get, "/v1/subscriptions/\(subscription.string("id")!)", key: key)
            #expect(after.string("status") == "past_due")
            let status = try await api.store.read { try await $0.db.raw("SELECT status, attempts FROM provider_events").first()! }
            #expect(try status.decode(column: "status", as: String.self) == "succeeded")
            #expect(try status.decode(column: "attempts", as: Int.self) == 2)
        }
    }
}
