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

        /// A Stripe secret or restricted key (`sk_test_...`, `rk_live_...`).
        public static let secretKeyRule = TextRule(
            length: 9...255,
            prefixes: ["sk_test_", "sk_live_", "rk_test_", "rk_live_"],
            characters: .word
        )
        /// A webhook signing secret (`whsec_...`), and how many an account may list.
        public static let webhookSecretRule = TextRule(length: 7...255, prefixes: ["whsec_"], characters: .nonSpace)
        public static let webhookSecretCount = 1...5

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
            store: Store,
            secrets: SecretBox,
            platformStripe: StripeCredentials?,
            makeStripe: (@Sendable (StripeCredentials, _ account: String) -> any PaymentProvider)?,
            makeSandbox: @escaping @Sendable (App, _ now: @escaping @Sendable () async throws -> Date) -> any PaymentProvider
        ) {
            self.store = store
            self.secrets = secrets
            self.platformStripe = platformStripe
            self.makeStripe = makeStripe
            self.makeSandbox = makeSandbox
        }

        /// The provider that serves `app` now: its own Stripe account, else the platform's of the
        /// same mode, else — for a test-mode app only — the sandbox.
        /// - Throws: 400 `provider_not_configured` for a live app with no live provider: the
        ///   sandbox "succeeds" at everything, so a live app must never reach it.
        public func provider(for app: App) async throws -> any PaymentProvider {
            if let makeStripe {
                if let own = try await ownStripe(app) { return makeStripe(own, app.id.rawValue) }
                if platformServes(app), let platformStripe { return makeStripe(platformStripe, "platform") }
            }
            guard app.mode == .test else { throw PaymentsError.providerNotConfigured }
            return sandbox(for: app)
        }

        /// Whether the platform's Stripe account (of the app's mode) serves apps without their own.
        public func platformServes(_ app: App) -> Bool {
            guard makeStripe != nil, let platformStripe else { return false }
            return StripeCredentials.mode(ofKey: platformStripe.secretKey.value) == app.mode
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

        /// Every provider and whether it serves this app. A live app without a live Stripe
        /// account has no active provider: the sandbox is listed as not configured for it.
        public func statuses(for app: App) async throws -> [Status] {
            let own = try await ownStripe(app)
            let stripeAccount = makeStripe == nil ? nil : (own != nil ? "own" : (platformServes(app) ? "platform" : nil))
            let active: ProviderName? = stripeAccount != nil ? .stripe : (app.mode == .test ? .sandbox : nil)
            let sandbox = sandbox(for: app)
            let stripeCapabilities: [ProviderCapability] =
                makeStripe.map { $0(StripeCredentials(secretKey: Secret("sk_test_probe"), webhookSecrets: []), "probe").capabilities } ?? []
            let stripeKey = own ?? (stripeAccount == "platform" ? platformStripe : nil)
            return [
                Status(
                    name: .sandbox,
                    configured: app.mode == .test,
                    active: active == .sandbox,
                    account: app.mode == .test ? "sandbox" : nil,
                    capabilities: sandbox.capabilities,
                    secretKeyLast4: nil,
                    detail: app.mode == .test ? nil : "The sandbox serves test-mode apps only. \(PaymentsError.configureProvider)"
                ),
                Status(
                    name: .stripe,
                    configured: stripeAccount != nil,
                    active: active == .stripe,
                    account: stripeAccount,
                    capabilities: stripeCapabilities,
                    secretKeyLast4: stripeKey.map { String($0.secretKey.value.suffix(4)) },
                    detail: stripeAccount != nil ? nil : "No \(app.mode.rawValue)-mode Stripe account. \(PaymentsError.configureProvider)"
                ),
            ]
        }

        public struct Status: Sendable {
            public let name: ProviderName
            public let configured: Bool
            public let active: Bool
            /// `own`, `platform` or `sandbox`; nil when not configured.
            public let account: String?
            public let capabilities: [ProviderCapability]
            public let secretKeyLast4: String?
            /// Why the provider does not serve the app, and how to make it; nil when it can.
            public let detail: String?
        }
    }
}

/// Each app's clock: real time, plus the offset a test-mode app has advanced it by.
public enum Clocks {
    public static func now(for app: App.ID, store: Store) async throws -> Date {
        try await store.now(of: app)
    }
}
