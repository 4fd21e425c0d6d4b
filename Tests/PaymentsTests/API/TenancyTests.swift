import Foundation
import HTTPTypes
import PaymentsStore
import Testing

/// Another app's objects answer exactly as objects that do not exist.
@Suite struct TenancyTests {
    @Test(arguments: TestDatabase.engines) func everyAppRouteHidesAnotherAppsObjects(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, ownerKey) = try await api.createApp("owner")
            let (_, otherKey) = try await api.createApp("other")
            let customer = try await api.request(.put, "/v1/customers/org_secret", key: ownerKey, json: #"{"name":"Secret"}"#)
            // One real id of the owner's for each path parameter an app route takes.
            let ownerIDs = ["external_id": "org_secret"]

            let appRoutes = api.table.routes.filter { $0.path.hasPrefix("/v1/") }
            #expect(!appRoutes.isEmpty)
            var checked = 0
            // Reads first: the PUT below creates the other app's own object under the same external id.
            let ordered = appRoutes.filter { $0.method != "PUT" } + appRoutes.filter { $0.method == "PUT" }
            for route in ordered where route.path.contains("{") {
                let parameters = route.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
                var path = route.path
                for name in parameters {
                    let id = try #require(ownerIDs[name], "no owner id for {\(name)} of \(route): add one to this test")
                    path = path.replacingOccurrences(of: "{\(name)}", with: id)
                }
                let method = HTTPRequest.Method(route.method)!
                if method == .put {
                    // PUT creates in the caller's own namespace: it must never touch the owner's object.
                    let reply = try await api.request(method, path, key: otherKey, json: #"{"name":"Intruder"}"#)
                    #expect(reply.status == .created, "\(route) created the other app's own object")
                    #expect(reply.string("id") != customer.string("id"))
                } else {
                    let reply = try await api.request(method, path, key: otherKey, json: method == .get ? nil : "{}")
                    let missing = try await api.request(method, path.replacingOccurrences(of: "org_secret", with: "org_missing"), key: otherKey, json: method == .get ? nil : "{}")
                    #expect(reply.status == .notFound, "\(route) answered \(reply.status) to another app")
                    #expect(reply.errorCode == missing.errorCode && reply.status == missing.status, "\(route): another app's id answers like a missing one")
                }
                checked += 1
            }
            #expect(checked >= 2)

            let owner = try await api.request(.get, "/v1/customers/org_secret", key: ownerKey)
            #expect(owner.string("name") == "Secret", "the owner's object is untouched")

            let list = try await api.request(.get, "/v1/customers", key: otherKey)
            #expect(!list.text.contains(customer.string("id")!), "lists show only the caller's objects")
            let audit = try await api.request(.get, "/v1/audit-logs", key: otherKey)
            #expect(!audit.text.contains(customer.string("id")!), "the audit log shows only the caller's entries")
        }
    }

    @Test(arguments: TestDatabase.engines) func theAppComesFromTheKeyNeverFromTheRequest(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (ownerID, _) = try await api.createApp("owner")
            let (_, otherKey) = try await api.createApp("other")
            let reply = try await api.request(.put, "/v1/customers/org_1", key: otherKey, json: #"{"app_id":"\#(ownerID)"}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.errorParam == "app_id")
            let query = try await api.request(.get, "/v1/customers?app_id=\(ownerID)", key: otherKey)
            #expect(query.status == .badRequest && query.errorParam == "app_id")
        }
    }
}
