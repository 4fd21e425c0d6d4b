import OpenAPIKit

/// The named schemas a document refers to, collected while operations describe themselves: a
/// named resource or request body is written once under `#/components/schemas/<name>` and
/// referred to everywhere else.
public final class SchemaComponents {
    public private(set) var schemas: OrderedDictionary<String, JSONSchema> = [:]

    public init() {}

    /// A reference to the schema `name`, made by `build` the first time it is asked for.
    public func reference(_ name: String, _ build: (SchemaComponents) -> JSONSchema) -> JSONSchema {
        if schemas[name] == nil {
            schemas[name] = .fragment  // a placeholder, so a schema that refers to itself ends
            schemas[name] = build(self)
        }
        return .reference(.component(named: name))
    }
}

extension JSONSchema {
    /// This schema with `null` allowed too. A reference cannot carry `null` in its own `type`,
    /// so it becomes `anyOf: [reference, null]`.
    @usableFromInline var orNull: JSONSchema {
        if case .reference = value { return .any(of: [self, .null()]) }
        // A combination (a timestamp is an integer or a string) gains `null` as one more choice: a
        // `type: null` beside it would require both.
        switch value {
        case .any, .one, .all, .not: return .any(of: [self, .null()])
        default: break
        }
        // An `enum` must list `null` too, or the type's `null` is refused by it.
        if let allowed = allowedValues, !allowed.contains(nil) {
            return nullableSchemaObject().with(allowedValues: allowed + [nil])
        }
        return nullableSchemaObject()
    }

    /// This schema, described; a reference keeps its description beside it.
    @usableFromInline func described(_ text: String?) -> JSONSchema {
        guard let text else { return self }
        if case .reference = value { return .all(of: [self], core: .init(description: text)) }
        return with(description: text)
    }
}
