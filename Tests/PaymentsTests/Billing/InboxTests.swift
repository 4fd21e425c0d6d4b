import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsSandbox
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsStripe

/// Provider events: verified, stored once, answered at once, processed after from the
/// provider's current state.
@Suite struct InboxTests {
    static let secret = Secret("whsec_platform_test")

    /// An app served by the platform's Stripe account, which is the recording stand-in.
    static func run(_ engine: SQLEngine, _ body: @Sendable @escaping (TestAPI, String, String, RecordingStripe) async throws -> Void) async throws {
        let stripe = RecordingStripe()
        try await TestAPI.run(
            engine,
            configure: { dependencies in
                let store = dependencies.store
                dependencies.providers = Providers.Directory(
                    store: store,
                    secrets: dependencies.secrets,
                    platformStripe: .init(secretKey: Secret("sk_test_platform"), webhookSecrets: [Secret("whsec_old"), secret]),
                    makeStripe: { credentials, account in
                        StripeProvider(secretKey: credentials.secretKey, account: account, transport: stripe.transport, logger: testLogger)
                    },
                    makeSandbox: { app, now in
                        SandboxProvider(backend: store.backend, appID: app.id, ids: store.ids, publicURL: "http://sandbox.test", now: now)
                    }
                )
            }
        ) { api in
            let (appID, key) = try await api.createApp()
            try await body(api, appID, key, stripe)
        }
    }

    static func event(_ id: String, app: String, status: String = "past_due") -> String {
        #"{"id":"\#(id)","object":"event","type":"customer.subscription.updated","created":1790000000,"data":{"object":{"id":"sub_1","object":"subscription","status":"\#(status)","metadata":{"payments_app_id":"\#(app)"}}}}"#
    }

    func post(
        _ api: TestAPI,
        _ body: String,
        signedAt: Date,
        secret: Secret<String> = InboxTests.secret,
        path: String = "/webhooks/stripe"
    ) async throws -> TestAPI.Reply {
        let header = StripeWebhookSignature.header(payload: Array(body.utf8), secret: secret, timestamp: Int64(signedAt.timeIntervalSince1970))
        return try await api.request(.post, path, json: body, headers: [HTTPField.Name("Stripe-Signature")!: header])
    }

    static func count(_ api: TestAPI) async throws -> Int {
        try await api.store.read {
            try await $0.db.raw("SELECT COUNT(*) AS n FROM provider_events WHERE provider = 'stripe'").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test(arguments: TestDatabase.engines) func aSignedEventIsStoredOnceAndProcessedFromTheProvidersState(engine: SQLEngine) async throws {
        try await Self.run(engine) { api, appID, key, stripe in
            // setup: a subscription at Stripe (the stand-in), active
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
            _ = try await api.request(.post, "/v1/plans", key: key, json: SandboxFlowTests.plan)
            let created = try await api.request(.post, "/v1/subscriptions", key: key, json: #"{"customer":"org_42","plan":"pro"}"#)
            #expect(created.string("provider") == "stripe" && created.string("status") == "active", "\(created.text)")
            let now = api.clock.now

            // MUT: Stripe says the subscription changed; its payload is not trusted, its state is re-read
            stripe.subscriptionStatus.withLockedValue { $0 = "past_due" }
            let body = Self.event("evt_1", app: appID, status: "active")
            let first = try await post(api, body, signedAt: now)
            let again = try await post(api, body, signedAt: now)

            // validate
            #expect(first.status == .ok && first["duplicate"] as? Bool == false, "\(first.text)")
            #expect(again.status == .ok && again["duplicate"] as? Bool == true, "a replay is acknowledged and stored once")
            #expect(try await Self.count(api) == 1)
            let inbox = api.services.inbox
            #expect(try await inbox.processDue() == 1)
            let subscription = try await api.request(.get, "/v1/subscriptions/\(created.string("id")!)", key: key)
            #expect(subscription.string("status") == "past_due", "the provider's current state wins over the event's copy")
            let stored = try await api.store.read { try await $0.db.raw("SELECT status, app_id FROM provider_events").first()! }
            #expect(try stored.decode(column: "status", as: String.self) == "succeeded")
            #expect(try stored.decode(column: "app_id", as: String?.self) == appID, "routed by the metadata on the object")
            #expect(try await inbox.processDue() == 0, "processed once")
        }
    }

    @Test(arguments: TestDatabase.engines) func badSignaturesStoreNothing(engine: SQLEngine) async throws {
        try await Self.run(engine) { api, appID, _, _ in
            let now = api.clock.now
            let body = Self.event("evt_2", app: appID)
            let tampered = try await api.request(
                .post,
                "/webhooks/stripe",
                json: body.replacingOccurrences(of: "past_due", with: "active"),
                headers: [
                    HTTPField.Name("Stripe-Signature")!: StripeWebhookSignature.header(
                        payload: Array(body.utf8),
                        secret: Self.secret,
                        timestamp: Int64(now.timeIntervalSince1970)
                    )
                ]
            )
            let wrongSecret = try await post(api, body, signedAt: now, secret: Secret("whsec_nobody"))
            let stale = try await post(api, body, signedAt: now.addingTimeInterval(-301))
            let unsigned = try await api.request(.post, "/webhooks/stripe", json: body)
            let notAnApp = try await post(api, body, signedAt: now, path: "/webhooks/stripe/app_01m8000000000000000000000a")
            for reply in [tampered, wrongSecret, stale, unsigned, notAnApp] {
                #expect(reply.status == .badRequest && reply.errorCode == "webhook_signature_invalid", "\(reply.text)")
            }
            #expect(try await Self.count(api) == 0, "nothing stored")
            let rotated = try await post(api, body, signedAt: now, secret: Secret("whsec_old"))
            #expect(rotated.status == .ok, "every configured secret is tried, so secrets can rotate")
            let notAnEvent = try await post(api, #"{"hello":"world"}"#, signedAt: now)
            #expect(notAnEvent.status == .badRequest && notAnEvent.errorCode == "webhook_payload_invalid")
        }
    }

    @Test(arguments: TestDatabase.engines) func theSandboxsEventsGoThroughTheSameInbox(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await SandboxFlowTests.prepared(api)
            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            let types = try await api.store.read { session in
                try await session.db.raw("SELECT type FROM provider_events WHERE provider = 'sandbox' ORDER BY event_created_at, id").all()
                    .map { try $0.decode(column: "type", as: String.self) }
            }
            #expect(types == ["invoice.paid", "subscription.created"], "the sandbox's own names: \(types)")
            // The renewal fails: the provider says past due; the inbox brings the mirror along.
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)
            // The advance processed what the provider sent before answering.
            let inbox = api.services.inbox
            #expect(try await inbox.processDue() == 0)
            let statuses = try await api.store.read { session in
                try await session.db.raw("SELECT status FROM provider_events WHERE provider = 'sandbox'").all()
                    .map { try $0.decode(column: "status", as: String.self) }
            }
            #expect(statuses.count == 4 && statuses.allSatisfy { ["succeeded", "ignored"].contains($0) }, "\(statuses)")
            let subscription = try await api.request(.get, "/v1/subscriptions/\(created.string("id")!)", key: key)
            #expect(subscription.string("status") == "past_due")
        }
    }
}

/// A failed renewal opens a grace period; paying resolves it; time expires it.
@Suite struct GracePeriodTests {
    @Test(arguments: TestDatabase.engines) func aFailedRenewalOpensGraceWhichExpiresOnTheAppsClock(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // setup: a plan with 5 days of grace, a card that fails on renewal
            let (_, key) = try await api.createApp()
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
            let plan = SandboxFlowTests.plan.replacingOccurrences(of: #""grace_period_days":7"#, with: #""grace_period_days":5"#)
            _ = try await api.request(.post, "/v1/plans", key: key, json: plan)
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )

            // MUT: a month later the renewal fails
            let advanced = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)

            // validate
            let open = try await api.request(.get, "/v1/grace-periods?status=open&customer=org_42", key: key)
            let period = try #require(open.data.first, "\(open.text)")
            #expect(period["reason"] as? String == "payment_failed")
            #expect(period["subscription_id"] as? String == subscription.string("id"))
            let starts = try #require(RFC3339.parse(period["starts_at"] as? String ?? ""))
            let ends = try #require(RFC3339.parse(period["ends_at"] as? String ?? ""))
            #expect(ends.timeIntervalSince(starts) == 5 * 86_400, "the plan's grace_period_days")
            #expect(advanced.string("now") == period["starts_at"] as? String, "opened at the app's time")

            // Another month: still unpaid, another failed invoice; one grace period per customer and reason.
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":86400}"#)
            #expect(try await api.request(.get, "/v1/grace-periods?status=open", key: key).data.count == 1)
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":432000}"#)
            let expired = try await api.request(.get, "/v1/grace-periods", key: key)
            #expect(expired.data.first?["status"] as? String == "expired", "\(expired.text)")
            #expect(expired.data.first?["closed_at"] as? String == period["ends_at"] as? String)
            let audit = try await api.request(.get, "/v1/audit-logs?target_type=grace_period", key: key)
            #expect(Set(audit.data.compactMap { $0["action_type"] as? String }) == ["OPEN_GRACE_PERIOD", "EXPIRE_GRACE_PERIOD"])
        }
    }

    @Test(arguments: TestDatabase.engines) func theAppsDefaultLengthAppliesWhenThePlanNamesNone(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // setup: an app whose grace periods last 3 days, a plan without its own length
            let created = try await api.admin(.post, "/admin/v1/apps", json: #"{"name":"short","mode":"test","grace_period_days":3}"#)
            #expect(created.status == .created && created["grace_period_days"] as? Int == 3, "\(created.text)")
            let key = try #require(created.string("api_key"))
            let bad = try await api.admin(.patch, "/admin/v1/apps/\(created.string("id")!)", json: #"{"grace_period_days":366}"#)
            #expect(bad.status == .badRequest && bad.errorParam == "grace_period_days")
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
            let plan = SandboxFlowTests.plan.replacingOccurrences(of: #""grace_period_days":7"#, with: #""grace_period_days":null"#)
            _ = try await api.request(.post, "/v1/plans", key: key, json: plan)
            _ = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )

            // MUT
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)

            // validate
            let period = try #require(try await api.request(.get, "/v1/grace-periods", key: key).data.first)
            let starts = try #require(RFC3339.parse(period["starts_at"] as? String ?? ""))
            let ends = try #require(RFC3339.parse(period["ends_at"] as? String ?? ""))
            #expect(ends.timeIntervalSince(starts) == 3 * 86_400, "the app's default")
            let reset = try await api.admin(.patch, "/admin/v1/apps/\(created.string("id")!)", json: #"{"grace_period_days":null}"#)
            #expect(reset.status == .ok && reset["grace_period_days"] is NSNull)
        }
    }

    @Test(arguments: TestDatabase.engines) func aGracePeriodIsResolvedByHandOnce(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await SandboxFlowTests.prepared(api)
            _ = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)
            let id = try #require(try await api.request(.get, "/v1/grace-periods", key: key).data.first?["id"] as? String)
            let missingReason = try await api.request(.post, "/v1/grace-periods/\(id)/resolve", key: key, json: "{}")
            #expect(missingReason.status == .badRequest && missingReason.errorParam == "reason")
            let resolved = try await api.request(.post, "/v1/grace-periods/\(id)/resolve", key: key, json: #"{"reason":"paid by wire"}"#)
            #expect(resolved.string("status") == "resolved" && resolved.string("resolution") == "paid by wire")
            let again = try await api.request(.post, "/v1/grace-periods/\(id)/resolve", key: key, json: #"{"reason":"again"}"#)
            #expect(again.errorCode == "grace_period_not_open")
        }
    }
}
