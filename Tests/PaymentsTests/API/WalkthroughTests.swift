import Foundation
import PaymentsStore
import Testing

/// The issue's walkthrough, through the real router, on both databases.
@Suite struct WalkthroughTests {
    @Test(arguments: TestDatabase.engines) func createAppThenUpsertReadAndAuditACustomer(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let created = try await api.admin(.post, "/admin/v1/apps", json: #"{"name":"funnel","mode":"test"}"#)
            #expect(created.status == .created)
            let key = try #require(created.string("api_key"))
            #expect(key.hasPrefix("sk_test_"))
            #expect(created.string("mode") == "test")
            #expect(created.string("id")?.hasPrefix("app_") == true)

            let put = try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"Acme","email":"billing@acme.test"}"#)
            #expect(put.status == .created)
            #expect(put.string("id")?.hasPrefix("cus_") == true)
            #expect(put.string("external_id") == "org_42")
            #expect(put.string("name") == "Acme")

            let update = try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"legal_name":"Acme Ltd","metadata":{"plan":"pro"}}"#)
            #expect(update.status == .ok)
            #expect(update.string("id") == put.string("id"))
            #expect(update.string("name") == "Acme", "absent fields are kept")
            #expect(update.string("legal_name") == "Acme Ltd")

            let get = try await api.request(.get, "/v1/customers/org_42", key: key)
            #expect(get.status == .ok)
            #expect(get.text == update.text, "a read shows what the last write answered")
            #expect(try #require(get.string("created_at")).hasSuffix("Z"), "times are RFC 3339 UTC")

            let audit = try await api.request(.get, "/v1/audit-logs?target_type=customer", key: key)
            #expect(audit.status == .ok)
            #expect(audit.data.map { $0["action_type"] as? String } == ["UPDATE_CUSTOMER", "CREATE_CUSTOMER"])
            #expect(audit.data.allSatisfy { $0["target_id"] as? String == put.string("id") })
            #expect(audit.data.first?["request_id"] as? String == update.headers[.testRequestID], "entries name the request")
        }
    }

    @Test(arguments: TestDatabase.engines) func customersListWithCursorPagination(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            for index in 0..<3 {
                try await api.request(.put, "/v1/customers/org_\(index)", key: key, json: "{}")
            }
            let first = try await api.request(.get, "/v1/customers?limit=2", key: key)
            #expect(first.data.map { $0["external_id"] as? String } == ["org_2", "org_1"])
            #expect(first["has_more"] as? Bool == true)
            let cursor = try #require(first.data.last?["id"] as? String)
            let second = try await api.request(.get, "/v1/customers?limit=2&starting_after=\(cursor)", key: key)
            #expect(second.data.map { $0["external_id"] as? String } == ["org_0"])
            #expect(second["has_more"] as? Bool == false)
            let bad = try await api.request(.get, "/v1/customers?starting_after=nope", key: key)
            #expect(bad.status == .badRequest && bad.errorParam == "starting_after")
        }
    }
}
