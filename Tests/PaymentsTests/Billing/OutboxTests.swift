import Crypto
import Foundation
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

/// A receiver in memory: answers from a script, records every request.
final class RecordingReceiver: Sendable {
    struct Request: Sendable {
        let url: String
        let headers: [String: String]
        let body: String
        let at: Date
    }

    private let state = NIOLockedValueBox<(requests: [Request], failuresLeft: [String: Int])>(([], [:]))
    let clock: TestClock

    init(clock: TestClock) { self.clock = clock }

    /// The next `count` requests to `url` answer 500 (a negative count: every one).
    func fail(_ url: String, times count: Int) { state.withLockedValue { $0.failuresLeft[url] = count } }

    var requests: [Request] { state.withLockedValue { $0.requests } }

    var sender: WebhookSender {
        WebhookSender { [self] url, headers, body in
            let status = state.withLockedValue { state -> Int in
                state.requests.append(
                    Request(
                        url: url,
                        headers: Dictionary(headers, uniquingKeysWith: { a, _ in a }),
                        body: String(decoding: body, as: UTF8.self),
                        at: clock.now
                    )
                )
                let left = state.failuresLeft[url, default: 0]
                if left == 0 { return 204 }
                if left > 0 { state.failuresLeft[url] = left - 1 }
                return 500
            }
            return .init(status: status)
        }
    }
}

@Suite struct OutboxTests {
    static let secrets = SecretBox(appSecret: Secret("test-app-secret-0123456789abcdefghij"))

    static func deliveries(_ api: TestAPI, _ receiver: RecordingReceiver) -> Deliveries.Service {
        Deliveries.Service(store: api.store, secrets: secrets, sender: receiver.sender, random: { 0 }, logger: testLogger)
    }

    /// Drives one delivery through its schedule on the injected clock: each attempt happens
    /// exactly when the schedule says, not a moment before.
    @Test(arguments: TestDatabase.engines) func retriesFollowTheScheduleUntilAcceptedOrDead(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // setup: two endpoints; one fails three times then accepts, the other never accepts
            let (_, key) = try await api.createApp()
            let receiver = RecordingReceiver(clock: api.clock)
            let flaky = try await api.request(
                .post,
                "/v1/webhook-endpoints",
                key: key,
                json: #"{"url":"http://127.0.0.1:9/flaky","events":["customer.created"]}"#
            )
            let down = try await api.request(
                .post,
                "/v1/webhook-endpoints",
                key: key,
                json: #"{"url":"http://127.0.0.1:9/down","events":["customer.created"]}"#
            )
            #expect(flaky.status == .created && (flaky.string("secret") ?? "").hasPrefix("whsec_"))
            receiver.fail("http://127.0.0.1:9/flaky", times: 3)
            receiver.fail("http://127.0.0.1:9/down", times: -1)
            let outbox = Self.deliveries(api, receiver)
            let start = api.clock.now

            // MUT: an event, then the clock walks from one due time to the next
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
            var rounds = 0
            while rounds < 40 {
                rounds += 1
                let attempted = try await outbox.deliverDue()
                guard let due = try await api.store.outbox.nextDue() else { break }
                #expect(attempted > 0 || due > api.clock.now)
                // A moment before the due time nothing is sent.
                api.clock.advance(seconds: max(0, due.timeIntervalSince(api.clock.now) - 0.5))
                #expect(try await outbox.deliverDue() == 0, "nothing is sent before its time")
                api.clock.advance(seconds: 0.5)
            }

            // validate: the flaky endpoint got four tries, at 0, 5, 35 and 155 seconds
            let offsets = { (url: String) in
                receiver.requests.filter { $0.url == url }.map { $0.at.timeIntervalSince(start).rounded() }
            }
            #expect(offsets("http://127.0.0.1:9/flaky") == [0, 5, 35, 155])
            // the dead one: 13 tries over the standard schedule (random 0: no jitter)
            var expected: [Double] = [0]
            for wait in RetrySchedule.standard.waits { expected.append(expected.last! + Double(wait.components.seconds)) }
            #expect(offsets("http://127.0.0.1:9/down") == expected)
            #expect(expected.last! >= 3 * 86_400, "the schedule spans at least three days")
            let list = try await api.request(.get, "/v1/event-deliveries", key: key)
            let byEndpoint = Dictionary(uniqueKeysWithValues: list.data.map { ($0["endpoint_id"] as! String, $0) })
            let flakyDelivery = try #require(byEndpoint[flaky.string("id")!])
            let deadDelivery = try #require(byEndpoint[down.string("id")!])
            #expect(flakyDelivery["status"] as? String == "succeeded" && flakyDelivery["attempts"] as? Int == 4)
            #expect(deadDelivery["status"] as? String == "dead" && deadDelivery["attempts"] as? Int == 13)
            #expect(deadDelivery["last_response_status"] as? Int == 500 && deadDelivery["next_attempt_at"] is NSNull)
            let dead = try await api.request(.get, "/v1/event-deliveries?status=dead&endpoint=\(down.string("id")!)", key: key)
            #expect(dead.data.count == 1)

            // A week later nothing more is sent; a retry by hand sends it once more.
            api.clock.advance(seconds: 7 * 86_400)
            #expect(try await outbox.deliverDue() == 0)
            receiver.fail("http://127.0.0.1:9/down", times: 0)
            let id = deadDelivery["id"] as! String
            let retried = try await api.request(.post, "/v1/event-deliveries/\(id)/retry", key: key)
            #expect(retried.string("status") == "pending", "\(retried.text)")
            #expect(try await outbox.deliverDue() == 1)
            let after = try await api.request(.get, "/v1/event-deliveries/\(id)", key: key)
            #expect(after.string("status") == "succeeded" && after["attempts"] as? Int == 14)
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=RETRY_EVENT_DELIVERY", key: key)
            #expect(audit.data.count == 1)
        }
    }

    /// What is sent is the stored event, signed the Standard Webhooks way; during a rotation's
    /// overlap both secrets sign.
    @Test(arguments: TestDatabase.engines) func deliveriesAreSignedAndRotationOverlaps(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let receiver = RecordingReceiver(clock: api.clock)
            let endpoint = try await api.request(.post, "/v1/webhook-endpoints", key: key, json: #"{"url":"http://127.0.0.1:9/in"}"#)
            let id = try #require(endpoint.string("id"))
            let first = try #require(endpoint.string("secret"))
            #expect(try await api.request(.get, "/v1/webhook-endpoints/\(id)", key: key)["secret"] == nil, "the secret is shown once")
            _ = try await api.request(.put, "/v1/customers/org_1", key: key, json: "{}")
            let outbox = Self.deliveries(api, receiver)
            try await outbox.deliverDue()
            let signed = try #require(receiver.requests.first)
            let event = try await api.request(.get, "/v1/events?limit=1", key: key)
            #expect(signed.headers["webhook-id"] == event.data.first?["id"] as? String)
            #expect(try Self.verifies(signed, secret: first))
            #expect(!(try Self.verifies(signed, secret: StandardWebhooks.makeSecret())))
            let stored = try await api.request(.get, "/v1/events/\(signed.headers["webhook-id"]!)", key: key)
            #expect(stored.text == signed.body, "the delivered body is the stored event, byte for byte")

            // MUT: rotate with an hour of overlap
            let rotated = try await api.request(.post, "/v1/webhook-endpoints/\(id)/rotate-secret", key: key, json: #"{"expires_in":3600}"#)
            let second = try #require(rotated.string("secret"))
            #expect(second != first && rotated["previous_secret_expires_at"] is String)
            _ = try await api.request(.put, "/v1/customers/org_2", key: key, json: "{}")
            try await outbox.deliverDue()
            let during = try #require(receiver.requests.last)
            #expect(try Self.verifies(during, secret: first) && Self.verifies(during, secret: second))
            api.clock.advance(seconds: 3601)
            _ = try await api.request(.put, "/v1/customers/org_3", key: key, json: "{}")
            try await outbox.deliverDue()
            let afterwards = try #require(receiver.requests.last)
            #expect(try Self.verifies(afterwards, secret: second) && !(Self.verifies(afterwards, secret: first)))
            let audit = try await api.request(.get, "/v1/audit-logs?target_type=webhook_endpoint", key: key)
            #expect(!audit.text.contains(first) && !audit.text.contains(second), "secrets are never audited")
        }
    }

    /// Our own reading of the Standard Webhooks rule (the e2e run checks with the reference library).
    static func verifies(_ request: RecordingReceiver.Request, secret: String) throws -> Bool {
        let key = try #require(StandardWebhooks.key(secret))
        let id = try #require(request.headers["webhook-id"])
        let timestamp = try #require(request.headers["webhook-timestamp"])
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(id).\(timestamp).\(request.body)".utf8), using: key)
        let expected = "v1," + Data(mac).base64EncodedString()
        return (request.headers["webhook-signature"] ?? "").split(separator: " ").contains { $0 == expected }
    }

    /// Two workers on one database: every delivery is sent exactly once.
    @Test(arguments: TestDatabase.engines) func twoWorkersNeverSendADeliveryTwice(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            _ = try await api.request(.post, "/v1/webhook-endpoints", key: key, json: #"{"url":"http://127.0.0.1:9/a"}"#)
            _ = try await api.request(.post, "/v1/webhook-endpoints", key: key, json: #"{"url":"http://127.0.0.1:9/b"}"#)
            for n in 0..<60 { _ = try await api.request(.put, "/v1/customers/org_\(n)", key: key, json: "{}") }
            let receiver = RecordingReceiver(clock: api.clock)
            // Each worker takes small batches so they interleave.
            let outbox = Self.deliveries(api, receiver)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        while try await outbox.deliverDue(limit: 7, concurrency: 3) > 0 {}
                    }
                }
                try await group.waitForAll()
            }
            let sent = receiver.requests.map { "\($0.url) \($0.headers["webhook-id"]!)" }
            #expect(sent.count == 120, "60 events to 2 endpoints")
            #expect(Set(sent).count == sent.count, "no event delivered twice to the same endpoint")
            #expect(try await api.request(.get, "/v1/event-deliveries?status=pending", key: key).data.isEmpty)
        }
    }

    /// A worker that dies after claiming: its deliveries fall due again when the lease ends, and
    /// its late report (if it ever comes) does not overwrite the newer attempt.
    @Test(arguments: TestDatabase.engines) func aDeadWorkersClaimLapses(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            _ = try await api.request(.post, "/v1/webhook-endpoints", key: key, json: #"{"url":"http://127.0.0.1:9/a"}"#)
            _ = try await api.request(.put, "/v1/customers/org_1", key: key, json: "{}")
            try await api.store.eventSequencer.sequenceAll()  // what an outbox pass does first
            let claimed = try await api.store.outbox.claim(now: api.clock.now, lease: .seconds(60), limit: 10)
            #expect(claimed.count == 1)
            let inFlight = try await api.request(.post, "/v1/event-deliveries/\(claimed[0].delivery.id.rawValue)/retry", key: key)
            #expect(
                inFlight.status == .conflict && inFlight.errorCode == "event_delivery_in_flight",
                "a retry by hand while a worker sends it would send it twice"
            )
            // the worker dies here
            let receiver = RecordingReceiver(clock: api.clock)
            let outbox = Self.deliveries(api, receiver)
            #expect(try await outbox.deliverDue() == 0, "leased: nobody else sends it")
            api.clock.advance(seconds: 61)
            #expect(try await outbox.deliverDue() == 1)
            let stale = DeliveryAttempt(
                delivery: claimed[0].delivery.id,
                attempt: claimed[0].delivery.attempts,
                at: api.clock.now,
                responseStatus: 500,
                error: "late",
                nextAttemptAt: api.clock.now
            )
            try await api.store.outbox.record([stale])
            let delivery = try await api.request(.get, "/v1/event-deliveries", key: key).data.first
            #expect(delivery?["status"] as? String == "succeeded" && delivery?["attempts"] as? Int == 2)
        }
    }

    /// Events are numbered per app in order, and `after_sequence` replays from a point.
    @Test(arguments: TestDatabase.engines) func eventsAreASequencedReplayableStream(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp("one")
            let (_, otherKey) = try await api.createApp("two")
            for n in 0..<5 { _ = try await api.request(.put, "/v1/customers/org_\(n)", key: key, json: "{}") }
            _ = try await api.request(.put, "/v1/customers/org_0", key: key, json: #"{"name":"Renamed"}"#)
            _ = try await api.request(.put, "/v1/customers/org_0", key: key, json: #"{"name":"Renamed"}"#)  // no change: no event
            _ = try await api.request(.put, "/v1/customers/x", key: otherKey, json: "{}")
            let all = try await api.request(.get, "/v1/events?limit=100", key: key)
            #expect(all.data.compactMap { $0["sequence"] as? Int } == [6, 5, 4, 3, 2, 1])
            #expect(all.data.first?["type"] as? String == "customer.updated")
            let object = (all.data.first?["data"] as? [String: Any])?["object"] as? [String: Any]
            #expect(object?["name"] as? String == "Renamed" && object?["object"] as? String == "customer")
            let replay = try await api.request(.get, "/v1/events?after_sequence=3&limit=2", key: key)
            #expect(replay.data.compactMap { $0["sequence"] as? Int } == [4, 5] && replay["has_more"] as? Bool == true)
            let other = try await api.request(.get, "/v1/events", key: otherKey)
            #expect(other.data.compactMap { $0["sequence"] as? Int } == [1], "each app has its own sequence")
            let bad = try await api.request(.get, "/v1/events?type=nope", key: key)
            #expect(bad.status == .badRequest && bad.errorParam == "type")
            let both = try await api.request(.get, "/v1/events?after_sequence=1&starting_after=evt_01m8000000000000000000000a", key: key)
            #expect(both.status == .badRequest)
        }
    }

    /// Bad endpoint requests name the parameter.
    @Test func endpointInputIsChecked() async throws {
        try await TestAPI.run(.sqlite) { api in
            let (_, key) = try await api.createApp()
            let (_, liveKey) = try await api.createApp("live", mode: "live")
            for (body, param) in [
                (#"{}"#, "url"), (#"{"url":"ftp://x.test/"}"#, "url"), (#"{"url":"/relative"}"#, "url"),
                (#"{"url":"https://u:p@x.test/"}"#, "url"), (#"{"url":"https://x.test/","events":["nope"]}"#, "events[0]"),
                (#"{"url":"https://x.test/","colour":"red"}"#, "colour"),
            ] {
                let reply = try await api.request(.post, "/v1/webhook-endpoints", key: key, json: body)
                #expect(reply.status == .badRequest && reply.errorParam == param, "\(body): \(reply.text)")
            }
            let plain = try await api.request(.post, "/v1/webhook-endpoints", key: liveKey, json: #"{"url":"http://x.test/"}"#)
            #expect(plain.status == .badRequest && plain.errorParam == "url", "live apps deliver over https only")
            let made = try await api.request(.post, "/v1/webhook-endpoints", key: key, json: #"{"url":"https://x.test/","events":["*"]}"#)
            let id = try #require(made.string("id"))
            let patched = try await api.request(
                .patch,
                "/v1/webhook-endpoints/\(id)",
                key: key,
                json: #"{"events":["payment.failed"],"description":"ops"}"#
            )
            #expect(patched["events"] as? [String] == ["payment.failed"] && patched.string("description") == "ops")
            let rotate = try await api.request(.post, "/v1/webhook-endpoints/\(id)/rotate-secret", key: key, json: #"{"expires_in":9999999}"#)
            #expect(rotate.status == .badRequest && rotate.errorParam == "expires_in")
            let deleted = try await api.request(.delete, "/v1/webhook-endpoints/\(id)", key: key)
            #expect(deleted["deleted"] as? Bool == true)
            #expect(try await api.request(.get, "/v1/webhook-endpoints/\(id)", key: key).status == .notFound)
        }
    }
}

/// The story an app follows through its events and the billing summary.
@Suite struct BillingStoryTests {
    @Test(arguments: TestDatabase.engines) func aFailedRenewalIsAnnouncedAndSummarized(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // setup
            let key = try await SandboxFlowTests.prepared(api)
            let none = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            #expect(none.string("status") == "none" && none["plan"] is NSNull && none["last_payment"] is NSNull, "\(none.text)")
            let missing = try await api.request(.get, "/v1/customers/org_nobody/billing-summary", key: key)
            #expect(missing.status == .notFound && missing.errorCode == "customer_not_found")

            // MUT: subscribe with a card that fails on renewal
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            let active = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            #expect(active.string("status") == "active" && active.string("plan") == "pro" && active.string("price") == "monthly")
            #expect(active.string("subscription_id") == subscription.string("id") && active["current_period_end"] is String)
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)

            // validate: past due, in grace, announced in order
            let grace = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            #expect(grace.string("status") == "in_grace", "\(grace.text)")
            let period = try #require(grace["grace_period"] as? [String: Any])
            #expect(period["reason"] as? String == "payment_failed" && period["ends_at"] is String)
            let last = try #require(grace["last_payment"] as? [String: Any], "the first invoice was paid")
            #expect(last["amount"] as? Int == 2900 && last["currency"] as? String == "usd" && last["status"] as? String == "succeeded")
            let events = try await api.request(.get, "/v1/events?after_sequence=0&limit=100", key: key)
            let types = events.data.compactMap { $0["type"] as? String }
            #expect(types.first == "customer.created")
            for expected in ["subscription.created", "subscription.activated", "invoice.paid", "subscription.past_due", "grace_period.started"] {
                #expect(types.contains(expected), "\(expected) in \(types)")
            }
            #expect(types.firstIndex(of: "subscription.past_due")! < types.firstIndex(of: "grace_period.started")!)
            #expect(types.filter { $0 == "invoice.paid" }.count == 1, "one paid invoice, announced once")
            let paid = try #require(events.data.first { $0["type"] as? String == "invoice.paid" })
            let invoice = try #require((paid["data"] as? [String: Any])?["object"] as? [String: Any])
            #expect(invoice["subscription_id"] as? String == subscription.string("id") && invoice["amount_paid"] as? Int == 2900)
            #expect(events.data.compactMap { $0["sequence"] as? Int } == Array(1...events.data.count), "no gaps, in order")

            // Nothing pays: the grace period expires.
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":691200}"#)
            let expired = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            #expect(expired.string("status") == "past_due" && expired["grace_period"] is NSNull, "\(expired.text)")
            let later = try await api.request(.get, "/v1/events?type=grace_period.expired", key: key)
            #expect(later.data.count == 1)
        }
    }

    @Test func theSummaryStatusFollowsTheSubscriptionAndGrace() {
        #expect(BillingSummary.status(of: nil, grace: nil) == .none)
        let statuses: [(Subscription.Status, Bool, BillingSummary.Status)] = [
            (.active, false, .active), (.trialing, false, .trialing), (.pastDue, true, .inGrace), (.pastDue, false, .pastDue),
            (.unpaid, true, .inGrace), (.incomplete, false, .none), (.canceled, false, .canceled), (.incompleteExpired, true, .canceled),
        ]
        for (status, open, expected) in statuses {
            let subscription = Subscription(
                id: .init(rawValue: "sub_1"),
                appID: .init(rawValue: "app_1"),
                customerID: .init(rawValue: "cus_1"),
                customerExternalID: "org_1",
                planID: .init(rawValue: "plan_1"),
                priceID: .init(rawValue: "price_1"),
                quantity: 1,
                items: [],
                status: status,
                provider: .sandbox,
                providerSubscriptionID: "x",
                currentPeriodStart: nil,
                currentPeriodEnd: nil,
                trialEnd: nil,
                cancelAtPeriodEnd: false,
                canceledAt: nil,
                endedAt: nil,
                createdAt: Date(),
                updatedAt: Date()
            )
            let grace =
                open
                ? GracePeriod(
                    id: .init(rawValue: "grace_1"),
                    appID: .init(rawValue: "app_1"),
                    customerID: .init(rawValue: "cus_1"),
                    customerExternalID: "org_1",
                    subscriptionID: nil,
                    reason: .paymentFailed,
                    status: .open,
                    startsAt: Date(),
                    endsAt: Date(),
                    closedAt: nil,
                    resolution: nil,
                    createdAt: Date(),
                    updatedAt: Date()
                ) : nil
            #expect(BillingSummary.status(of: subscription, grace: grace) == expected, "\(status) grace \(open)")
        }
    }
}

/// A trial's coming end is announced once, three days ahead (the provider's `trial_will_end`).
@Suite struct TrialEndingTests {
    @Test(arguments: TestDatabase.engines) func theTrialsEndIsAnnouncedOnce(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await SandboxFlowTests.prepared(api)
            let trial = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","trial_period_days":14,"payment_method":"pm_sandbox_visa"}"#
            )
            #expect(trial.string("status") == "trialing", "\(trial.text)")
            let summary = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            #expect(summary.string("status") == "trialing" && summary["trial_end"] as? String == trial.string("trial_end"))
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":1036800}"#)  // day 12
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":86400}"#)  // day 13
            let ending = try await api.request(.get, "/v1/events?type=subscription.trial_ending", key: key)
            #expect(ending.data.count == 1, "\(ending.text)")
            let object = (ending.data.first?["data"] as? [String: Any])?["object"] as? [String: Any]
            #expect(object?["id"] as? String == trial.string("id") && object?["status"] as? String == "trialing")
        }
    }
}
