import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Signatures the Standard Webhooks way (https://www.standardwebhooks.com): the secret is
/// `whsec_` + base64 of random bytes; the signature is `v1,` + base64 of HMAC-SHA256 over
/// `"{webhook-id}.{webhook-timestamp}.{body}"` with the decoded bytes as key. Several signatures
/// (during a secret's rotation) are separated by spaces.
public enum StandardWebhooks {
    public static let secretPrefix = "whsec_"

    /// A new secret: 32 random bytes.
    public static func makeSecret() -> String {
        secretPrefix + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    /// The key bytes of a `whsec_` secret, or nil when it is not one.
    public static func key(_ secret: String) -> SymmetricKey? {
        guard secret.hasPrefix(secretPrefix), let bytes = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))),
            !bytes.isEmpty
        else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header value for a message signed with each key in turn.
    public static func signature(id: String, timestamp: Int64, body: [UInt8], keys: [SymmetricKey]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        return keys.map { key in
            "v1," + Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
        }.joined(separator: " ")
    }
}
