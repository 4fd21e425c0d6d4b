import Foundation
import HTTPTypes
import PaymentsStore
import Testing

/// What every resource shows the app: the customer by the id the app holds, and times as stored.
@Suite struct ResourceTests {
    @Test(arguments: TestDatabase.engines) func objectsNameTheirCustomerByTheAppsOwnID(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // setup
            let key = try await SandboxFlowTests.prepared(api)

            // MUT
            let payment = try await api.request(
                .post,
                "/v1/payments",
                key: key,
                json: #"{"customer":"org_42","amount":500,"currency":"usd","payment_method":"pm_sandbox_visa"}"#
            )
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            let checkout = try await api.request(
                .post,
                "/v1/checkout-sessions",
                key: key,
                json: #"{"customer":"org_42","mode":"payment","plan":"pro","success_url":"https://app.test/ok"}"#
            )
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)

            // validate: beside our id, the app's own
            for reply in [payment, subscription, checkout] {
                #expect(reply.string("customer") == "org_42" && reply.string("customer_id")?.hasPrefix("cus_") == true, "\(reply.text)")
            }
            let grace = try #require(try await api.request(.get, "/v1/grace-periods", key: key).data.first)
            #expect(grace["customer"] as? String == "org_42")
            let lists = try await api.request(.get, "/v1/subscriptions", key: key)
            #expect(lists.data.allSatisfy { $0["customer"] as? String == "org_42" })
            let events = try await api.request(.get, "/v1/events?limit=100", key: key)
            let objects = events.data.compactMap { ($0["data"] as? [String: Any])?["object"] as? [String: Any] }
            let naming = objects.filter { $0["customer_id"] != nil }
            #expect(!naming.isEmpty && naming.allSatisfy { $0["customer"] as? String == "org_42" }, "events carry it too")
        }
    }

    @Test func timesAreShownToTheMillisecondStored() async throws {
        try await TestAPI.run(.sqlite) { api in
            let (_, key) = try await api.createApp()
            api.clock.advance(seconds: 0.25)
            let created = try await api.request(.put, "/v1/customers/org_1", key: key, json: "{}")
            #expect(created.string("created_at")?.hasSuffix(".250Z") == true, "\(created.text)")
            api.clock.advance(seconds: 0.75)
            let updated = try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":"A"}"#)
            #expect(updated.string("updated_at") == "2026-09-21T14:13:21Z", "no fraction when there is none: \(updated.text)")
        }
    }
}
