import OpenAPIKit
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a value the API answers with is written, and how the OpenAPI document describes it: the
/// two come from this one value, so they cannot disagree.
public struct Codec<Value>: Sendable {
    public let describe: @Sendable (SchemaComponents) -> JSONSchema
    public let write: @Sendable (Value, inout JSONWriter) -> Void

    public init(
        describe: @escaping @Sendable (SchemaComponents) -> JSONSchema,
        write: @escaping @Sendable (Value, inout JSONWriter) -> Void
    ) {
        self.describe = describe
        self.write = write
    }

    /// A schema that needs no components.
    public init(_ schema: JSONSchema, write: @escaping @Sendable (Value, inout JSONWriter) -> Void) {
        self.init(describe: { _ in schema }, write: write)
    }

    public func schema(in components: SchemaComponents) -> JSONSchema { describe(components) }

    /// Writes `value` as JSON text.
    @inlinable
    public func json(_ value: Value) -> [UInt8] {
        var writer = JSONWriter()
        write(value, &writer)
        return writer.bytes
    }

    /// The same value or `null`.
    @inlinable
    public var nullable: Codec<Value?> {
        let describe = self.describe
        let write = self.write
        return Codec<Value?>(describe: { describe($0).orNull }) { value, writer in
            if let value { write(value, &writer) } else { writer.null() }
        }
    }

    /// A JSON array of values.
    @inlinable
    public var list: Codec<[Value]> {
        let describe = self.describe
        let write = self.write
        return Codec<[Value]>(describe: { .array(items: describe($0)) }) { values, writer in
            writer.array { writer in for value in values { write(value, &writer) } }
        }
    }

    /// A JSON object of values under string keys, written in key order.
    public var map: Codec<[String: Value]> {
        let describe = self.describe
        let write = self.write
        return Codec<[String: Value]>(describe: { .object(additionalProperties: .b(describe($0))) }) { values, writer in
            writer.object { writer in
                for key in values.keys.sorted() {
                    writer.key(key)
                    write(values[key]!, &writer)
                }
            }
        }
    }

    /// The same writing under another description (a pattern, a format, a range).
    public func documented(_ schema: JSONSchema) -> Codec<Value> { Codec(describe: { _ in schema }, write: write) }

}

extension Codec where Value == String {
    /// Text of a documented pattern.
    public static func string(pattern: String) -> Codec<String> {
        Codec(.string(pattern: pattern)) { value, writer in writer.value(value) }
    }

    /// Text that is one of `values`.
    public static func string(allowedValues values: [String]) -> Codec<String> {
        Codec(.string(allowedValues: values.map { AnyCodable($0) })) { value, writer in writer.value(value) }
    }
}

/// A type with one way of being written: `Field("id", \.id)` needs no codec for it.
public protocol JSONOutput: Sendable {
    static var codec: Codec<Self> { get }
}

extension String: JSONOutput {
    public static let codec = Codec<String>(.string) { value, writer in writer.value(value) }
}

extension Int: JSONOutput {
    public static let codec = Codec<Int>(.integer) { value, writer in writer.value(value) }
}

extension Int64: JSONOutput {
    public static let codec = Codec<Int64>(.integer) { value, writer in writer.value(value) }
}

extension Bool: JSONOutput {
    public static let codec = Codec<Bool>(.boolean) { value, writer in writer.value(value) }
}

extension Date: JSONOutput {
    /// RFC 3339 UTC, with milliseconds when they are not zero (what the store keeps).
    public static let codec = Codec<Date>(.string(format: .dateTime)) { value, writer in writer.value(value) }
}

extension JSONValue: JSONOutput {
    public static let codec = Codec<JSONValue>(.fragment) { value, writer in writer.value(value) }
}

extension TypedID: JSONOutput {
    /// A string of this kind's id shape: `^cus_[0-9a-hjkmnp-tv-z]{26}$`.
    public static var codec: Codec<TypedID<Kind>> {
        Codec(.string(pattern: TypedID.pattern)) { value, writer in writer.value(value.rawValue) }
    }
}

extension Optional: JSONOutput where Wrapped: JSONOutput {
    public static var codec: Codec<Wrapped?> { Wrapped.codec.nullable }
}

extension Array: JSONOutput where Element: JSONOutput {
    public static var codec: Codec<[Element]> { Element.codec.list }
}

extension Dictionary: JSONOutput where Key == String, Value: JSONOutput {
    public static var codec: Codec<[String: Value]> { Value.codec.map }
}

/// A closed set of string values: written as its raw value, documented as an `enum`.
public protocol JSONEnumeration: JSONOutput, RawRepresentable, CaseIterable where RawValue == String {}

extension JSONEnumeration {
    public static var codec: Codec<Self> {
        Codec(.string(allowedValues: allCases.map { AnyCodable($0.rawValue) })) { value, writer in writer.value(value.rawValue) }
    }
}
