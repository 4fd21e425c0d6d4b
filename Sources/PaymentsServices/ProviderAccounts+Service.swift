import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum ProviderAccounts {}

extension ProviderAccounts {
    /// An app's own provider account as the API shows it: never a secret, only last characters.
    public struct View: Sendable {
        public let provider: ProviderName
        public let secretKeyLast4: String
        public let webhookSecretsLast4: [String]
        public let createdAt: Date
        public let updatedAt: Date
    }

    /// An app's own provider credentials, sealed at rest.
    public struct Service: Sendable {
        let store: Store
        let secrets: SecretBox

        public init(store: Store, secrets: SecretBox) {
            self.store = store
            self.secrets = secrets
        }

        /// Sets the app's own Stripe account (replacing any before).
        /// - Throws: `provider_mode_mismatch` when the key's mode is not the app's.
        public func put(
            app: App,
            provider name: String,
            secretKey: String,
            webhookSecrets: [String],
            origin: Origin
        ) async throws -> (View, created: Bool) {
            guard let provider = ProviderName(rawValue: name), provider == .stripe else {
                throw PaymentsError(
                    .notFound,
                    code: .providerNotFound,
                    message: "No such provider account type: '\(name)'. Apps can set their own account for: stripe."
                )
            }
            guard let mode = Providers.StripeCredentials.mode(ofKey: secretKey), Providers.StripeCredentials.secretKeyRule.accepts(secretKey)
            else {
                throw PaymentsError.invalid("secret_key", "secret_key must be a Stripe secret or restricted key (sk_test_..., sk_live_..., rk_...).")
            }
            guard mode == app.mode else {
                throw PaymentsError(
                    .invalidRequest,
                    code: .providerModeMismatch,
                    message: "This is a \(app.mode.rawValue)-mode app; it cannot use a \(mode.rawValue)-mode Stripe key.",
                    param: "secret_key"
                )
            }
            guard Providers.StripeCredentials.webhookSecretCount.contains(webhookSecrets.count) else {
                throw PaymentsError.invalid("webhook_secrets", "webhook_secrets must list 1 to 5 signing secrets (newest first, for rotation).")
            }
            for (index, secret) in webhookSecrets.enumerated() {
                guard Providers.StripeCredentials.webhookSecretRule.accepts(secret) else {
                    throw PaymentsError.invalid("webhook_secrets[\(index)]", "Webhook signing secrets look like whsec_....")
                }
            }
            let sealedKey = try secrets.seal(secretKey, for: app.id)
            let sealedWebhooks = try secrets.seal(webhookSecrets.joined(separator: "\n"), for: app.id)
            return try await store.write(origin, app: app.id) { session in
                let accounts = session.providerAccounts(app.id)
                let existing = try await accounts.find(provider)
                let record = ProviderAccountRecord(
                    provider: provider,
                    secretKeySealed: sealedKey,
                    secretKeyLast4: String(secretKey.suffix(4)),
                    webhookSecretsSealed: sealedWebhooks,
                    createdAt: existing?.createdAt ?? session.now,
                    updatedAt: session.now
                )
                let created = try await accounts.put(record)
                let view = View(
                    provider: provider,
                    secretKeyLast4: record.secretKeyLast4,
                    webhookSecretsLast4: webhookSecrets.map { String($0.suffix(4)) },
                    createdAt: record.createdAt,
                    updatedAt: record.updatedAt
                )
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .setProviderAccount,
                        targetType: .providerAccount,
                        targetID: provider.rawValue,
                        snapshot: ["secret_key_last4": view.secretKeyLast4, "webhook_secrets": "\(webhookSecrets.count)"]
                    )
                )
                return (view, created)
            }
        }
    }
}
