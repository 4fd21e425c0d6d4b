import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsStore
import Testing

/// The publishable key: issued beside the secret key, reads the pricing listing and nothing else.
@Suite struct PublicPlansTests {
    @Test(arguments: TestDatabase.engines) func aPublishableKeyReadsThePricingListingOnly(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let created = try await api.admin(.post, "/admin/v1/apps", json: #"{"name":"shop","mode":"test"}"#)
            let appID = try #require(created.string("id"))
            let key = try #require(created.string("api_key"))
            let publishable = try #require(created.string("publishable_key"))
            #expect(publishable.hasPrefix("pk_test_") && publishable.count == 51 && key.hasPrefix("sk_test_"))
            #expect(try await api.request(.post, "/v1/plans", key: key, json: SandboxFlowTests.plan).status == .created)
            let archived = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: #"{"key":"old","name":"Old","prices":[{"key":"m","type":"recurring","amount":100,"currency":"usd","interval":"month"}]}"#
            )
            #expect(archived.status == .created)
            #expect(try await api.request(.delete, "/v1/plans/old", key: key).status == .ok)
            // A price changed: the old one archived, not shown.
            let changed = try await api.request(
                .patch,
                "/v1/plans/pro",
                key: key,
                json:
                    #"{"prices":[{"key":"monthly","type":"recurring","amount":3900,"currency":"usd","interval":"month"},{"key":"setup","type":"one_time","amount":5000,"currency":"usd"}]}"#
            )
            #expect(changed.status == .ok, "\(changed.text)")

            let listing = try await api.request(.get, "/v1/public/plans", key: publishable)
            #expect(listing.status == .ok, "\(listing.text)")
            #expect(listing.data.map { $0["key"] as? String } == ["pro"], "only plans on sale")
            let pro = listing.data.first ?? [:]
            #expect(pro["features"] as? [String] == ["sso", "exports"] && (pro["limits"] as? [String: Int])?["seats"] == 10)
            let prices = pro["prices"] as? [[String: Any]] ?? []
            #expect(prices.compactMap { $0["amount"] as? Int }.sorted() == [3900, 5000], "active prices only: \(prices)")
            #expect(!listing.text.contains("provider") && !listing.text.contains("metadata") && !listing.text.contains("plan_"))
            #expect(try await api.request(.get, "/v1/public/plans", key: key).status == .ok, "the secret key reads it too")

            // Nothing else: reads, writes, checks, admin.
            for (method, path, body) in [
                (HTTPRequestMethod.get, "/v1/customers", nil), (.get, "/v1/plans", nil), (.put, "/v1/customers/org_1", "{}"),
                (.post, "/v1/entitlements/check", #"{"customer":"org_1","feature":"sso"}"#), (.get, "/v1/public/plans/../customers", nil),
            ] as [(HTTPRequestMethod, String, String?)] {
                let reply = try await api.request(method.value, path, key: publishable, json: body)
                // A path that climbs out of /v1/public/ either matches no route or is refused.
                let climbs = path.contains("..")
                #expect(reply.status == .forbidden || (climbs && reply.status == .notFound), "\(method) \(path): \(reply.status)")
                if reply.status == .forbidden { #expect(reply.errorCode == "publishable_key_not_allowed") }
            }
            #expect(try await api.request(.get, "/v1/customers", key: publishable).errorCode == "publishable_key_not_allowed")
            #expect(try await api.request(.get, "/admin/v1/apps", key: publishable).status == .forbidden)

            // Another app's publishable key lists its own plans only.
            let other = try await api.admin(.post, "/admin/v1/apps", json: #"{"name":"other","mode":"test"}"#)
            let otherListing = try await api.request(.get, "/v1/public/plans", key: try #require(other.string("publishable_key")))
            #expect(otherListing.status == .ok && otherListing.data.isEmpty)

            // Rotated on its own: the secret key keeps working.
            let rotated = try await api.admin(.post, "/admin/v1/apps/\(appID)/keys", json: #"{"kind":"publishable","expires_in":0}"#)
            #expect(rotated.status == .created || rotated.status == .ok, "\(rotated.text)")
            #expect(rotated.string("kind") == "publishable" && (rotated.string("api_key") ?? "").hasPrefix("pk_test_"))
            #expect(try await api.request(.get, "/v1/public/plans", key: publishable).errorCode == "api_key_expired")
            #expect(try await api.request(.get, "/v1/public/plans", key: try #require(rotated.string("api_key"))).status == .ok)
            #expect(try await api.request(.get, "/v1/customers", key: key).status == .ok)
            let keys = try await api.admin(.get, "/admin/v1/apps/\(appID)/keys")
            #expect(keys.data.compactMap { $0["kind"] as? String }.sorted() == ["publishable", "publishable", "secret"])
        }
    }
}

/// The methods the test above sends.
enum HTTPRequestMethod {
    case get, put, post

    var value: HTTPRequest.Method {
        switch self {
        case .get: .get
        case .put: .put
        case .post: .post
        }
    }
}
