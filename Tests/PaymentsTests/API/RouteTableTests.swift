import HTTPTypes
import Hummingbird
import Testing

@testable import PaymentsHTTP

/// The route table finds the API's routes without Hummingbird's router: these are the rules a
/// request's path is matched by.
@Suite struct RouteTableTests {
    /// A table of the given routes (their responders are not called: a match is told by the route it returns).
    static func table(_ routes: [(HTTPRequest.Method, String)]) -> RouteTable {
        var table = RouteTable()
        for (method, path) in routes {
            table.add(.init(method: method, path: path) { _, _ in Response(status: .ok) })
        }
        return table
    }

    static let routes = table([
        (.get, "/v1/customers"),
        (.post, "/v1/customers"),
        (.get, "/v1/customers/{external_id}"),
        (.put, "/v1/customers/{external_id}"),
        (.get, "/v1/customers/{external_id}/entitlements"),
        (.get, "/v1/customers/{external_id}/entitlements/{feature}"),
        (.get, "/v1/customers/search/all"),
        (.post, "/v1/entitlements/check"),
        (.get, "/ping"),
    ])

    func found(_ method: HTTPRequest.Method, _ path: String) -> (route: String, parameters: [String: String])? {
        guard let (endpoint, parameters) = Self.routes.match(method, path) else { return nil }
        return (endpoint.path, Dictionary(uniqueKeysWithValues: parameters.map { (String($0.key), String($0.value)) }))
    }

    @Test func aPathWithoutParametersIsFoundForItsMethodsOnly() {
        #expect(found(.post, "/v1/entitlements/check")?.route == "/v1/entitlements/check")
        #expect(found(.get, "/v1/customers")?.route == "/v1/customers")
        #expect(found(.post, "/v1/customers")?.route == "/v1/customers")
        #expect(found(.get, "/ping")?.parameters == [:])
        // Another method, or a path no route has: not found here (the server's 404 comes from the router after).
        #expect(found(.get, "/v1/entitlements/check") == nil)
        #expect(found(.head, "/ping") == nil)
        #expect(found(.get, "/v1/entitlements") == nil)
        #expect(found(.get, "/v1/entitlements/check/more") == nil)
        #expect(found(.get, "/V1/customers") == nil)
        #expect(found(.get, "/") == nil)
    }

    @Test func parametersAreTakenFromTheirSegmentsAsSent() {
        let one = found(.get, "/v1/customers/org_1")
        #expect(one?.route == "/v1/customers/{external_id}")
        #expect(one?.parameters == ["external_id": "org_1"])
        #expect(found(.put, "/v1/customers/org_1")?.route == "/v1/customers/{external_id}")
        let two = found(.get, "/v1/customers/org%2F1/entitlements/seats")
        #expect(two?.route == "/v1/customers/{external_id}/entitlements/{feature}")
        #expect(two?.parameters == ["external_id": "org%2F1", "feature": "seats"])
        #expect(found(.get, "/v1/customers/org_1/entitlements")?.parameters == ["external_id": "org_1"])
        #expect(found(.post, "/v1/customers/org_1") == nil)
    }

    @Test func aLiteralSegmentComesBeforeAParameterAndAFailedLiteralFallsBackToIt() {
        #expect(found(.get, "/v1/customers/search/all")?.route == "/v1/customers/search/all")
        // `search` is also a customer's id when what follows is not the literal route's.
        let customer = found(.get, "/v1/customers/search/entitlements")
        #expect(customer?.route == "/v1/customers/{external_id}/entitlements")
        #expect(customer?.parameters == ["external_id": "search"])
        #expect(found(.get, "/v1/customers/search")?.parameters == ["external_id": "search"])
    }

    @Test func emptySegmentsAreSkipped() {
        #expect(found(.get, "/v1//customers/")?.route == "/v1/customers")
        #expect(found(.get, "//v1/customers//org_1/")?.parameters == ["external_id": "org_1"])
    }
}
