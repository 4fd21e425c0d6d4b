import Crypto
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The operator's signed-in session: a cookie holding when it expires and a random id, signed
/// with a key derived from the admin token. Any instance reads it (nothing is stored), and a new
/// admin token signs every session out. Each session's CSRF token is derived from its id, so a
/// form posted from another site (which cannot read the page) carries none that matches.
struct DashboardSessions: Sendable {
    static let cookieName = "payments_dashboard"

    struct Session: Sendable, Equatable {
        let id: String
        let expiresAt: Date
        let csrf: String
    }

    /// The signing key's bytes (kept as bytes: the key type is not Sendable).
    private let keyBytes: [UInt8]
    private let adminTokenDigest: [UInt8]
    let lifetime: TimeInterval

    init(adminToken: Secret<String>, lifetime: TimeInterval = 8 * 3600) {
        // A key of its own for sessions, not the token itself.
        keyBytes = Array(
            HMAC<SHA256>.authenticationCode(
                for: Array("payments dashboard sessions v1".utf8),
                using: SymmetricKey(data: Array(adminToken.value.utf8))
            )
        )
        adminTokenDigest = Array(SHA256.hash(data: Array(adminToken.value.utf8)))
        self.lifetime = lifetime
    }

    /// Whether `token` is the admin token, compared by digest without an early exit.
    func isAdminToken(_ token: String) -> Bool {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        return zip(digest, adminTokenDigest).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A new session from `now`: the cookie's value, and the session it holds.
    func issue(now: Date) -> (value: String, session: Session) {
        let id = hex((0..<16).map { _ in UInt8.random(in: 0...255) })
        let expires = Int64(now.addingTimeInterval(lifetime).timeIntervalSince1970)
        let payload = "\(expires).\(id)"
        return ("\(payload).\(mac(payload))", session(id: id, expires: expires))
    }

    /// The session a cookie's value holds, if it is ours and not expired.
    func validate(_ value: String, now: Date) -> Session? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expires = Int64(parts[0]), parts[1].count == 32 else { return nil }
        let payload = "\(parts[0]).\(parts[1])"
        guard constantTimeEqual(mac(payload), String(parts[2])), Double(expires) > now.timeIntervalSince1970 else { return nil }
        return session(id: String(parts[1]), expires: expires)
    }

    private func session(id: String, expires: Int64) -> Session {
        Session(id: id, expiresAt: Date(timeIntervalSince1970: Double(expires)), csrf: mac("csrf.\(id)"))
    }

    private func mac(_ text: String) -> String {
        hex(Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: keyBytes))))
    }

    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] }, as: UTF8.self)
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
