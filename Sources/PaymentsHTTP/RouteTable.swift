import Hummingbird
import NIOConcurrencyHelpers

/// Every route the API serves, as `METHOD /path/{param}`: what the OpenAPI document must match.
public final class RouteTable: Sendable {
    public struct Route: Hashable, Sendable, CustomStringConvertible {
        public let method: String
        /// In OpenAPI form: `/v1/customers/{external_id}`.
        public let path: String
        public var description: String { "\(method) \(path)" }
    }

    private let box = NIOLockedValueBox<[Route]>([])

    public var routes: [Route] { box.withLockedValue { $0 } }

    func record(_ method: HTTPRequest.Method, _ path: String) {
        let openAPIPath = path.split(separator: "/").map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
        box.withLockedValue { $0.append(Route(method: method.rawValue, path: "/" + openAPIPath)) }
    }
}

/// Adds routes to a group and records them in the table.
struct Routes {
    typealias Handler = @Sendable (Request, PaymentsRequestContext) async throws -> Response
    let group: RouterGroup<PaymentsRequestContext>
    /// The group's path, e.g. `/v1`.
    let prefix: String
    let table: RouteTable

    func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        group.on(RouterPath(stringLiteral: path), method: method, use: handler)
        table.record(method, prefix + (path.isEmpty ? "" : "/" + path))
    }
}

extension Parameters {
    /// A path parameter, percent-decoded.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        return raw.removingPercentEncoding ?? raw
    }
}
