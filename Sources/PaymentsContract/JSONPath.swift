/// Where a value sits in a request, named the way the error envelope's `param` names it:
/// `metadata[plan]`, `prices[0][amount]`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    enum Component: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    var components: [Component] = []

    public static let root = JSONPath()

    public func appending(_ key: String) -> JSONPath {
        var path = self
        path.components.append(.key(key))
        return path
    }

    public func appending(_ index: Int) -> JSONPath {
        var path = self
        path.components.append(.index(index))
        return path
    }

    /// The parameter's name in Stripe's bracket notation.
    public var param: String {
        guard let first = components.first else { return "" }
        func text(_ component: Component) -> String {
            switch component {
            case .key(let key): key
            case .index(let index): String(index)
            }
        }
        return components.dropFirst().reduce(text(first)) { "\($0)[\(text($1))]" }
    }

    public var description: String { param }
}
