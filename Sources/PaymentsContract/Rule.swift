import OpenAPIKit
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a request value is read and checked, and how the document describes it: both come from
/// the same rule, so a limit written once is the limit in the 400 and in the schema.
public struct Rule<Value>: Sendable {
    public typealias Reader = @Sendable (JSONValue, JSONPath) throws(PaymentsError) -> Value

    @usableFromInline let describe: @Sendable (SchemaComponents) -> JSONSchema
    @usableFromInline let read: Reader
    /// How a query parameter's text becomes the JSON value this rule reads.
    @usableFromInline let fromQuery: @Sendable (String) -> JSONValue

    public init(
        describe: @escaping @Sendable (SchemaComponents) -> JSONSchema,
        fromQuery: @escaping @Sendable (String) -> JSONValue = { .string($0) },
        read: @escaping Reader
    ) {
        self.describe = describe
        self.read = read
        self.fromQuery = fromQuery
    }

    public init(_ schema: JSONSchema, fromQuery: @escaping @Sendable (String) -> JSONValue = { .string($0) }, read: @escaping Reader) {
        self.init(describe: { _ in schema }, fromQuery: fromQuery, read: read)
    }

    public func schema(in components: SchemaComponents) -> JSONSchema { describe(components) }

    @inlinable
    public func read(_ json: JSONValue, at path: JSONPath) throws(PaymentsError) -> Value { try read(json, path) }

    /// The same value, then one more check or conversion: `.text(rule).then { ... }`.
    @inlinable
    public func then<Other>(_ transform: @escaping @Sendable (Value, JSONPath) throws(PaymentsError) -> Other) -> Rule<Other> {
        let read = self.read
        return Rule<Other>(describe: describe, fromQuery: fromQuery) { json, path throws(PaymentsError) in
            try transform(try read(json, path), path)
        }
    }

    /// The same reading under another description.
    public func documented(_ change: @escaping @Sendable (JSONSchema) -> JSONSchema) -> Rule<Value> {
        let describe = self.describe
        return Rule(describe: { change(describe($0)) }, fromQuery: fromQuery, read: read)
    }

    static func wrongType(_ path: JSONPath, _ expected: String) -> PaymentsError {
        .invalid(path.param, "\(path.param) must be \(expected).")
    }
}

extension Rule where Value == String {
    /// Text within `rule`'s length and characters.
    public static func text(_ rule: TextRule) -> Rule<String> {
        let schema = JSONSchema.string(
            format: rule.format.map { JSONTypeFormat.StringFormat(rawValue: $0) ?? .unspecified } ?? .unspecified,
            minLength: rule.length.lowerBound > 0 ? rule.length.lowerBound : nil,
            maxLength: rule.length.upperBound < Int.max ? rule.length.upperBound : nil,
            pattern: rule.pattern
        )
        return Rule(schema) { json, path throws(PaymentsError) in
            guard case .string(let text) = json else { throw wrongType(path, "a string") }
            // The parameter's name is made only for the error (it costs an allocation per field).
            guard rule.accepts(text) else { throw .invalid(path.param, "\(path.param) must be \(rule.describe).") }
            return text
        }
    }
}

extension Rule where Value == String {
    /// One of `values`.
    public static func text(oneOf values: [String]) -> Rule<String> {
        Rule(.string(allowedValues: values.map { AnyCodable($0) })) { json, path throws(PaymentsError) in
            guard case .string(let text) = json, values.contains(text) else {
                throw .invalid(path.param, "\(path.param) must be one of \(values.joined(separator: ", ")).")
            }
            return text
        }
    }
}

extension Rule where Value == Int64 {
    public static func integer(_ rule: IntegerRule) -> Rule<Int64> {
        let schema = JSONSchema.integer(
            maximum: (Int(rule.range.upperBound), exclusive: false),
            minimum: (Int(rule.range.lowerBound), exclusive: false)
        )
        return Rule(schema, fromQuery: { Int64($0).map(JSONValue.integer) ?? .string($0) }) { json, path throws(PaymentsError) in
            let value: Int64
            switch json {
            case .integer(let integer): value = integer
            // JSON Schema's integers are mathematical ones: 3.0 is 3.
            case .number(let number) where number.rounded() == number && abs(number) < 9.2e18: value = Int64(number)
            default: throw wrongType(path, "an integer")
            }
            guard rule.range.contains(value) else { throw .invalid(path.param, "\(path.param) must be \(rule.describe).") }
            return value
        }
    }
}

extension Rule where Value == Int {
    public static func integer(_ rule: IntegerRule) -> Rule<Int> {
        Rule<Int64>.integer(rule).then { value, _ in Int(value) }
    }
}

extension Rule where Value == Bool {
    public static var boolean: Rule<Bool> {
        Rule(.boolean, fromQuery: { ["true": .bool(true), "false": .bool(false)][$0] ?? .string($0) }) { json, path throws(PaymentsError) in
            guard case .bool(let flag) = json else { throw wrongType(path, "true or false") }
            return flag
        }
    }
}

extension Rule where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    /// One of the type's values.
    public static var enumeration: Rule<Value> { enumeration(Array(Value.allCases)) }

    /// One of `cases`.
    public static func enumeration(_ cases: [Value]) -> Rule<Value> {
        let names = cases.map(\.rawValue)
        return Rule(.string(allowedValues: names.map { AnyCodable($0) })) { json, path throws(PaymentsError) in
            guard case .string(let raw) = json, let value = Value(rawValue: raw), names.contains(raw) else {
                throw wrongType(path, names.count == 2 ? "\(names[0]) or \(names[1])" : "one of \(names.joined(separator: ", "))")
            }
            return value
        }
    }
}

extension Rule where Value == Currency {
    /// A lowercase ISO 4217 code.
    public static var currency: Rule<Currency> {
        Rule(.string(description: "ISO 4217, lowercase", allowedValues: Currency.all.map { AnyCodable($0.rawValue) })) {
            json,
            path throws(PaymentsError) in
            guard case .string(let raw) = json else { throw wrongType(path, "a string") }
            return try Currency.parse(raw, param: path.param)
        }
    }
}

extension Rule where Value == Date {
    /// A time, as RFC 3339 or as Unix seconds from 1970 to the end of year 9999.
    public static var timestamp: Rule<Date> {
        let latest: Int64 = 253_402_300_799
        return Rule(
            .any(
                of: [.integer(maximum: (Int(latest), exclusive: false), minimum: (0, exclusive: false)), .string(format: .dateTime)],
                core: .init(description: "RFC 3339 time, or Unix seconds from 0 to \(latest) (the end of year 9999)")
            ),
            fromQuery: { Int64($0).map(JSONValue.integer) ?? .string($0) }
        ) { json, path throws(PaymentsError) in
            switch json {
            case .integer(let seconds) where (0...latest).contains(seconds): return Date(timeIntervalSince1970: Double(seconds))
            case .integer: throw .invalid(path.param, "\(path.param) must be Unix seconds from 0 to \(latest).")
            case .string(let text):
                guard let date = RFC3339.parse(text) else { throw wrongType(path, "an RFC 3339 time or Unix seconds") }
                return date
            default: throw wrongType(path, "an RFC 3339 time or Unix seconds")
            }
        }
    }
}

extension Rule {
    /// An id of `Kind`'s shape (`cus_...`).
    public static func id<Kind>(_ kind: Kind.Type) -> Rule<TypedID<Kind>> where Value == TypedID<Kind> {
        Rule(.string(pattern: TypedID<Kind>.pattern)) { json, path throws(PaymentsError) in
            guard case .string(let raw) = json, let id = TypedID<Kind>(parsing: raw) else {
                throw wrongType(path, "a \(Kind.resourceType.rawValue) id (\(Kind.idPrefix)_...)")
            }
            return id
        }
    }

    /// A JSON array of values, `count` of them, distinct when `unique`.
    public static func list<Element>(_ element: Rule<Element>, count: ClosedRange<Int>, unique: Bool = false) -> Rule<[Element]>
    where Value == [Element] {
        Rule<[Element]>(describe: { components in
            .array(
                minItems: count.lowerBound > 0 ? count.lowerBound : nil,
                maxItems: count.upperBound < Int.max ? count.upperBound : nil,
                uniqueItems: unique ? true : nil,
                items: element.schema(in: components)
            )
        }) { json, path throws(PaymentsError) in
            guard case .array(let items) = json else { throw wrongType(path, "an array") }
            guard count.contains(items.count) else {
                throw .invalid(
                    path.param,
                    "\(path.param) must have \(count.upperBound == Int.max ? "at least \(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)") items."
                )
            }
            if unique, Set(items.map { "\($0)" }).count != items.count {
                throw .invalid(path.param, "\(path.param) must not repeat.")
            }
            var values: [Element] = []
            values.reserveCapacity(items.count)
            let path = path.sealed
            for (index, item) in items.enumerated() { values.append(try element.read(item, path.appending(index))) }
            return values
        }
    }

    /// A JSON object whose keys follow `keys` and whose values follow `values`, at most `count.upperBound` of them.
    public static func map<Element>(keys: TextRule, values: Rule<Element>, count: ClosedRange<Int>) -> Rule<[String: Element]>
    where Value == [String: Element] {
        // Keys' limits as a pattern over the whole key (JSON Schema's `propertyNames` has no
        // OpenAPIKit form; a pattern property with nothing else allowed says the same).
        let keyPattern = "^[\(keys.characters?.classBody ?? "^\\u0000")]{\(keys.length.lowerBound),\(keys.length.upperBound)}$"
        return Rule<[String: Element]>(describe: { components in
            .object(
                minProperties: count.lowerBound > 0 ? count.lowerBound : nil,
                maxProperties: count.upperBound < Int.max ? count.upperBound : nil,
                patternProperties: [keyPattern: values.schema(in: components)],
                additionalProperties: .a(false)
            )
        }) { json, path throws(PaymentsError) in
            guard case .object(let members) = json else { throw wrongType(path, "an object") }
            guard count.contains(members.count) else {
                throw .invalid(path.param, "\(path.param) may have at most \(count.upperBound) keys.")
            }
            var result: [String: Element] = [:]
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                guard keys.accepts(key) else { throw .invalid(path.param, "\(path.param) keys must be \(keys.describe).") }
                result[key] = try values.read(member, path.appending(key))
            }
            return result
        }
    }
}

extension Rule where Value == [String: String] {
    /// An app's own key-value pairs, within Stripe's limits.
    public static var metadata: Rule<[String: String]> {
        .map(keys: Metadata.keyRule, values: .text(Metadata.valueRule), count: Metadata.count)
    }
}

extension Rule where Value == Double {
    /// Any finite JSON number (`1`, `2.5`, `-3`).
    public static var number: Rule<Double> {
        Rule(.number, fromQuery: { Double($0).map(JSONValue.number) ?? .string($0) }) { json, path throws(PaymentsError) in
            switch json {
            case .integer(let integer): return Double(integer)
            case .number(let number) where number.isFinite: return number
            case .number: throw .invalid(path.param, "\(path.param) must be a finite number.")
            default: throw wrongType(path, "a number")
            }
        }
    }
}

extension Rule where Value == JSONValue {
    /// A string (up to `text`'s length), a number or a flag: a property an event carries.
    public static func scalar(_ text: TextRule) -> Rule<JSONValue> {
        Rule(.any(of: [.string(maxLength: text.length.upperBound), .number, .boolean])) { json, path throws(PaymentsError) in
            switch json {
            case .string(let string):
                guard text.accepts(string) else { throw .invalid(path.param, "\(path.param) must be \(text.describe).") }
                return json
            case .integer, .bool: return json
            case .number(let number) where number.isFinite: return json
            default: throw wrongType(path, "a string, a number or true/false")
            }
        }
    }
}
