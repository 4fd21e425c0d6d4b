import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Apps {}

extension Apps {
    /// Creating apps, issuing, rotating and revoking their keys, and recognising a key.
    ///
    /// A class: every request of its routes holds it, and a class is shared by one reference.
    public final class Service: Sendable {
        let store: Store
        let keyCache: KeyCache

        /// - Parameter keyCache: shared by every request of this instance; `KeyCache(ttl: .zero)`
        ///   looks every key up.
        public init(store: Store, keyCache: KeyCache = KeyCache(ttl: .zero)) {
            self.store = store
            self.keyCache = keyCache
        }

        /// A key as shown once, when it is made.
        public struct IssuedKey: Sendable {
            public let key: APIKey
            public let secret: Secret<String>
        }

        /// Creates an app with its first keys: a secret key, and a publishable key beside it.
        /// - Returns: the app and its keys; neither key is kept and cannot be shown again.
        public func create(
            name: String,
            mode: App.Mode,
            gracePeriodDays: Int? = nil,
            origin: Origin
        ) async throws -> (App, IssuedKey, publishable: IssuedKey) {
            let name = try App.validate(name: name)
            if let gracePeriodDays { try App.validate(gracePeriodDays: gracePeriodDays) }
            return try await store.write(origin, app: nil) { session in
                let app = App(
                    id: session.ids.next(App.self, at: session.now),
                    name: name,
                    mode: mode,
                    createdAt: session.now,
                    gracePeriodDays: gracePeriodDays
                )
                try await session.apps.insert(app)
                let issued = try await issueKey(for: app, kind: .secret, session)
                let publishable = try await issueKey(for: app, kind: .publishable, session)
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .createApp,
                        target: app.id,
                        snapshot: AppSnapshot(app: app, key: issued.key, publishable: publishable.key)
                    )
                )
                return (app, issued, publishable)
            }
        }

        /// Renames the app or changes its default grace period length (`.clear`: back to 7 days).
        public func update(_ id: App.ID, name: String?, gracePeriodDays: Patch<Int>, origin: Origin) async throws -> App {
            let name = try name.map { try App.validate(name: $0) }
            if case .set(let days) = gracePeriodDays { try App.validate(gracePeriodDays: days) }
            return try await store.write(origin, app: id) { session in
                guard var app = try await session.apps.find(id) else { throw PaymentsError.notFound(.appNotFound, id: id.rawValue) }
                if let name { app.name = name }
                switch gracePeriodDays {
                case .unchanged: break
                case .clear: app.gracePeriodDays = nil
                case .set(let days): app.gracePeriodDays = days
                }
                try await session.apps.update(app)
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .updateApp,
                        target: app.id,
                        snapshot: ["name": app.name, "grace_period_days": app.gracePeriodDays.map(String.init) ?? "default"]
                    )
                )
                return app
            }
        }

        public func list(_ page: PageRequest) async throws -> Page<App> {
            try page.requireCursor(of: App.self)
            return try await store.read { try await $0.apps.list(page) }
        }

        public func get(_ id: App.ID) async throws -> App {
            guard let app = try await store.read({ try await $0.apps.find(id) }) else {
                throw PaymentsError.notFound(.appNotFound, id: id.rawValue)
            }
            return app
        }

        public func keys(of id: App.ID) async throws -> [APIKey] {
            _ = try await get(id)
            return try await store.read { try await $0.keys.list(appID: id) }
        }

        /// Issues a new key of `kind`; the app's other usable keys of that kind keep working for
        /// `overlap`, then expire.
        /// - Parameter overlap: how long the old keys keep working; zero ends them now.
        public func rotateKey(of id: App.ID, kind: APIKey.Kind = .secret, overlap: Duration, origin: Origin) async throws -> IssuedKey {
            guard APIKey.overlapRule.range.contains(overlap.components.seconds) else {
                throw PaymentsError.invalid("expires_in", "expires_in must be between 0 and 2592000 seconds.")
            }
            defer { keyCache.invalidate(app: id) }
            return try await store.write(origin, app: id) { session in
                guard let app = try await session.apps.find(id) else {
                    throw PaymentsError.notFound(.appNotFound, id: id.rawValue)
                }
                // Keys authenticate real requests: they expire on real time, whatever the app's test clock says.
                let expiry = session.wallClock.addingTimeInterval(Double(overlap.components.seconds))
                let expiring = try await session.keys.expireUsable(appID: id, kind: kind, at: expiry)
                let issued = try await issueKey(for: app, kind: kind, session)
                try await session.audit(
                    id,
                    try AuditRecord(
                        action: .rotateKey,
                        target: issued.key.id,
                        snapshot: RotationSnapshot(
                            key: KeySnapshot(issued.key),
                            expiring: expiring.map(KeySnapshot.init)
                        )
                    )
                )
                return issued
            }
        }

        /// Revokes a key at once.
        public func revokeKey(_ keyID: APIKey.ID, of id: App.ID, origin: Origin) async throws -> APIKey {
            defer { keyCache.invalidate(app: id) }
            return try await store.write(origin, app: id) { session in
                guard var key = try await session.keys.find(keyID, appID: id) else {
                    throw PaymentsError.notFound(.apiKeyNotFound, id: keyID.rawValue)
                }
                if key.revokedAt == nil {
                    try await session.keys.revoke(keyID, appID: id, at: session.wallClock)
                    key.revokedAt = session.wallClock
                }
                try await session.audit(
                    id,
                    try AuditRecord(action: .revokeKey, target: keyID, snapshot: KeySnapshot(key))
                )
                return key
            }
        }

        /// The app and key behind a bearer token.
        /// - Throws: `PaymentsError` (`api_key_invalid`, `api_key_expired`, `api_key_revoked`).
        public func authenticate(bearer token: String) async throws -> AuthenticatedKey {
            guard KeyMaterial.mode(of: token) != nil else {
                throw PaymentsError.unauthenticated("Invalid API key: keys look like sk_test_... or sk_live_... (pk_... for the public routes).")
            }
            let digest = KeyMaterial.digest(token)
            let now = store.clock.now()
            let found: AuthenticatedKey
            if let cached = keyCache.lookup(digest, now: now) {
                found = cached
            } else {
                let hash = digest.hex
                guard let (key, app) = try await store.read({ try await $0.keys.authenticate(hash: hash) }) else {
                    throw PaymentsError.unauthenticated("Invalid API key provided: \(KeyMaterial.displayPrefix(token))****.")
                }
                found = AuthenticatedKey(app: app, key: key)
                keyCache.store(digest, found, now: now)
            }
            switch found.key.state(at: now) {
            case .active, .expiring: return found
            case .expired:
                throw PaymentsError(.authentication, code: .apiKeyExpired, message: "This API key has expired: it was rotated.")
            case .revoked:
                throw PaymentsError(.authentication, code: .apiKeyRevoked, message: "This API key has been revoked.")
            }
        }

        private func issueKey(for app: App, kind: APIKey.Kind, _ session: Session) async throws -> IssuedKey {
            let secret = KeyMaterial.generate(mode: app.mode, kind: kind)
            let key = APIKey(
                id: session.ids.next(APIKey.self, at: session.wallClock),
                appID: app.id,
                displayPrefix: KeyMaterial.displayPrefix(secret.value),
                hash: KeyMaterial.hash(secret.value),
                createdAt: session.wallClock,
                expiresAt: nil,
                revokedAt: nil,
                kind: kind
            )
            try await session.keys.insert(key)
            return IssuedKey(key: key, secret: secret)
        }
    }
}

/// What the audit log keeps of keys: never the key, only its id and prefix.
struct KeySnapshot: Encodable {
    let id: String
    let kind: String
    let prefix: String
    let expires_at: Int64?
    let revoked_at: Int64?

    init(_ key: APIKey) {
        id = key.id.rawValue
        kind = key.kind.rawValue
        prefix = key.displayPrefix
        expires_at = key.expiresAt.map(Timestamp.milliseconds)
        revoked_at = key.revokedAt.map(Timestamp.milliseconds)
    }
}

struct AppSnapshot: Encodable {
    let name: String
    let mode: String
    let key: KeySnapshot
    let publishable_key: KeySnapshot

    init(app: App, key: APIKey, publishable: APIKey) {
        name = app.name
        mode = app.mode.rawValue
        self.key = KeySnapshot(key)
        publishable_key = KeySnapshot(publishable)
    }
}

struct RotationSnapshot: Encodable {
    let key: KeySnapshot
    let expiring: [KeySnapshot]
}
