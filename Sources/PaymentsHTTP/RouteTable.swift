import HTTPTypes
import Hummingbird

/// Every route the API declares, found by method and path: what the server dispatches and what
/// the OpenAPI document must match.
///
/// The API's routes are found here, not by Hummingbird's router (which serves the pages and the
/// dashboard): a path without parameters by one dictionary look-up, one with parameters segment by
/// segment (a literal segment before a parameter, as Hummingbird's router prefers them), and each
/// route's access (key, token, idempotency) is composed into its responder once, when mounted,
/// rather than passed through a stack of middleware on every request.
public struct RouteTable: Sendable {
    public struct Entry: Hashable, Sendable, CustomStringConvertible {
        public let method: String
        /// In OpenAPI form: `/v1/customers/{external_id}`.
        public let path: String
        public var description: String { "\(method) \(path)" }
    }

    /// One route as served: its method, its path in OpenAPI form (the metrics' `route` label) and
    /// its responder, access included.
    struct Endpoint: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let serve: RouteResponder
    }

    private struct Node: Sendable {
        var literals: [String: Int] = [:]
        /// The node a parameter segment leads to, and the parameter's name.
        var parameter: (name: Substring, node: Int)?
        var endpoints: [Endpoint] = []
    }

    private var nodes = [Node()]
    /// Endpoints by path, for paths without parameters.
    private var exact: [String: [Endpoint]] = [:]
    public private(set) var routes: [Entry] = []

    init() {}

    /// Adds a route; its path is in OpenAPI form (`/v1/plans/{key}`).
    mutating func add(_ endpoint: Endpoint) {
        var node = 0
        var hasParameters = false
        for segment in endpoint.path.split(separator: "/") {
            if segment.hasPrefix("{") {
                let name = segment.dropFirst().dropLast()
                hasParameters = true
                if let (known, next) = nodes[node].parameter {
                    precondition(known == name, "\(endpoint.path) names its parameter {\(name)} where another route names it {\(known)}")
                    node = next
                } else {
                    nodes.append(Node())
                    nodes[node].parameter = (name, nodes.count - 1)
                    node = nodes.count - 1
                }
            } else if let next = nodes[node].literals[String(segment)] {
                node = next
            } else {
                nodes.append(Node())
                nodes[node].literals[String(segment)] = nodes.count - 1
                node = nodes.count - 1
            }
        }
        precondition(!nodes[node].endpoints.contains { $0.method == endpoint.method }, "\(endpoint.method) \(endpoint.path) is declared twice")
        nodes[node].endpoints.append(endpoint)
        if !hasParameters { exact[endpoint.path, default: []].append(endpoint) }
        routes.append(Entry(method: endpoint.method.rawValue, path: endpoint.path))
    }

    /// The route serving `method` at `path`, and the path's parameters (raw, as sent). Nil when no
    /// route's path matches, or the path's routes serve other methods.
    func match(_ method: HTTPRequest.Method, _ path: String) -> (endpoint: Endpoint, parameters: Parameters)? {
        if let endpoints = exact[path] {
            guard let endpoint = endpoints.first(where: { $0.method == method }) else { return nil }
            return (endpoint, Parameters())
        }
        var captured: [(key: Substring, value: Substring)] = []
        guard let node = descend(from: 0, along: path[...], capturing: &captured),
            let endpoint = nodes[node].endpoints.first(where: { $0.method == method })
        else { return nil }
        return (endpoint, Parameters(captured))
    }

    /// The node `path` leads to from `node`, its parameters appended to `captured`. Empty segments
    /// are skipped (`/v1//plans/` is `/v1/plans`).
    private func descend(from node: Int, along path: Substring, capturing captured: inout [(key: Substring, value: Substring)]) -> Int? {
        let utf8 = path.utf8
        let slash = UInt8(ascii: "/")
        guard let start = utf8.firstIndex(where: { $0 != slash }) else {
            return nodes[node].endpoints.isEmpty ? nil : node
        }
        let end = utf8[start...].firstIndex(of: slash) ?? utf8.endIndex
        let segment = path[start..<end]
        if let next = nodes[node].literals[String(segment)], let found = descend(from: next, along: path[end...], capturing: &captured) {
            return found
        }
        if let (name, next) = nodes[node].parameter {
            captured.append((name, segment))
            if let found = descend(from: next, along: path[end...], capturing: &captured) { return found }
            captured.removeLast()
        }
        return nil
    }
}

/// The server's responder: the API's declared routes from the route table, behind the edge
/// (request id, body limit, error envelope, metrics, log); anything else (the pages, the
/// dashboard, a path no route has) goes to Hummingbird's router, whose routes the same edge wraps.
public struct APIResponder: HTTPResponder {
    public typealias Context = PaymentsRequestContext
    let table: RouteTable
    let edge: EdgeMiddleware
    let fallback: RouterResponder<Context>

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard let (endpoint, parameters) = table.match(request.method, request.uri.path) else {
            return try await fallback.respond(to: request, context: context)
        }
        var context = context
        context.coreContext.parameters = parameters
        context.coreContext.endpointPath.value = endpoint.path
        return try await edge.handle(request, context: context) { request, context in
            try await endpoint.serve(request, context)
        }
    }
}

extension Parameters {
    /// A path parameter, percent-decoded.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        return raw.contains("%") ? raw.removingPercentEncoding ?? raw : raw
    }
}
