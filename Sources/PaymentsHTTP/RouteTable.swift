import Hummingbird
import NIOConcurrencyHelpers

/// Every route the API serves, as `METHOD /path/{param}`: what the OpenAPI document must match.
public final class RouteTable: Sendable {
    public struct Entry: Hashable, Sendable, CustomStringConvertible {
        public let method: String
        /// In OpenAPI form: `/v1/customers/{external_id}`.
        public let path: String
        public var description: String { "\(method) \(path)" }
    }

    private let box = NIOLockedValueBox<[Entry]>([])

    public var routes: [Entry] { box.withLockedValue { $0 } }

    func record(_ method: HTTPRequest.Method, _ path: String) {
        let openAPIPath = path.split(separator: "/").map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
        box.withLockedValue { $0.append(Entry(method: method.rawValue, path: "/" + openAPIPath)) }
    }
}

extension Parameters {
    /// A path parameter, percent-decoded.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        return raw.contains("%") ? raw.removingPercentEncoding ?? raw : raw
    }
}
