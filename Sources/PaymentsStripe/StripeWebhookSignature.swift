import Crypto
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verifies `Stripe-Signature` exactly as Stripe's own libraries do: the header's `t` and every
/// `v1` (a `v0` or any other scheme is ignored), HMAC-SHA256 keyed with the whole secret string
/// over `"<t>.<raw body>"`, any `v1` matching under any configured secret (so secrets can
/// rotate), compared in constant time; then a timestamp older than the tolerance is refused
/// (one in the future is not, as in Stripe's verifier).
public enum StripeWebhookSignature {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missingHeader
        case malformedHeader
        case noSignatures
        case mismatch
        case stale(seconds: Int64)

        public var description: String {
            switch self {
            case .missingHeader: "The request has no Stripe-Signature header."
            case .malformedHeader: "Unable to extract timestamp and signatures from the Stripe-Signature header."
            case .noSignatures: "No signatures found with the expected scheme (v1)."
            case .mismatch: "No signature matches the expected signature for the payload."
            case .stale(let seconds): "The timestamp is \(seconds) s old, outside the tolerance."
            }
        }
    }

    /// - Parameters:
    ///   - payload: the body exactly as received.
    ///   - tolerance: the oldest timestamp accepted (Stripe's default is 300 s); nil for none.
    /// - Returns: the signed timestamp.
    @discardableResult
    public static func verify(
        payload: [UInt8],
        header: String?,
        secrets: [Secret<String>],
        tolerance: Duration?,
        now: Date
    ) throws(Failure) -> Int64 {
        guard let header, !header.isEmpty else { throw .missingHeader }
        // Read as stripe-python reads it: items split on ",", each on "=" (the value is what lies
        // between the first and a second "="), the first `t`, every `v1` kept as text.
        var timestamp: Int64?
        var sawTimestamp = false
        var signatures: [String] = []
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: false)
            if parts[0] == "t", !sawTimestamp {
                sawTimestamp = true
                guard parts.count > 1 else { throw .malformedHeader }
                timestamp = Int64(parts[1].trimmingCharacters(in: .whitespaces))
            } else if parts[0] == "v1", parts.count > 1 {
                signatures.append(String(parts[1]))
            }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !signatures.isEmpty else { throw .noSignatures }
        let message = Array("\(timestamp).".utf8) + payload
        let matched = secrets.contains { secret in
            let expected = Array(hexString(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.value.utf8)))).utf8)
            return signatures.contains { constantTimeEqual(Array($0.utf8), expected) }
        }
        guard matched else { throw .mismatch }
        if let tolerance {
            let age = Int64(now.timeIntervalSince1970.rounded(.down)) - timestamp
            if age > tolerance.components.seconds { throw .stale(seconds: age) }
        }
        return timestamp
    }

    /// A header as Stripe would send it (for tests and the sandbox).
    public static func header(payload: [UInt8], secret: Secret<String>, timestamp: Int64) -> String {
        let message = Array("\(timestamp).".utf8) + payload
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.value.utf8)))
        return "t=\(timestamp),v1=" + hexString(code)
    }

    /// Lowercase hex, as Stripe writes signatures.
    static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
