import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// API keys, found by hash.
public struct APIKeyRepository: Sendable {
    let session: Session

    static let columns: SQLQueryString = "id, app_id, display_prefix, key_hash, created_at, expires_at, revoked_at, kind"

    public func insert(_ key: APIKey) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO api_keys (id, app_id, display_prefix, key_hash, created_at, expires_at, revoked_at, kind)
            VALUES (\(bind: key.id.rawValue), \(bind: key.appID.rawValue), \(bind: key.displayPrefix),
                    \(bind: key.hash), \(bind: key.createdAt.millis), \(bind: key.expiresAt?.millis),
                    \(bind: key.revokedAt?.millis), \(bind: key.kind.rawValue))
            """
        ).run()
    }

    /// A key and the app it belongs to, by the key's hash: what authentication needs.
    public func authenticate(hash: String) async throws -> (key: APIKey, app: App)? {
        try await session.first(KeyByHash(hash: hash))
    }

    /// Authentication's look-up, prepared (it runs whenever a key is not in the key cache).
    struct KeyByHash: PreparedRead {
        static let sql = """
            SELECT k.id, k.app_id, k.display_prefix, k.key_hash, k.created_at, k.expires_at, k.revoked_at, k.kind,
                   a.name AS app_name, a.mode AS app_mode, a.created_at AS app_created_at,
                   a.grace_period_days AS app_grace_period_days
            FROM api_keys k JOIN apps a ON a.id = k.app_id
            WHERE k.key_hash = $1
            """
        let hash: String
        var values: [PreparedValue] { [.text(hash)] }

        static func decode(_ row: any SQLRow) throws -> (key: APIKey, app: App) {
            let key = try APIKeyRepository.decode(row)
            let app = App(
                id: key.appID,
                name: try row.decode(column: "app_name", as: String.self),
                mode: App.Mode(rawValue: try row.decode(column: "app_mode", as: String.self)) ?? .test,
                createdAt: try row.date("app_created_at"),
                gracePeriodDays: try row.decode(column: "app_grace_period_days", as: Int?.self)
            )
            return (key, app)
        }
    }

    public func list(appID: App.ID) async throws -> [APIKey] {
        try await session.db.raw(
            "SELECT \(Self.columns) FROM api_keys WHERE app_id = \(bind: appID.rawValue) ORDER BY id DESC"
        ).all().map(Self.decode)
    }

    public func find(_ id: APIKey.ID, appID: App.ID) async throws -> APIKey? {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM api_keys
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    /// Gives every usable key of `kind` of the app without an earlier expiry the expiry `time`.
    /// - Returns: the keys changed.
    public func expireUsable(appID: App.ID, kind: APIKey.Kind, at time: Date) async throws -> [APIKey] {
        _ = try session.requireWrite()
        return try await session.db.raw(
            """
            UPDATE api_keys SET expires_at = \(bind: time.millis)
            WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue) AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > \(bind: time.millis))
            RETURNING \(Self.columns)
            """
        ).all().map(Self.decode)
    }

    public func revoke(_ id: APIKey.ID, appID: App.ID, at time: Date) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE api_keys SET revoked_at = \(bind: time.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue) AND revoked_at IS NULL
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> APIKey {
        APIKey(
            id: APIKey.ID(rawValue: try row.decode(column: "id", as: String.self)),
            appID: App.ID(rawValue: try row.decode(column: "app_id", as: String.self)),
            displayPrefix: try row.decode(column: "display_prefix", as: String.self),
            hash: try row.decode(column: "key_hash", as: String.self),
            createdAt: try row.date("created_at"),
            expiresAt: try row.optionalDate("expires_at"),
            revokedAt: try row.optionalDate("revoked_at"),
            kind: try row.enumValue("kind")
        )
    }
}
