import PaymentsDomain
import SQLKit
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Operations sent to providers, recorded before each call.
public struct ProviderOperationRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, request_key, kind, target_id, provider, status, provider_object_id, error_code, attempts,
        created_at, updated_at
        """

    /// The operation an earlier attempt of the same request (same `Idempotency-Key`) started.
    public func find(kind: ProviderOperation.Kind, requestKey: String) async throws -> ProviderOperation? {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM provider_operations
            WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue) AND request_key = \(bind: requestKey)
            \(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    /// The operation of `kind` that made the object of ours `targetID`.
    public func find(kind: ProviderOperation.Kind, targetID: String) async throws -> ProviderOperation? {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM provider_operations
            WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue) AND target_id = \(bind: targetID)
            """
        ).first().map(Self.decode)
    }

    public func find(_ id: ProviderOperation.ID) async throws -> ProviderOperation? {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM provider_operations
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    public func insert(_ o: ProviderOperation) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO provider_operations (\(Self.columns))
            VALUES (\(bind: o.id.rawValue), \(bind: appID.rawValue), \(bind: o.requestKey), \(bind: o.kind.rawValue),
                    \(bind: o.targetID), \(bind: o.provider.rawValue), \(bind: o.status.rawValue), \(bind: o.providerObjectID),
                    \(bind: o.errorCode), \(bind: o.attempts), \(bind: o.createdAt.millis), \(bind: o.updatedAt.millis))
            """
        ).run()
    }

    public func update(_ o: ProviderOperation) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE provider_operations SET status = \(bind: o.status.rawValue), provider_object_id = \(bind: o.providerObjectID),
                error_code = \(bind: o.errorCode), attempts = \(bind: o.attempts), updated_at = \(bind: o.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: o.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> ProviderOperation {
        ProviderOperation(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            requestKey: try row.decode(column: "request_key", as: String?.self),
            kind: try row.enumValue("kind"),
            targetID: try row.decode(column: "target_id", as: String.self),
            provider: try row.enumValue("provider"),
            status: try row.enumValue("status"),
            providerObjectID: try row.decode(column: "provider_object_id", as: String?.self),
            errorCode: try row.decode(column: "error_code", as: String?.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}

/// Operations whose outcome is not known yet, across apps (for the reconciler).
extension Store {
    /// Operations pending or unknown and untouched since `before`, oldest first.
    public func unsettledOperations(before: Date, limit: Int) async throws -> [ProviderOperation] {
        try await read { session in
            try await session.db.raw(
                """
                SELECT \(ProviderOperationRepository.columns) FROM provider_operations
                WHERE status IN ('pending', 'unknown') AND updated_at < \(bind: before.millis)
                ORDER BY updated_at LIMIT \(bind: limit)
                """
            ).all().map(ProviderOperationRepository.decode)
        }
    }
}

/// Our object → the provider's object, per provider account (customers, catalog prices).
public struct ProviderObjectRepository: Sendable {
    let session: Session
    let appID: App.ID

    public func find(provider: ProviderName, account: String, objectID: String) async throws -> String? {
        try await session.db.raw(
            """
            SELECT provider_object_id FROM provider_objects
            WHERE app_id = \(bind: appID.rawValue) AND provider = \(bind: provider.rawValue)
              AND account = \(bind: account) AND object_id = \(bind: objectID)
            """
        ).first()?.decode(column: "provider_object_id", as: String.self)
    }

    /// Our object for a provider object id.
    public func objectID(provider: ProviderName, account: String, providerObjectID: String) async throws -> String? {
        try await session.db.raw(
            """
            SELECT object_id FROM provider_objects
            WHERE app_id = \(bind: appID.rawValue) AND provider = \(bind: provider.rawValue)
              AND account = \(bind: account) AND provider_object_id = \(bind: providerObjectID)
            """
        ).first()?.decode(column: "object_id", as: String.self)
    }

    /// Remembers the mapping; a mapping made by a concurrent request first is kept.
    /// - Returns: the provider id now recorded.
    public func remember(
        provider: ProviderName,
        account: String,
        objectID: String,
        providerObjectID: String
    )
        async throws -> String
    {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO provider_objects (app_id, provider, account, object_id, provider_object_id, created_at)
            VALUES (\(bind: appID.rawValue), \(bind: provider.rawValue), \(bind: account), \(bind: objectID),
                    \(bind: providerObjectID), \(bind: session.now.millis))
            ON CONFLICT (app_id, provider, account, object_id) DO NOTHING
            """
        ).run()
        return try await find(provider: provider, account: account, objectID: objectID) ?? providerObjectID
    }
}

/// Test-mode apps' clock offsets as last read or set by this instance, trusted for `ttl`: a write
/// takes its app's time without a read each time. An advance made here is seen at once; one made
/// through another instance, within `ttl`.
final class AppClockCache: Sendable {
    private struct Entry {
        var offset: Duration
        var readAt: ContinuousClock.Instant
        /// When a reader was told to read it again (others go on with the offset meanwhile).
        var refreshing: ContinuousClock.Instant?
    }

    private let entries = Mutex<[App.ID: Entry]>([:])
    let ttl: Duration

    init(ttl: Duration) { self.ttl = ttl }

    /// The offset while it is trusted, else nil (the caller reads it).
    func offset(of app: App.ID) -> Duration? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[app], now - entry.readAt < ttl else { return nil }
            return entry.offset
        }
    }

    /// The offset known, even past `ttl`: then one caller at a time (for at most `ttl`) is told to
    /// read it again, and the others take the known one rather than each waiting on the same read
    /// (a busy app's reads of its time would otherwise all miss together once a second).
    func offsetOrRefresh(of app: App.ID) -> (offset: Duration, refresh: Bool)? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard var entry = entries[app] else { return nil }
            if now - entry.readAt < ttl { return (entry.offset, false) }
            if let since = entry.refreshing, now - since < ttl { return (entry.offset, false) }
            entry.refreshing = now
            entries[app] = entry
            return (entry.offset, true)
        }
    }

    func remember(_ offset: Duration, of app: App.ID) {
        let now = ContinuousClock.now
        entries.withLock { $0[app] = Entry(offset: offset, readAt: now, refreshing: nil) }
    }
}

/// Each test-mode app's clock: an offset from real time that only grows.
public struct AppClockRepository: Sendable {
    let session: Session
    let appID: App.ID

    public func offset() async throws -> Duration {
        let ms = try await session.db.raw(
            "SELECT offset_ms FROM app_clocks WHERE app_id = \(bind: appID.rawValue)\(session.forUpdate)"
        ).first()?.decode(column: "offset_ms", as: Int64.self)
        return .milliseconds(ms ?? 0)
    }

    /// The app's offset, if it has ever advanced its clock (read as a transaction's first step).
    static func offset(of app: App.ID, db: any SQLDatabase) async throws -> Duration? {
        try await db.raw("SELECT offset_ms FROM app_clocks WHERE app_id = \(bind: app.rawValue)").first()
            .map { .milliseconds(try $0.decode(column: "offset_ms", as: Int64.self)) }
    }

    public func setOffset(_ offset: Duration) async throws {
        _ = try session.requireWrite()
        let ms = offset.milliseconds
        try await session.db.raw(
            """
            INSERT INTO app_clocks (app_id, offset_ms, updated_at)
            VALUES (\(bind: appID.rawValue), \(bind: ms), \(bind: session.now.millis))
            ON CONFLICT (app_id) DO UPDATE SET offset_ms = \(bind: ms), updated_at = \(bind: session.now.millis)
            """
        ).run()
        session.noteClockSet(appID, offset)
    }
}

/// An app's own provider credentials, sealed (encrypted) by the caller before they get here.
public struct ProviderAccountRecord: Sendable, Equatable {
    public let provider: ProviderName
    public let secretKeySealed: String
    public let secretKeyLast4: String
    public let webhookSecretsSealed: String
    public let createdAt: Date
    public let updatedAt: Date

    public init(
        provider: ProviderName,
        secretKeySealed: String,
        secretKeyLast4: String,
        webhookSecretsSealed: String,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.provider = provider
        self.secretKeySealed = secretKeySealed
        self.secretKeyLast4 = secretKeyLast4
        self.webhookSecretsSealed = webhookSecretsSealed
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct ProviderAccountRepository: Sendable {
    let session: Session
    let appID: App.ID

    public func find(_ provider: ProviderName) async throws -> ProviderAccountRecord? {
        try await session.db.raw(
            """
            SELECT provider, secret_key_sealed, secret_key_last4, webhook_secrets_sealed, created_at, updated_at
            FROM provider_accounts WHERE app_id = \(bind: appID.rawValue) AND provider = \(bind: provider.rawValue)
            """
        ).first().map { row in
            ProviderAccountRecord(
                provider: try row.enumValue("provider"),
                secretKeySealed: try row.decode(column: "secret_key_sealed", as: String.self),
                secretKeyLast4: try row.decode(column: "secret_key_last4", as: String.self),
                webhookSecretsSealed: try row.decode(column: "webhook_secrets_sealed", as: String.self),
                createdAt: try row.date("created_at"),
                updatedAt: try row.date("updated_at")
            )
        }
    }

    /// - Returns: whether the account was created (else replaced).
    @discardableResult
    public func put(_ record: ProviderAccountRecord) async throws -> Bool {
        _ = try session.requireWrite()
        let existed = try await find(record.provider) != nil
        try await session.db.raw(
            """
            INSERT INTO provider_accounts (app_id, provider, secret_key_sealed, secret_key_last4, webhook_secrets_sealed,
                                           created_at, updated_at)
            VALUES (\(bind: appID.rawValue), \(bind: record.provider.rawValue), \(bind: record.secretKeySealed),
                    \(bind: record.secretKeyLast4), \(bind: record.webhookSecretsSealed), \(bind: record.createdAt.millis),
                    \(bind: record.updatedAt.millis))
            ON CONFLICT (app_id, provider) DO UPDATE SET secret_key_sealed = \(bind: record.secretKeySealed),
                secret_key_last4 = \(bind: record.secretKeyLast4), webhook_secrets_sealed = \(bind: record.webhookSecretsSealed),
                updated_at = \(bind: record.updatedAt.millis)
            """
        ).run()
        return !existed
    }
}
