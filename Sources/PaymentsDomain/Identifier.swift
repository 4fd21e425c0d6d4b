#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A kind of object whose ids carry a fixed prefix, as Stripe's do (`cus_`, `app_`, `key_`).
public protocol Identified {
    /// The id prefix without the underscore, e.g. `"cus"`.
    static var idPrefix: String { get }
}

/// A typed, prefixed identifier: `TypedID<Customer>` cannot be passed where a `TypedID<App>` is expected.
///
/// Ids are `<prefix>_<26 characters>`: 10 characters of millisecond time and 16 random ones, in
/// lowercase Crockford base32. They sort by creation time byte-wise and under any collation,
/// which is what cursor pagination relies on.
public struct TypedID<Kind: Identified>: RawRepresentable, Hashable, Sendable, Codable, Comparable,
    CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// Parses an id given by a caller; `nil` when it does not have this kind's shape.
    public init?(parsing string: String) {
        guard TypedID.isWellFormed(string) else { return nil }
        self.rawValue = string
    }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    static func isWellFormed(_ string: String) -> Bool {
        let utf8 = string.utf8
        let prefix = Kind.idPrefix.utf8
        guard utf8.count == prefix.count + 1 + IDGenerator.bodyLength,
            utf8.starts(with: prefix),
            utf8[utf8.index(utf8.startIndex, offsetBy: prefix.count)] == UInt8(ascii: "_")
        else { return false }
        return utf8.dropFirst(prefix.count + 1).allSatisfy(IDGenerator.isAlphabetByte)
    }
}

/// Makes new ids. Injected, so tests can make them deterministic.
public struct IDGenerator: Sendable {
    static let bodyLength = 26
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    private let makeBody: @Sendable (Date) -> String

    public init(makeBody: @escaping @Sendable (Date) -> String) { self.makeBody = makeBody }

    /// A new id for `Kind`, ordered by `time`.
    public func next<Kind: Identified>(_ kind: Kind.Type, at time: Date) -> TypedID<Kind> {
        TypedID(rawValue: Kind.idPrefix + "_" + makeBody(time))
    }

    /// Time-ordered ids with 80 random bits.
    public static let live = IDGenerator { time in
        var body = [UInt8](repeating: 0, count: bodyLength)
        var millis = UInt64(max(0, time.timeIntervalSince1970 * 1000))
        for index in stride(from: 9, through: 0, by: -1) {
            body[index] = alphabet[Int(millis & 31)]
            millis >>= 5
        }
        var generator = SystemRandomNumberGenerator()
        var random = generator.next() as UInt64
        for index in 10..<18 {
            body[index] = alphabet[Int(random & 31)]
            random >>= 5
        }
        random = generator.next()
        for index in 18..<26 {
            body[index] = alphabet[Int(random & 31)]
            random >>= 5
        }
        return String(decoding: body, as: UTF8.self)
    }

    static func isAlphabetByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            byte != UInt8(ascii: "i") && byte != UInt8(ascii: "l") && byte != UInt8(ascii: "o")
                && byte != UInt8(ascii: "u")
        default: false
        }
    }
}
