import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsServer
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsStripe

/// A live-mode app moves real money: it is never served by the sandbox, and it never applies a
/// test-mode event (nor a test-mode app a live one).
@Suite struct LiveModeTests {
    /// Every route that needs a provider, with a body that would otherwise succeed on the sandbox.
    static let moneyRoutes: [(HTTPRequest.Method, String, String?)] = [
        (.post, "/v1/plans", SandboxFlowTests.plan),
        (.get, "/v1/plans", nil),
        (.post, "/v1/payments", #"{"customer":"org_42","amount":500,"currency":"usd","payment_method":"pm_sandbox_visa"}"#),
        (.post, "/v1/subscriptions", #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#),
        (.post, "/v1/checkout-sessions", #"{"customer":"org_42","mode":"subscription","plan":"pro","success_url":"https://app.test/ok"}"#),
        (.post, "/v1/portal-sessions", #"{"customer":"org_42"}"#),
    ]

    @Test(arguments: TestDatabase.engines) func aLiveAppWithoutAProviderIsNeverServedByTheSandbox(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // setup: a live app with a customer and no provider account; the platform has none either
            let (_, key) = try await api.createApp("real", mode: "live")
            #expect(try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}").status == .created)

            // MUT + validate: every money route refuses, naming how to configure a provider
            for (method, path, body) in Self.moneyRoutes {
                let reply = try await api.request(method, path, key: key, json: body)
                #expect(reply.status == .badRequest && reply.errorCode == "provider_not_configured", "\(method) \(path): \(reply.text)")
                let message = (reply.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("/v1/provider-accounts/stripe"), "\(message)")
            }
            let payments = try await api.request(.get, "/v1/payments", key: key)
            #expect(payments.status == .ok && payments.data.isEmpty, "nothing was charged anywhere")
            let objects = try await api.store.read { session in
                try await session.db.raw("SELECT COUNT(*) AS n FROM sandbox_objects").first()!.decode(column: "n", as: Int.self)
            }
            #expect(objects == 0, "the sandbox never saw the live app")

            // GET /v1/providers says so
            let providers = try await api.request(.get, "/v1/providers", key: key)
            #expect(providers.data.allSatisfy { $0["active"] as? Bool == false }, "no provider serves it: \(providers.text)")
            let sandbox = try #require(providers.data.first { $0["name"] as? String == "sandbox" })
            #expect(sandbox["configured"] as? Bool == false)
            #expect((sandbox["detail"] as? String)?.contains("test-mode apps only") == true)
            let stripe = try #require(providers.data.first { $0["name"] as? String == "stripe" })
            #expect((stripe["detail"] as? String)?.contains("/v1/provider-accounts/stripe") == true)

            // a test-mode app beside it is still served by the sandbox
            let (_, testKey) = try await api.createApp()
            let testProviders = try await api.request(.get, "/v1/providers", key: testKey)
            let active = testProviders.data.first { $0["active"] as? Bool == true }
            #expect(active?["name"] as? String == "sandbox" && active?["detail"] is NSNull)
        }
    }

    @Test(arguments: TestDatabase.engines) func anEventOfTheOtherModeIsRefusedNotApplied(engine: SQLEngine) async throws {
        let stripe = RecordingStripe()
        try await stripe.run(engine) { api, appID, key in
            // setup: a test-mode app on its own (test) Stripe account, with an active subscription
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
            _ = try await api.request(.post, "/v1/plans", key: key, json: SandboxFlowTests.plan)
            let created = try await api.request(.post, "/v1/subscriptions", key: key, json: #"{"customer":"org_42","plan":"pro"}"#)
            #expect(created.string("status") == "active", "\(created.text)")

            // MUT: a signed live-mode deletion arrives at the test app's own endpoint; Stripe (the
            // stand-in) would even confirm it
            stripe.subscriptionStatus.withLockedValue { $0 = "canceled" }
            let body =
                #"{"id":"evt_live_1","object":"event","livemode":true,"type":"customer.subscription.deleted","created":1790000000,"data":{"object":{"id":"sub_1","object":"subscription","status":"canceled","metadata":{}}}}"#
            let received = try await RecordingStripe.deliver(body, to: api, app: appID)
            #expect(received.status == .ok, "acknowledged: the provider must not retry it forever")
            let inbox = api.services.inbox
            #expect(try await inbox.processDue() == 1)

            // validate: not applied, kept with the reason, not retried
            let subscription = try await api.request(.get, "/v1/subscriptions/\(created.string("id")!)", key: key)
            #expect(subscription.string("status") == "active", "\(subscription.text)")
            let row = try await api.store.read { try await $0.db.raw("SELECT status, last_error FROM provider_events").first()! }
            #expect(try row.decode(column: "status", as: String.self) == "failed")
            #expect(try row.decode(column: "last_error", as: String?.self)?.contains("livemode mismatch") == true)
            api.clock.advance(seconds: 86_400)
            #expect(try await inbox.processDue() == 0, "a refusal is final")
            let events = try await api.request(.get, "/v1/events?type=subscription.canceled", key: key)
            #expect(events.data.isEmpty)
        }
    }

    @Test func doctorFlagsALiveAppWithoutAProvider() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("payments-doctor-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let configuration = try Configuration.load(environment: ["DATA_DIR": data])
        try await Runtime.with(configuration, logger: testLogger) { runtime in
            try await runtime.store.migrate(logger: testLogger)
            let before = await checkProviders(runtime)
            #expect(before.ok, "\(before.lines)")
            let (app, _, _) = try await runtime.services.apps.create(name: "real", mode: .live, origin: Origin(actor: .admin, requestID: nil))
            let after = await checkProviders(runtime)
            #expect(!after.ok)
            #expect(after.lines.contains { $0.contains("\(app.id)") && $0.contains("NO PROVIDER") }, "\(after.lines)")
        }
    }
}
