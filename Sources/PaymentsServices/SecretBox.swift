import Crypto
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Seals provider secrets at rest: AES-256-GCM under a key derived from `APP_SECRET` with
/// HKDF-SHA256 (salt and info name the purpose, so the same `APP_SECRET` never keys two uses).
/// The app id is authenticated data: a sealed secret copied to another app's row does not open.
public struct SecretBox: Sendable {
    /// The derived key's bytes (`SymmetricKey` is not `Sendable`).
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(appSecret: Secret<String>) {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(appSecret.value.utf8)),
            salt: Array("payment-service provider secrets".utf8),
            info: Array("aes-256-gcm v1".utf8),
            outputByteCount: 32
        )
        keyBytes = key.withUnsafeBytes { Array($0) }
    }

    /// - Returns: `v1.` followed by base64 of nonce, ciphertext and tag.
    public func seal(_ plaintext: String, for app: App.ID) throws -> String {
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: key, authenticating: Array(app.rawValue.utf8))
        guard let combined = box.combined else { throw PaymentsError(.internal, code: .sealFailed, message: "Could not seal a secret.") }
        return "v1." + combined.base64EncodedString()
    }

    /// - Throws: when the text was not sealed with this `APP_SECRET` for this app.
    public func open(_ sealed: String, for app: App.ID) throws -> Secret<String> {
        guard sealed.hasPrefix("v1."), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw PaymentsError(.internal, code: .secretUnreadable, message: "A stored provider secret is not in a known format.")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Array(app.rawValue.utf8))
            return Secret(String(decoding: plaintext, as: UTF8.self))
        } catch {
            throw PaymentsError(
                .internal,
                code: .secretUnreadable,
                message: "A stored provider secret cannot be opened: APP_SECRET changed since it was saved."
            )
        }
    }
}
