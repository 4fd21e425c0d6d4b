import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@Suite struct AuditAPITests {
    @Test(arguments: TestDatabase.engines) func everyMutationIsAuditedWithItsActor(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await api.createApp()
            let keyID = try #require(
                try await api.admin(.get, "/admin/v1/apps/\(appID)/keys").data.first { $0["kind"] as? String == "secret" }?["id"] as? String
            )
            try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":"A"}"#, headers: [.testActorID: "user_7"])
            try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":"B"}"#)
            let rotated = try await api.admin(.post, "/admin/v1/apps/\(appID)/keys", json: "{}")
            let newKeyID = try #require(rotated.string("id"))
            try await api.admin(.delete, "/admin/v1/apps/\(appID)/keys/\(newKeyID)")

            // Listed at once, newest first, before they are sealed.
            let written = try await api.admin(.get, "/admin/v1/audit-logs?app_id=\(appID)&limit=100")
            #expect(
                written.data.map { $0["action_type"] as? String ?? "" } == [
                    "REVOKE_KEY", "ROTATE_KEY", "UPDATE_CUSTOMER", "CREATE_CUSTOMER", "CREATE_APP",
                ]
            )
            #expect(written.data.allSatisfy { $0["sequence"] is NSNull && $0["hash"] is NSNull }, "not sealed yet")
            #expect(try await api.store.auditSealer.sealPending() == 5)

            let all = try await api.admin(.get, "/admin/v1/audit-logs?app_id=\(appID)&limit=100")
            #expect(all.status == .ok)
            let actions = all.data.map { $0["action_type"] as? String ?? "" }
            #expect(actions == ["REVOKE_KEY", "ROTATE_KEY", "UPDATE_CUSTOMER", "CREATE_CUSTOMER", "CREATE_APP"])
            #expect(all.data.map { $0["sequence"] as? Int ?? 0 } == [5, 4, 3, 2, 1], "sealed in the order they were written")
            let byAction = Dictionary(uniqueKeysWithValues: all.data.map { ($0["action_type"] as! String, $0) })
            #expect(byAction["CREATE_CUSTOMER"]?["actor_id"] as? String == "user_7", "X-Actor-Id is recorded as given")
            #expect(byAction["CREATE_CUSTOMER"]?["key_id"] as? String == keyID, "beside the key id")
            #expect(byAction["UPDATE_CUSTOMER"]?["actor_id"] as? String == keyID)
            #expect(byAction["ROTATE_KEY"]?["actor_id"] as? String == "admin")
            let snapshot = try #require(byAction["UPDATE_CUSTOMER"]?["payload_snapshot"] as? [String: Any])
            #expect(snapshot["name"] as? String == "B")
            #expect(!all.text.contains(rotated.string("api_key")!), "no key ever reaches the audit log")
            #expect(!all.text.contains(key))

            // Filters.
            let byActor = try await api.request(.get, "/v1/audit-logs?actor_id=user_7", key: key)
            #expect(byActor.data.count == 1)
            let byType = try await api.request(.get, "/v1/audit-logs?action_type=CREATE_APP", key: key)
            #expect(byType.data.count == 1)
            let customerID = try #require(byAction["CREATE_CUSTOMER"]?["target_id"] as? String)
            let byTarget = try await api.request(.get, "/v1/audit-logs?target_type=customer&target_id=\(customerID)", key: key)
            #expect(byTarget.data.count == 2)
            let now = Int(api.clock.now.timeIntervalSince1970)
            #expect(try await api.request(.get, "/v1/audit-logs?created[gte]=\(now)", key: key).data.count == 5)
            #expect(try await api.request(.get, "/v1/audit-logs?created[lt]=\(now)", key: key).data.isEmpty)
            let page = try await api.request(.get, "/v1/audit-logs?limit=2", key: key)
            let next = try await api.request(.get, "/v1/audit-logs?limit=2&starting_after=\(page.data.last!["id"] as! String)", key: key)
            #expect(next.data.map { $0["sequence"] as? Int ?? 0 } == [3, 2])
            let badTime = try await api.request(.get, "/v1/audit-logs?created[gte]=yesterday", key: key)
            #expect(badTime.status == .badRequest && badTime.errorParam == "created[gte]")

            let verification = try await AuditLog.Service(store: api.store).verify(app: .init(rawValue: appID))
            #expect(verification.firstBreak == nil && verification.entries == 5 && verification.unsealed == 0)
        }
    }
}

@Suite struct QueryEncodingTests {
    @Test func percentEncodedParameterNamesAreDecoded() async throws {
        try await TestAPI.run(.sqlite) { api in
            let (_, key) = try await api.createApp()
            try await api.request(.put, "/v1/customers/org_1", key: key, json: "{}")
            let now = Int(api.clock.now.timeIntervalSince1970)
            let encoded = try await api.request(.get, "/v1/audit-logs?created%5Bgte%5D=\(now)&action_type=CREATE_CUSTOMER", key: key)
            #expect(encoded.status == .ok, "\(encoded.text)")
            #expect(encoded.data.count == 1)
        }
    }
}

@Suite struct HostileInputTests {
    @Test func hugeTimesInFiltersAnswer400AndTheServerLives() async throws {
        try await TestAPI.run(.sqlite) { api in
            let (_, key) = try await api.createApp()
            for value in ["990255758082091904", "77693310210362624379180306923520", "-1", "253402300800"] {
                let reply = try await api.request(.get, "/v1/audit-logs?created%5Blt%5D=\(value)", key: key)
                #expect(reply.status == .badRequest && reply.errorParam == "created[lt]", "\(value): \(reply.text)")
            }
            let edge = try await api.request(.get, "/v1/audit-logs?created[gte]=253402300799&created[lt]=0047-04-19T16:15:08.475Z", key: key)
            #expect(edge.status == .ok)
            #expect(try await api.request(.get, "/health").status == .ok)
        }
    }

    @Test func timestampsClampInsteadOfTrapping() {
        #expect(Timestamp.milliseconds(Date(timeIntervalSince1970: 1e300)) == .max)
        #expect(Timestamp.milliseconds(Date(timeIntervalSince1970: -1e300)) == .min)
        #expect(Timestamp.milliseconds(Date(timeIntervalSince1970: 1.5)) == 1500)
    }
}
