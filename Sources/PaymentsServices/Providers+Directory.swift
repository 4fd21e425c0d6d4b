import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Providers {}

extension Providers {
    /// A Stripe account's credentials.
    public struct StripeCredentials: Sendable {
        public let secretKey: Secret<String>
        public let webhookSecrets: [Secret<String>]

        public init(secretKey: Secret<String>, webhookSecrets: [Secret<String>]) {
            self.secretKey = secretKey
            self.webhookSecrets = webhookSecrets
        }

        /// The mode a Stripe key is for, from its prefix (`sk_test_`, `rk_live_`...).
        public static func mode(ofKey key: String) -> App.Mode? {
            for prefix in ["sk_", "rk_"] where key.hasPrefix(prefix) {
                let rest = key.dropFirst(3)
                if rest.hasPrefix("test_") { return .test }
                if rest.hasPrefix("live_") { return .live }
            }
            return nil
        }
    }

    /// Which provider serves an app, built per request from the app's own account, the
    /// platform's, or the sandbox — in that order (DESIGN: "an app uses Stripe when a Stripe
    /// account is configured for it, else the sandbox").
    public struct Directory: Sendable {
        let store: Store
        let secrets: SecretBox
        /// The platform account from `STRIPE_SECRET_KEY`, if set.
        let platformStripe: StripeCredentials?
        let makeStripe: (@Sendable (StripeCredentials, _ account: String) -> any PaymentProvider)?
        let makeSandbox: @Sendable (App, _ now: @escaping @Sendable () async throws -> Date) -> any PaymentProvider

        public init(
            store: Store, secrets: SecretBox, platformStripe: StripeCredentials?,
            makeStripe: (@Sendable (StripeCredentials, _ account: String) -> any PaymentProvider)?,
            makeSandbox: @escaping @Sendable (App, _ now: @escaping @Sendable () async throws -> Date) -> any PaymentProvider
        ) {
            self.store = store
            self.secrets = secrets
            self.platformStripe = platformStripe
            self.makeStripe = makeStripe
            self.makeSandbox = makeSandbox
        }

        /// The provider that serves `app` now.
        public func provider(for app: App) async throws -> any PaymentProvider {
            if let makeStripe {
                if let own = try await ownStripe(app) { return makeStripe(own, app.id.rawValue) }
                if let platformStripe, StripeCredentials.mode(ofKey: platformStripe.secretKey.value) == app.mode {
                    return makeStripe(platformStripe, "platform")
                }
            }
            return sandbox(for: app)
        }

        /// The sandbox provider for `app`, on the app's clock.
        public func sandbox(for app: App) -> any PaymentProvider {
            makeSandbox(app) { [store] in try await Clocks.now(for: app.id, store: store) }
        }

        /// The app's own Stripe credentials, opened.
        public func ownStripe(_ app: App) async throws -> StripeCredentials? {
            guard let record = try await store.read({ try await $0.providerAccounts(app.id).find(.stripe) }) else {
                return nil
            }
            let key = try secrets.open(record.secretKeySealed, for: app.id)
            let webhook = try secrets.open(record.webhookSecretsSealed, for: app.id)
            let webhookSecrets = webhook.value.split(separator: "\n").map { Secret(String($0)) }
            return StripeCredentials(secretKey: key, webhookSecrets: webhookSecrets)
        }

        /// Every provider and whether it serves this app.
        public func statuses(for app: App) async throws -> [Status] {
            let active = try await provider(for: app)
            let own = try await ownStripe(app)
            let platformUsable = platformStripe.map { StripeCredentials.mode(ofKey: $0.secretKey.value) == app.mode } ?? false
            var statuses: [Status] = []
            let sandbox = sandbox(for: app)
            statuses.append(
                Status(name: .sandbox, configured: true, active: active.name == .sandbox, account: "sandbox",
                       capabilities: sandbox.capabilities, secretKeyLast4: nil))
            let stripeAccount = own != nil ? "own" : (platformUsable ? "platform" : nil)
            let stripeCapabilities: [ProviderCapability] =
                makeStripe.map { $0(StripeCredentials(secretKey: Secret("sk_test_probe"), webhookSecrets: []), "probe").capabilities } ?? []
            statuses.append(
                Status(name: .stripe, configured: makeStripe != nil && stripeAccount != nil, active: active.name == .stripe,
                       account: stripeAccount, capabilities: stripeCapabilities,
                       secretKeyLast4: (own ?? (platformUsable ? platformStripe : nil)).map { String($0.secretKey.value.suffix(4)) }))
            return statuses
        }

        public struct Status: Sendable {
            public let name: ProviderName
            public let configured: Bool
            public let active: Bool
            /// `own`, `platform` or `sandbox`; nil when not configured.
            public let account: String?
            public let capabilities: [ProviderCapability]
            public let secretKeyLast4: String?
        }
    }
}

/// Each app's clock: real time, plus the offset a test-mode app has advanced it by.
public enum Clocks {
    public static func now(for app: App.ID, store: Store) async throws -> Date {
        let offset = try await store.read { try await $0.clock(app).offset() }
        return store.clock.now().addingTimeInterval(Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18)
    }
}
