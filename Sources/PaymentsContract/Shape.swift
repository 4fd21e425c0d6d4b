import OpenAPIKit
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request body's Swift type: made empty, then filled in field by field by its shape.
public protocol APIInput: Sendable {
    init()
    static var shape: Shape<Self> { get }
}

/// One field of a request body: its name, whether it must be there, what `null` means for it,
/// and the rule its value follows. Declared with `Required`, `Nullable`, `Omittable` or
/// `Clearable`.
///
/// The reading path of the contract (`Input`, the declarations' readers, `Shape.read`) is
/// `@inlinable`: each route's shapes are then compiled for their own types where they are declared,
/// instead of running as generic code that looks up its types' metadata on every request.
public struct Input<Root>: Sendable {
    @usableFromInline let name: String
    let isRequired: Bool
    let describe: @Sendable (SchemaComponents) -> JSONSchema
    /// Reads the field's JSON value (nil when the field is absent) into the root.
    @usableFromInline let read: @Sendable (JSONValue?, inout Root, JSONPath) throws(PaymentsError) -> Void

    @usableFromInline
    init(
        name: String,
        isRequired: Bool,
        describe: @escaping @Sendable (SchemaComponents) -> JSONSchema,
        read: @escaping @Sendable (JSONValue?, inout Root, JSONPath) throws(PaymentsError) -> Void
    ) {
        self.name = name
        self.isRequired = isRequired
        self.describe = describe
        self.read = read
    }
}

/// A declaration of one request field.
public protocol InputDeclaration<Root> {
    associatedtype Root
    var input: Input<Root> { get }
}

/// A field that must be present, and not `null`.
public struct Required<Root>: InputDeclaration {
    public let input: Input<Root>

    @inlinable
    public init<Value>(_ name: String, _ path: WritableKeyPath<Root, Value> & Sendable, _ rule: Rule<Value>, description: String? = nil) {
        input = Input(name: name, isRequired: true, describe: { rule.schema(in: $0).described(description) }) {
            json,
            root,
            at throws(PaymentsError) in
            root[keyPath: path] = try Self.value(json, rule, at)
        }
    }

    /// Kept where a value may be nil until it is read.
    @inlinable
    public init<Value>(_ name: String, _ path: WritableKeyPath<Root, Value?> & Sendable, _ rule: Rule<Value>, description: String? = nil) {
        input = Input(name: name, isRequired: true, describe: { rule.schema(in: $0).described(description) }) {
            json,
            root,
            at throws(PaymentsError) in
            root[keyPath: path] = try Self.value(json, rule, at)
        }
    }

    @inlinable
    static func value<Value>(_ json: JSONValue?, _ rule: Rule<Value>, _ at: JSONPath) throws(PaymentsError) -> Value {
        guard let json else { throw .missing(at.param) }
        if case .null = json { throw .invalid(at.param, "\(at.param) must not be null.") }
        return try rule.read(json, at: at)
    }
}

/// A field that may be left out or sent as `null`: either leaves the value nil.
public struct Nullable<Root>: InputDeclaration {
    public let input: Input<Root>

    @inlinable
    public init<Value>(_ name: String, _ path: WritableKeyPath<Root, Value?> & Sendable, _ rule: Rule<Value>, description: String? = nil) {
        input = Input(name: name, isRequired: false, describe: { rule.schema(in: $0).orNull.described(description) }) {
            json,
            root,
            at throws(PaymentsError) in
            guard let json else { return }
            if case .null = json { return }
            root[keyPath: path] = try rule.read(json, at: at)
        }
    }
}

/// A field that may be left out, but not sent as `null`.
public struct Omittable<Root>: InputDeclaration {
    public let input: Input<Root>

    @inlinable
    public init<Value>(_ name: String, _ path: WritableKeyPath<Root, Value?> & Sendable, _ rule: Rule<Value>, description: String? = nil) {
        input = Input(name: name, isRequired: false, describe: { rule.schema(in: $0).described(description) }) {
            json,
            root,
            at throws(PaymentsError) in
            guard let json else { return }
            if case .null = json { throw .invalid(at.param, "\(at.param) must not be null; leave it out instead.") }
            root[keyPath: path] = try rule.read(json, at: at)
        }
    }
}

/// A change to an optional field (`PATCH`, `PUT`): left out keeps the value, `null` clears it,
/// a value sets it.
public struct Clearable<Root>: InputDeclaration {
    public let input: Input<Root>

    @inlinable
    public init<Value>(_ name: String, _ path: WritableKeyPath<Root, Patch<Value>> & Sendable, _ rule: Rule<Value>, description: String? = nil) {
        input = Input(name: name, isRequired: false, describe: { rule.schema(in: $0).orNull.described(description) }) {
            json,
            root,
            at throws(PaymentsError) in
            guard let json else { return }
            root[keyPath: path] = json == .null ? .clear : .set(try rule.read(json, at: at))
        }
    }
}

@resultBuilder
public enum InputsBuilder<Root> {
    public static func buildBlock() -> [Input<Root>] { [] }
    public static func buildExpression(_ declaration: some InputDeclaration<Root>) -> [Input<Root>] { [declaration.input] }
    public static func buildExpression(_ inputs: [Input<Root>]) -> [Input<Root>] { inputs }
    public static func buildBlock(_ parts: [Input<Root>]...) -> [Input<Root>] { parts.flatMap { $0 } }
}

/// A JSON object a request sends, declared once as its fields: the decoder (which refuses
/// unknown fields and names the parameter at fault) and the document's schema are made from it.
public struct Shape<Root: Sendable>: Sendable {
    /// The schema's name in `#/components/schemas`; nil for an object described inline.
    public let name: String?
    public let description: String?
    @usableFromInline let inputs: [Input<Root>]
    @usableFromInline let make: @Sendable () -> Root
    /// The field names, in order, for telling an unknown field (kept, not worked out on every
    /// read; a few short names compare faster than they hash).
    @usableFromInline let names: [String]

    public init(
        _ name: String?,
        description: String? = nil,
        make: @escaping @Sendable () -> Root,
        @InputsBuilder<Root> inputs: () -> [Input<Root>]
    ) {
        self.name = name
        self.description = description
        self.make = make
        self.inputs = inputs()
        names = self.inputs.map(\.name)
        precondition(Set(names).count == names.count, "a field of \(name ?? "a body") is declared twice")
    }

    /// The field names this shape takes.
    public var fieldNames: [String] { names }

    /// Reads an object of this shape.
    /// - Throws: `parameter_unknown` for a field it does not have, else the first field's error.
    @inlinable
    public func read(_ json: JSONValue, at path: JSONPath = .root, ignoring extra: Set<String> = []) throws(PaymentsError) -> Root {
        guard case .object(let members) = json else {
            if path.isRoot {
                throw PaymentsError(.invalidRequest, code: .invalidJSON, message: "The request body must be a JSON object.")
            }
            throw .invalid(path.param, "\(path.param) must be an object.")
        }
        func isKnown(_ key: String) -> Bool { names.contains(key) || extra.contains(key) }
        if !members.keys.allSatisfy(isKnown), let unknown = members.keys.sorted().first(where: { !isKnown($0) }) {
            throw .unknown(path.appending(unknown).param)
        }
        var root = make()
        let path = path.sealed
        for input in inputs { try input.read(members[input.name], &root, path.appending(input.name)) }
        return root
    }

    /// The object's own schema (not a reference).
    func objectSchema(in components: SchemaComponents, extra: OrderedDictionary<String, JSONSchema> = [:]) -> JSONSchema {
        var properties = extra
        for input in inputs {
            let schema = input.describe(components)
            properties[input.name] = input.isRequired ? schema : schema.optionalSchemaObject()
        }
        return .object(description: description, properties: properties, additionalProperties: .a(false))
    }

    public func schema(in components: SchemaComponents) -> JSONSchema {
        guard let name else { return objectSchema(in: components) }
        return components.reference(name) { objectSchema(in: $0) }
    }

    /// The shape as a rule for a field whose value is an object of it.
    @inlinable
    public var rule: Rule<Root> {
        let shape = self
        return Rule(describe: { shape.schema(in: $0) }) { json, path throws(PaymentsError) in try shape.read(json, at: path) }
    }
}

extension Shape where Root: APIInput {
    public init(_ name: String?, description: String? = nil, @InputsBuilder<Root> inputs: () -> [Input<Root>]) {
        self.init(name, description: description, make: { Root() }, inputs: inputs)
    }
}

extension Rule where Value: Sendable {
    /// An object that is one of several shapes, told apart by the string in `discriminator`
    /// (Stripe's way: a price's `type`). A field that belongs to another of the shapes is
    /// refused as not applying, not as unknown.
    /// - Parameters:
    ///   - name: the schema's name in `#/components/schemas`.
    ///   - noun: what the object is, for messages ("a one_time price").
    public static func oneOf(
        _ name: String,
        noun: String,
        discriminator: String,
        _ variants: [(value: String, shape: Shape<Value>)],
        description: String? = nil
    ) -> Rule<Value> {
        let allFields = Set(variants.flatMap(\.shape.fieldNames))
        return Rule(describe: { components in
            components.reference(name) { components in
                .one(
                    of: variants.map { variant in
                        variant.shape.objectSchema(
                            in: components,
                            extra: [discriminator: .string(allowedValues: [AnyCodable(variant.value)])]
                        )
                    },
                    core: .init(description: description)
                )
            }
        }) { json, path throws(PaymentsError) in
            guard case .object(let members) = json else { throw wrongType(path, "an object") }
            guard case .string(let value)? = members[discriminator] else { throw .missing(path.appending(discriminator).param) }
            guard let shape = variants.first(where: { $0.value == value })?.shape else {
                throw .invalid(
                    path.appending(discriminator).param,
                    "\(discriminator) must be \(variants.map(\.value).dropLast().joined(separator: ", ")) or \(variants.last!.value)."
                )
            }
            let own = Set(shape.fieldNames)
            if let other = members.keys.sorted().first(where: { allFields.contains($0) && !own.contains($0) }) {
                throw .invalid(path.appending(other).param, "\(other) does not apply to a \(value) \(noun).")
            }
            return try shape.read(json, at: path, ignoring: [discriminator])
        }
    }
}

extension Required {
    /// The customer a request is about, named by the app's own id for it.
    public static func customer(_ path: WritableKeyPath<Root, String> & Sendable) -> Required {
        Required("customer", path, .text(Customer.externalIDRule), description: "The customer's external id (the app's own id for it)")
    }
}
