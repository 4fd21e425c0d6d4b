import OpenAPIKit
import PaymentsDomain

/// A request's query parameters as a Swift type: made empty, then filled in by its query shape.
public protocol APIQuery: Sendable {
    init()
    static var query: QueryShape<Self> { get }
}

/// One query parameter (or, for a page, the pair `limit` and `starting_after`). Declared with
/// `Parameter` or `PageParameters`.
public struct QueryInput<Root>: Sendable {
    struct Documented: Sendable {
        let name: String
        let describe: @Sendable (SchemaComponents) -> JSONSchema
        let description: String?
        var required = false
    }

    let parameters: [Documented]
    let read: @Sendable ([String: String], inout Root) throws(PaymentsError) -> Void
}

extension QueryInput {
    /// The same parameters, read into a part of a larger query (shared filters).
    public func from<Outer>(_ path: WritableKeyPath<Outer, Root> & Sendable) -> QueryInput<Outer> {
        let read = self.read
        return QueryInput<Outer>(
            parameters: parameters.map { .init(name: $0.name, describe: $0.describe, description: $0.description, required: $0.required) }
        ) {
            query,
            outer throws(PaymentsError) in try read(query, &outer[keyPath: path])
        }
    }
}

/// A query parameter that may be left out.
public struct Parameter<Root>: Sendable {
    let input: QueryInput<Root>

    public init<Value>(_ name: String, _ path: WritableKeyPath<Root, Value?> & Sendable, _ rule: Rule<Value>, description: String? = nil) {
        input = QueryInput(parameters: [.init(name: name, describe: rule.describe, description: description)]) { query, root throws(PaymentsError) in
            guard let text = query[name] else { return }
            root[keyPath: path] = try rule.read(rule.fromQuery(text), at: JSONPath.root.appending(name))
        }
    }
}

/// A query parameter that must be given.
public struct RequiredParameter<Root>: Sendable {
    let input: QueryInput<Root>

    public init<Value>(_ name: String, _ path: WritableKeyPath<Root, Value?> & Sendable, _ rule: Rule<Value>, description: String? = nil) {
        input = QueryInput(parameters: [.init(name: name, describe: rule.describe, description: description, required: true)]) {
            query,
            root throws(PaymentsError) in
            guard let text = query[name] else { throw .missing(name) }
            root[keyPath: path] = try rule.read(rule.fromQuery(text), at: JSONPath.root.appending(name))
        }
    }
}

/// `limit` (1–100, default 10) and `starting_after` (an id of the objects listed).
public struct PageParameters<Root>: Sendable {
    let input: QueryInput<Root>

    public init<Kind: Identified>(_ path: WritableKeyPath<Root, PageRequest> & Sendable, of kind: Kind.Type) {
        let limit = Rule<Int>.integer(PageRequest.limits).documented { $0.with(defaultValue: AnyCodable(PageRequest.defaultLimit)) }
        let cursor = Rule<String>(.string(pattern: TypedID<Kind>.pattern)) { json, at throws(PaymentsError) in
            guard case .string(let text) = json, TypedID<Kind>(parsing: text) != nil else {
                throw .invalid(at.param, "\(at.param) must be an id of the objects listed (\(Kind.idPrefix)_...).")
            }
            return text
        }
        input = QueryInput(parameters: [
            .init(name: "limit", describe: limit.describe, description: "How many to answer, newest first."),
            .init(
                name: "starting_after",
                describe: cursor.describe,
                description: "The id of the last \(Kind.resourceType.rawValue) of the previous page."
            ),
        ]) { query, root throws(PaymentsError) in
            let size = try query["limit"].map { text throws(PaymentsError) in
                try limit.read(limit.fromQuery(text), at: JSONPath.root.appending("limit"))
            }
            let after = try query["starting_after"].map { text throws(PaymentsError) in
                try cursor.read(.string(text), at: JSONPath.root.appending("starting_after"))
            }
            root[keyPath: path] = try PageRequest(limit: size ?? PageRequest.defaultLimit, startingAfter: after)
        }
    }
}

@resultBuilder
public enum QueryBuilder<Root> {
    public static func buildBlock() -> [QueryInput<Root>] { [] }
    public static func buildExpression(_ parameter: Parameter<Root>) -> [QueryInput<Root>] { [parameter.input] }
    public static func buildExpression(_ page: PageParameters<Root>) -> [QueryInput<Root>] { [page.input] }
    public static func buildExpression(_ parameter: RequiredParameter<Root>) -> [QueryInput<Root>] { [parameter.input] }
    public static func buildExpression(_ inputs: [QueryInput<Root>]) -> [QueryInput<Root>] { inputs }
    public static func buildBlock(_ parts: [QueryInput<Root>]...) -> [QueryInput<Root>] { parts.flatMap { $0 } }
}

/// The query parameters a route takes, declared once: read (refusing any other parameter) and
/// documented from the same declaration.
public struct QueryShape<Root: Sendable>: Sendable {
    let inputs: [QueryInput<Root>]
    let make: @Sendable () -> Root
    /// The parameter names, kept (not worked out on every read).
    let names: Set<String>

    public init(make: @escaping @Sendable () -> Root, @QueryBuilder<Root> inputs: () -> [QueryInput<Root>]) {
        self.make = make
        self.inputs = inputs()
        names = Set(self.inputs.flatMap { $0.parameters.map(\.name) })
    }

    /// - Throws: `parameter_unknown` for a parameter the route does not take, else the first
    ///   parameter's error.
    public func read(_ query: [String: String]) throws(PaymentsError) -> Root {
        if !query.keys.allSatisfy(names.contains), let unknown = query.keys.sorted().first(where: { !names.contains($0) }) {
            throw .unknown(unknown)
        }
        var root = make()
        for input in inputs { try input.read(query, &root) }
        return root
    }

    public func parameters(in components: SchemaComponents) -> [OpenAPI.Parameter] {
        inputs.flatMap(\.parameters).map { parameter in
            OpenAPI.Parameter(
                name: parameter.name,
                context: .query(required: parameter.required, schema: parameter.describe(components)),
                description: parameter.description
            )
        }
    }
}

extension QueryShape where Root: APIQuery {
    public init(@QueryBuilder<Root> inputs: () -> [QueryInput<Root>]) {
        self.init(make: { Root() }, inputs: inputs)
    }
}

/// A route that takes no query parameters (any one sent is refused).
public struct NoQuery: APIQuery {
    public init() {}
    public static let query = QueryShape<NoQuery> {}
}

/// A route that takes no body, or an empty object (any field sent is refused).
public struct NoBody: APIInput {
    public init() {}
    public static let shape = Shape<NoBody>(nil) {}
}

extension Parameter {
    /// Only what is about this customer, named by the app's own id for it.
    public static func customer(_ path: WritableKeyPath<Root, String?> & Sendable) -> Parameter {
        Parameter("customer", path, .text(Customer.externalIDRule), description: "Only this customer's (its external id)")
    }
}
