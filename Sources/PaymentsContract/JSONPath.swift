/// Where a value sits in a request, named the way the error envelope's `param` names it:
/// `metadata[plan]`, `prices[0][amount]`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    enum Component: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    // The last component is kept apart: a shape names each of its fields' paths, almost always
    // only to throw nothing, and naming one must not allocate (see `sealed`).
    private var parents: [Component] = []
    private var last: Component?

    var components: [Component] { last.map { parents + [$0] } ?? parents }

    public static let root = JSONPath()

    public func appending(_ key: String) -> JSONPath { appending(.key(key)) }

    public func appending(_ index: Int) -> JSONPath { appending(.index(index)) }

    private func appending(_ component: Component) -> JSONPath {
        var path = sealed
        path.last = component
        return path
    }

    /// The same path, made ready for appending to it without allocating (what an object's
    /// reader does once before naming each of its fields).
    public var sealed: JSONPath {
        guard let last else { return self }
        var path = JSONPath()
        path.parents = parents + [last]
        return path
    }

    public var isRoot: Bool { parents.isEmpty && last == nil }

    public static func == (lhs: JSONPath, rhs: JSONPath) -> Bool { lhs.components == rhs.components }

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
