import Foundation
import PaymentsDomain
import PaymentsStore
import Testing

/// A test-mode app lives on its own clock: what happens while its clock is advanced carries the
/// app's time, not the real one.
@Suite struct TestClockTimeTests {
    @Test(arguments: TestDatabase.engines) func everythingTheAppSeesAfterAnAdvanceIsOnItsClock(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // setup: a 14-day trial on a card that pays
            let key = try await SandboxFlowTests.prepared(api)
            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","trial_period_days":14,"payment_method":"pm_sandbox_visa"}"#
            )
            let trialEnd = try #require(created.string("trial_end").flatMap(RFC3339.parse))
            let real = api.clock.now

            // MUT: 15 days later on the app's clock; the trial ended and the first charge was made
            let advanced = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":1296000}"#)
            let appNow = try #require(advanced.string("now").flatMap(RFC3339.parse))
            #expect(appNow.timeIntervalSince(real) == 1_296_000)

            // validate: the renewal's payment is dated when it happened on the app's clock
            let summary = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            let lastPayment = try #require(summary["last_payment"] as? [String: Any], "\(summary.text)")
            #expect((lastPayment["created_at"] as? String).flatMap(RFC3339.parse) == trialEnd, "\(summary.text)")
            // and what was made or changed during the advance carries the app's time, not the real one
            let subscription = try await api.request(.get, "/v1/subscriptions/\(created.string("id")!)", key: key)
            let updatedAt = try #require(subscription.string("updated_at").flatMap(RFC3339.parse))
            #expect(updatedAt >= appNow.addingTimeInterval(-1) && updatedAt <= appNow, "\(subscription.text)")
            let events = try await api.request(.get, "/v1/events?limit=100", key: key)
            let paid = try #require(events.data.first { $0["type"] as? String == "invoice.paid" })
            #expect((paid["created_at"] as? String).flatMap(RFC3339.parse).map { $0 >= appNow.addingTimeInterval(-1) } == true)
            let invoice = try #require((paid["data"] as? [String: Any])?["object"] as? [String: Any])
            #expect((invoice["paid_at"] as? String).flatMap(RFC3339.parse) == trialEnd)
            let audit = try await api.request(.get, "/v1/audit-logs?limit=1", key: key)
            let newest = try #require(audit.data.first.flatMap { ($0["created_at"] as? String).flatMap(RFC3339.parse) })
            #expect(newest >= appNow.addingTimeInterval(-1), "\(audit.text)")
            // a customer made now is made at the app's time
            let customer = try await api.request(.put, "/v1/customers/org_7", key: key, json: "{}")
            #expect(customer.string("created_at").flatMap(RFC3339.parse) == appNow, "\(customer.text)")
            // but deliveries are real traffic: an endpoint's overlap and its deliveries run on real time
            let endpoint = try await api.request(.post, "/v1/webhook-endpoints", key: key, json: #"{"url":"http://127.0.0.1:9/hook"}"#)
            let rotated = try await api.request(
                .post,
                "/v1/webhook-endpoints/\(endpoint.string("id")!)/rotate-secret",
                key: key,
                json: #"{"expires_in":60}"#
            )
            #expect(rotated.string("previous_secret_expires_at").flatMap(RFC3339.parse) == real.addingTimeInterval(60))
        }
    }
}
