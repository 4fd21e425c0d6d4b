import NIOConcurrencyHelpers

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A kind of object whose ids carry a fixed prefix, as Stripe's do (`cus_`, `app_`, `key_`).
public protocol Identified {
    /// The id prefix without the underscore, e.g. `"cus"`.
    static var idPrefix: String { get }
    /// What the object is called where the service names it by type.
    static var resourceType: ResourceType { get }
}

/// The kinds of object the service names by type — an audit entry's `target_type`, the type of
/// the object an event carries — from this one catalogue, never from literals.
public enum ResourceType: String, Sendable, Codable, CaseIterable {
    case app
    case apiKey = "api_key"
    case customer
    case plan
    case price
    case subscription
    case payment
    case refund
    case checkoutSession = "checkout_session"
    case gracePeriod = "grace_period"
    case metric
    case webhookEndpoint = "webhook_endpoint"
    case event
    case eventDelivery = "event_delivery"
    case auditLog = "audit_log"
    /// An invoice of ours (and its lines).
    case invoice
    /// An app's own account at a provider, named by the provider.
    case providerAccount = "provider_account"
    case providerEvent = "provider_event"
    /// A subscription known only by the provider's id.
    case providerSubscription = "provider_subscription"
    /// A provider call recorded before it is made.
    case operation
    /// A customer's override of one feature (its id: `customer_id/feature`).
    case entitlementOverride = "entitlement_override"
    /// An app's feature-gate policy (its id: the app's).
    case entitlementPolicy = "entitlement_policy"
    /// An app's rule for one feature (its id: the feature).
    case entitlementRule = "entitlement_rule"
    /// A comparison of the local mirror with the provider's objects.
    case reconciliationRun = "reconciliation_run"
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

    /// What an id of this kind looks like, as a regular expression: `^cus_[0-9a-hjkmnp-tv-z]{26}$`.
    public static var pattern: String { "^\(Kind.idPrefix)_[0-9a-hjkmnp-tv-z]{\(IDGenerator.bodyLength)}$" }

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

    /// A well-formed id body that `key` alone determines (FNV-1a hashes of it): the id of an
    /// object of ours that exists because a provider object does, the same at every reading.
    public static func derivedBody(from key: String) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            key.utf8.reduce(seed) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
        }
        var (high, low) = (fnv(0xCBF2_9CE4_8422_2325), fnv(0x8422_2325_CBF2_9CE4))
        var body: [UInt8] = []
        for index in 0..<bodyLength {
            let source = index < 13 ? high : low
            body.append(alphabet[Int(source & 31)])
            if index < 13 { high >>= 5 } else { low >>= 5 }
        }
        return String(decoding: body, as: UTF8.self)
    }

    /// A new id with any prefix (for objects outside the domain, such as the sandbox provider's).
    public func next(prefix: String, at time: Date) -> String { prefix + "_" + makeBody(time) }

    /// Time-ordered ids with 80 random bits, strictly increasing within this process: an id
    /// made in the same millisecond as the one before (or with the clock behind it) takes the
    /// previous one's time and its random part plus one, as monotonic ULIDs do.
    public static let live: IDGenerator = {
        let last = NIOLockedValueBox<(millis: UInt64, high: UInt64, low: UInt64)>((0, 0, 0))
        return IDGenerator { time in
            let now = UInt64(max(0, time.timeIntervalSince1970 * 1000))
            var generator = SystemRandomNumberGenerator()
            let (millis, high, low) = last.withLockedValue { last in
                if now > last.millis {
                    // 40 random bits in each half.
                    last = (now, generator.next() & 0xFF_FFFF_FFFF, generator.next() & 0xFF_FFFF_FFFF)
                } else if last.low < 0xFF_FFFF_FFFF {
                    last.low += 1
                } else {
                    last = (last.millis, (last.high + 1) & 0xFF_FFFF_FFFF, 0)
                }
                return last
            }
            return encode(millis: millis, high: high, low: low)
        }
    }()

    /// 10 characters of time, 8 of `high`, 8 of `low` (5 bits each).
    static func encode(millis: UInt64, high: UInt64, low: UInt64) -> String {
        var body = [UInt8](repeating: 0, count: bodyLength)
        for (start, count, value) in [(0, 10, millis), (10, 8, high), (18, 8, low)] {
            var value = value
            for index in stride(from: start + count - 1, through: start, by: -1) {
                body[index] = alphabet[Int(value & 31)]
                value >>= 5
            }
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
