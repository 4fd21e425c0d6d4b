import OpenAPIKit
import PaymentsDomain

/// One field of a resource: its name, how it is read from the root value, written and described.
public struct Field<Root>: Sendable {
    @usableFromInline let name: String
    /// Whether the field is always written (a `null` at most), or left out when it has no value.
    @usableFromInline let alwaysPresent: Bool
    @usableFromInline let describe: @Sendable (SchemaComponents) -> JSONSchema
    @usableFromInline let write: @Sendable (Root, inout JSONWriter) -> Void

    /// A field written with its type's codec: `Field("id", \.id)`.
    @inlinable
    public init<Value: JSONOutput>(_ name: String, _ get: @escaping @Sendable (Root) -> Value, description: String? = nil) {
        self.init(name, get, Value.codec, description: description)
    }

    /// A field written with `codec`: `Field("prices", \.prices, Resources.price.list)`.
    @inlinable
    public init<Value>(_ name: String, _ get: @escaping @Sendable (Root) -> Value, _ codec: Codec<Value>, description: String? = nil) {
        self.name = name
        alwaysPresent = true
        describe = { codec.schema(in: $0).described(description) }
        let write = codec.write
        let key = JSONWriter.keyBytes(name)
        self.write = { root, writer in
            writer.key(bytes: key)
            write(get(root), &writer)
        }
    }

    /// A field left out when `get` has no value (rather than written as `null`).
    @inlinable
    public static func omittedWhenNil<Value: JSONOutput>(
        _ name: String,
        _ get: @escaping @Sendable (Root) -> Value?,
        description: String? = nil
    ) -> Field<Root> {
        omittedWhenNil(name, get, Value.codec, description: description)
    }

    /// A field left out when `get` has no value, written with `codec` when it has one.
    @inlinable
    public static func omittedWhenNil<Value>(
        _ name: String,
        _ get: @escaping @Sendable (Root) -> Value?,
        _ codec: Codec<Value>,
        description: String? = nil
    ) -> Field<Root> {
        let write = codec.write
        let key = JSONWriter.keyBytes(name)
        return Field(name: name, alwaysPresent: false, describe: { codec.schema(in: $0).described(description) }) { root, writer in
            guard let value = get(root) else { return }
            writer.key(bytes: key)
            write(value, &writer)
        }
    }

    @usableFromInline
    init(
        name: String,
        alwaysPresent: Bool,
        describe: @escaping @Sendable (SchemaComponents) -> JSONSchema,
        write: @escaping @Sendable (Root, inout JSONWriter) -> Void
    ) {
        self.name = name
        self.alwaysPresent = alwaysPresent
        self.describe = describe
        self.write = write
    }

    /// The field read from another root: how a resource that wraps another reuses its fields.
    @inlinable
    public func from<Outer>(_ inner: @escaping @Sendable (Outer) -> Root) -> Field<Outer> {
        let write = self.write
        return Field<Outer>(name: name, alwaysPresent: alwaysPresent, describe: describe) { outer, writer in write(inner(outer), &writer) }
    }
}

@resultBuilder
public enum FieldsBuilder<Root> {
    public static func buildExpression(_ field: Field<Root>) -> [Field<Root>] { [field] }
    public static func buildExpression(_ fields: [Field<Root>]) -> [Field<Root>] { fields }
    public static func buildBlock(_ parts: [Field<Root>]...) -> [Field<Root>] { parts.flatMap { $0 } }
}

/// An object the API answers with (and events carry), declared once as a list of fields over a
/// root value: the response's JSON is written from this declaration and the document's schema
/// is made from it, so the two cannot drift apart.
public struct Resource<Root>: Sendable {
    /// The schema's name in `#/components/schemas`; nil for an object written inline.
    public let name: String?
    /// The `object` field's constant value (`"subscription"`), if it has one.
    public let object: String?
    public let description: String?
    /// In the order they are written: by name, so the same object is the same bytes every time.
    @usableFromInline let fields: [Field<Root>]

    public init(
        _ name: String?,
        object: String? = nil,
        description: String? = nil,
        @FieldsBuilder<Root> fields: () -> [Field<Root>]
    ) {
        self.name = name
        self.object = object
        self.description = description
        var all = fields()
        if let object {
            all.append(
                Field("object", { _ in object }, Codec<String>(.string(allowedValues: [AnyCodable(object)])) { value, writer in writer.value(value) })
            )
        }
        self.fields = all.sorted { $0.name < $1.name }
        precondition(Set(self.fields.map(\.name)).count == self.fields.count, "a field of \(name ?? "an object") is declared twice")
    }

    @inlinable
    public func write(_ root: Root, to writer: inout JSONWriter) {
        writer.object { writer in
            for field in fields { field.write(root, &writer) }
        }
    }

    /// The JSON text of `root`.
    @inlinable
    public func json(_ root: Root) -> [UInt8] {
        var writer = JSONWriter()
        write(root, to: &writer)
        return writer.bytes
    }

    /// The object's own schema (not a reference).
    @usableFromInline
    func objectSchema(in components: SchemaComponents) -> JSONSchema {
        var properties = OrderedDictionary<String, JSONSchema>()
        for field in fields {
            let schema = field.describe(components)
            properties[field.name] = field.alwaysPresent ? schema : schema.optionalSchemaObject()
        }
        return .object(description: description, properties: properties)
    }

    /// How the resource is written wherever it appears: by reference when it has a name.
    @inlinable
    public var codec: Codec<Root> {
        let resource = self
        return Codec(
            describe: { components in
                guard let name = resource.name else { return resource.objectSchema(in: components) }
                return components.reference(name) { resource.objectSchema(in: $0) }
            },
            write: { root, writer in resource.write(root, to: &writer) }
        )
    }

}

extension Resource where Root: Sendable {
    /// A page of these, as every list route answers: `{"object":"list","data":[...],"has_more":...}`.
    public var list: Codec<Page<Root>> {
        let item = codec
        let listName = name.map { $0 + "List" }
        let page = Resource<Page<Root>>(listName, object: "list", description: "A page, newest first.") {
            Field("data", \.data, item.list)
            Field("has_more", \.hasMore, description: "Whether more come after this page (pass the last id as starting_after).")
        }
        return page.codec
    }
}
