#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How resources are written, in API responses and in events alike: snake_case names set by each
/// type, RFC 3339 UTC times, sorted keys so the same resource is the same bytes every time.
public enum ResourceJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// An optional response field that is written as `null` when empty, as Stripe's objects do,
/// instead of being left out (what a synthesized `Encodable` does with optionals).
@propertyWrapper
public struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
