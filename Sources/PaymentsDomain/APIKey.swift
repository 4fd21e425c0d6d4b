import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An app's API key as the service keeps it: never the key itself, only its SHA-256 and a short
/// prefix to show people which key is which.
public struct APIKey: Sendable, Equatable, Identified {
    public static let idPrefix = "key"
    /// How long, in seconds, an app's current keys keep working after a rotation (30 days at most).
    public static let overlapRule = IntegerRule(0...2_592_000)
    public static let resourceType = ResourceType.apiKey
    public typealias ID = TypedID<APIKey>

    /// A secret key (`sk_`) reaches every app route; a publishable key (`pk_`), safe to ship in a
    /// web page, reads only the public pricing route.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case secret, publishable
    }

    public let id: ID
    public let appID: App.ID
    public let kind: Kind
    /// The first characters of the key (`sk_test_Ab3d`), safe to show.
    public let displayPrefix: String
    /// Hex SHA-256 of the whole key.
    public let hash: String
    public let createdAt: Date
    /// Set when the key was rotated out: it works until then.
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(
        id: ID,
        appID: App.ID,
        displayPrefix: String,
        hash: String,
        createdAt: Date,
        expiresAt: Date?,
        revokedAt: Date?,
        kind: Kind = .secret
    ) {
        self.id = id
        self.appID = appID
        self.kind = kind
        self.displayPrefix = displayPrefix
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        case active, expiring, expired, revoked
    }

    /// The key's state at `time`.
    public func state(at time: Date) -> State {
        if revokedAt != nil { return .revoked }
        guard let expiresAt else { return .active }
        return expiresAt > time ? .expiring : .expired
    }

    /// Whether a request made at `time` may use this key.
    public func isUsable(at time: Date) -> Bool {
        switch state(at: time) {
        case .active, .expiring: true
        case .expired, .revoked: false
        }
    }
}

/// Making and recognising key strings: `sk_test_` or `sk_live_` (publishable: `pk_test_`,
/// `pk_live_`) and 43 base62 characters (256 random bits).
public enum KeyMaterial {
    static let randomLength = 43
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new key of `kind` for an app of `mode`.
    public static func generate(mode: App.Mode, kind: APIKey.Kind = .secret) -> Secret<String> {
        var generator = SystemRandomNumberGenerator()
        // Rejection sampling keeps every character uniform: 62 * 4 = 248.
        var characters = [UInt8]()
        characters.reserveCapacity(randomLength)
        while characters.count < randomLength {
            let byte = UInt8.random(in: 0...255, using: &generator)
            if byte < 248 { characters.append(base62[Int(byte % 62)]) }
        }
        return Secret(prefix(for: mode, kind: kind) + String(decoding: characters, as: UTF8.self))
    }

    public static func prefix(for mode: App.Mode, kind: APIKey.Kind = .secret) -> String {
        "\(kind == .secret ? "sk" : "pk")_\(mode.rawValue)_"
    }

    static func isBase62(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): true
        default: false
        }
    }

    /// The mode a key string claims, or `nil` when it is not shaped like one of our keys.
    public static func mode(of key: String) -> App.Mode? { shape(of: key)?.mode }

    /// The mode and kind a key string claims, or `nil` when it is not shaped like one of our keys.
    public static func shape(of key: String) -> (mode: App.Mode, kind: APIKey.Kind)? {
        for (mode, kind, prefix) in prefixes
        where key.utf8.count == prefix.count + randomLength && key.utf8.starts(with: prefix)
            && key.utf8.dropFirst(prefix.count).allSatisfy(isBase62)
        {
            return (mode, kind)
        }
        return nil
    }

    /// Every mode and kind with its prefix's bytes (every request's key is told by them).
    private static let prefixes = App.Mode.allCases.flatMap { mode in
        APIKey.Kind.allCases.map { kind in (mode, kind, Array(prefix(for: mode, kind: kind).utf8)) }
    }

    /// Hex SHA-256 of a key: how it is stored and looked up.
    public static func hash(_ key: String) -> String { digest(key).hex }

    /// SHA-256 of a key, as a value: what the key cache is keyed by (its ``KeyDigest/hex`` is the stored hash).
    public static func digest(_ key: String) -> KeyDigest {
        var key = key
        return KeyDigest(key.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) })
    }

    /// What may be shown of a key: its mode prefix and 4 characters.
    public static func displayPrefix(_ key: String) -> String { String(key.prefix(12)) }
}

/// A key's SHA-256 as four words: hashed and compared without its hex text being made (the key
/// cache's key; the hex is only needed to look the key up in the database).
public struct KeyDigest: Hashable, Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: SHA256Digest) {
        words = digest.withUnsafeBytes { bytes in
            (
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    /// Lowercase hex of the 32 bytes, in the digest's order.
    public var hex: String { withUnsafeBytes(of: words, lowercaseHex) }

    public static func == (lhs: KeyDigest, rhs: KeyDigest) -> Bool { lhs.words == rhs.words }

    public func hash(into hasher: inout Hasher) { withUnsafeBytes(of: words) { hasher.combine(bytes: $0) } }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hex.
    public var hexString: String {
        if let hex = withContiguousStorageIfAvailable({ lowercaseHex(UnsafeRawBufferPointer($0)) }) { return hex }
        return Array(self).withUnsafeBytes(lowercaseHex)
    }
}

extension Digest {
    /// Lowercase hex, written from the digest's bytes (iterating a digest copies it into an array).
    public var hexString: String { withUnsafeBytes(lowercaseHex) }
}

private func lowercaseHex(_ bytes: UnsafeRawBufferPointer) -> String {
    String(unsafeUninitializedCapacity: bytes.count * 2) { out in
        let digits: StaticString = "0123456789abcdef"
        for (offset, byte) in bytes.enumerated() {
            out[2 * offset] = digits.utf8Start[Int(byte >> 4)]
            out[2 * offset + 1] = digits.utf8Start[Int(byte & 15)]
        }
        return bytes.count * 2
    }
}
