import Foundation
import HTTPTypes
import PaymentsServices
import PaymentsStore
import Testing

@Suite struct AuthTests {
    @Test(arguments: TestDatabase.engines) func everyBadKeyAnswers401InTheEnvelope(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let missing = try await api.request(.get, "/v1/customers")
            #expect(missing.status == .unauthorized && missing.errorCode == "api_key_missing")
            let malformedHeader = try await api.request(.get, "/v1/customers", headers: [.authorization: "Basic abc"])
            #expect(malformedHeader.status == .unauthorized && malformedHeader.errorCode == "api_key_invalid")
            let malformedKey = try await api.request(.get, "/v1/customers", key: "sk_test_tooshort")
            #expect(malformedKey.status == .unauthorized)
            let unknown = try await api.request(.get, "/v1/customers", key: "sk_test_" + String(repeating: "a", count: 43))
            #expect(unknown.status == .unauthorized && unknown.errorCode == "api_key_invalid")
            #expect((unknown.json["error"] as? [String: Any])?["type"] as? String == "authentication_error")
            #expect(!unknown.text.contains(String(repeating: "a", count: 20)), "the key is not echoed back")
            let good = try await api.request(.get, "/v1/customers", key: key)
            #expect(good.status == .ok)
            // The scheme in any case (RFC 9110); nothing else before the key.
            for header in ["bearer \(key)", "BEARER \(key)", "BeArEr \(key)"] {
                #expect(try await api.request(.get, "/v1/customers", headers: [.authorization: header]).status == .ok, "\(header.prefix(7))")
            }
            for header in ["Bearer", "Bearer ", "Bearerx\(key)", "Bearer\t\(key)", "Bearer  \(key)", "Bearer- \(key)"] {
                let refused = try await api.request(.get, "/v1/customers", headers: [.authorization: header])
                #expect(refused.status == .unauthorized && refused.errorCode == "api_key_invalid", "\(header.prefix(8))")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func rotatedKeysWorkThroughTheOverlapThenExpire(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, oldKey) = try await api.createApp()
            let rotated = try await api.admin(.post, "/admin/v1/apps/\(appID)/keys", json: #"{"expires_in":3600}"#)
            #expect(rotated.status == .created)
            let newKey = try #require(rotated.string("api_key"))
            #expect(newKey != oldKey)

            #expect(try await api.request(.get, "/v1/customers", key: oldKey).status == .ok, "the old key works during the overlap")
            #expect(try await api.request(.get, "/v1/customers", key: newKey).status == .ok)
            let keys = try await api.admin(.get, "/admin/v1/apps/\(appID)/keys")
            #expect(Set(keys.data.compactMap { $0["state"] as? String }) == ["active", "expiring"])
            #expect(!keys.text.contains(newKey) && !keys.text.contains(oldKey), "key lists never show secrets")

            api.clock.advance(seconds: 3600)
            let expired = try await api.request(.get, "/v1/customers", key: oldKey)
            #expect(expired.status == .unauthorized && expired.errorCode == "api_key_expired")
            #expect(try await api.request(.get, "/v1/customers", key: newKey).status == .ok)

            // expires_in 0 ends the old key at once.
            let immediate = try await api.admin(.post, "/admin/v1/apps/\(appID)/keys", json: #"{"expires_in":0}"#)
            let newest = try #require(immediate.string("api_key"))
            #expect(try await api.request(.get, "/v1/customers", key: newKey).status == .unauthorized)
            #expect(try await api.request(.get, "/v1/customers", key: newest).status == .ok)
        }
    }

    @Test(arguments: TestDatabase.engines) func revokedKeysStopAtOnce(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await api.createApp()
            let keyID = try #require(
                try await api.admin(.get, "/admin/v1/apps/\(appID)/keys").data.first { $0["kind"] as? String == "secret" }?["id"] as? String
            )
            let revoked = try await api.admin(.delete, "/admin/v1/apps/\(appID)/keys/\(keyID)")
            #expect(revoked.status == .ok && revoked.string("state") == "revoked")
            let reply = try await api.request(.get, "/v1/customers", key: key)
            #expect(reply.status == .unauthorized && reply.errorCode == "api_key_revoked")
            let (otherAppID, _) = try await api.createApp("other")
            let wrongApp = try await api.admin(.delete, "/admin/v1/apps/\(otherAppID)/keys/\(keyID)")
            #expect(wrongApp.status == .notFound, "a key is found only under its own app")
        }
    }

    @Test(arguments: TestDatabase.engines) func adminRoutesNeedTheAdminToken(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let withAppKey = try await api.request(.get, "/admin/v1/apps", key: key)
            #expect(withAppKey.status == .forbidden && withAppKey.errorCode == "admin_token_required")
            let wrong = try await api.request(.get, "/admin/v1/apps", key: "adm_wrong_token_000000000000")
            #expect(wrong.status == .unauthorized)
            #expect(try await api.request(.get, "/admin/v1/apps").status == .unauthorized)
            let adminOnApp = try await api.request(.get, "/v1/customers", key: adminToken)
            #expect(adminOnApp.status == .unauthorized, "the admin token is not an app key")
        }
    }
}

@Suite struct KeyCacheTests {
    @Test(arguments: TestDatabase.engines) func aKeyRevokedOnAnotherInstanceStopsWithinTheCacheTTL(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await api.createApp()
            #expect(try await api.request(.get, "/v1/customers", key: key).status == .ok, "the key is now cached")
            let keyID = try #require(
                try await api.admin(.get, "/admin/v1/apps/\(appID)/keys").data.first { $0["kind"] as? String == "secret" }?["id"] as? String
            )

            // Another instance (its own cache) revokes the key.
            let elsewhere = Apps.Service(store: api.store)
            _ = try await elsewhere.revokeKey(.init(rawValue: keyID), of: .init(rawValue: appID), origin: .init(actor: .admin, requestID: nil))
            #expect(try await api.request(.get, "/v1/customers", key: key).status == .ok, "stale for at most the TTL")
            api.clock.advance(seconds: 5)
            let reply = try await api.request(.get, "/v1/customers", key: key)
            #expect(reply.status == .unauthorized && reply.errorCode == "api_key_revoked")
        }
    }

    @Test(arguments: TestDatabase.engines) func withoutACacheEveryRequestSeesRevocation(engine: SQLEngine) async throws {
        try await TestAPI.run(engine, configure: { $0.keyCacheTTL = .zero }) { api in
            let (appID, key) = try await api.createApp()
            #expect(try await api.request(.get, "/v1/customers", key: key).status == .ok)
            let keyID = try #require(
                try await api.admin(.get, "/admin/v1/apps/\(appID)/keys").data.first { $0["kind"] as? String == "secret" }?["id"] as? String
            )
            _ = try await Apps.Service(store: api.store).revokeKey(
                .init(rawValue: keyID),
                of: .init(rawValue: appID),
                origin: .init(actor: .admin, requestID: nil)
            )
            #expect(try await api.request(.get, "/v1/customers", key: key).status == .unauthorized)
        }
    }
}
