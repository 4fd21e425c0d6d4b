import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Filters on an app's audit log.
public struct AuditFilter: Sendable, Equatable {
    public var actionType: String?
    public var targetType: String?
    public var targetID: String?
    public var actorID: String?
    public var createdGTE: Date?
    public var createdLT: Date?

    public init(
        actionType: String? = nil,
        targetType: String? = nil,
        targetID: String? = nil,
        actorID: String? = nil,
        createdGTE: Date? = nil,
        createdLT: Date? = nil
    ) {
        self.actionType = actionType
        self.targetType = targetType
        self.targetID = targetID
        self.actorID = actorID
        self.createdGTE = createdGTE
        self.createdLT = createdLT
    }
}

/// One app's audit chain.
public struct AuditRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, sequence, actor_id, key_id, action_type, target_type, target_id, payload_snapshot,
        request_id, created_at, previous_hash, hash
        """

    /// Appends one entry after the chain's head, which it locks until the transaction ends.
    func append(_ record: AuditRecord, origin: Origin) async throws -> AuditEntry {
        guard
            let head = try await session.db.raw(
                "SELECT sequence, hash FROM audit_heads WHERE app_id = \(bind: appID.rawValue)\(session.forUpdate)"
            ).first()
        else { throw StoreError.inconsistent("app \(appID) has no audit chain head") }
        let previousSequence = try head.decode(column: "sequence", as: Int64.self)
        let previousHash = try head.decode(column: "hash", as: String.self)
        let entry = AuditEntry.sealed(
            id: session.ids.next(AuditEntry.self, at: session.now),
            appID: appID,
            sequence: previousSequence + 1,
            actorID: origin.actor.actorID,
            keyID: origin.actor.keyID?.rawValue,
            actionType: record.action.rawValue,
            targetType: record.targetType.rawValue,
            targetID: record.targetID,
            payloadSnapshot: record.payloadSnapshot,
            requestID: origin.requestID,
            createdAt: session.now,
            previousHash: previousHash
        )
        try await session.db.raw(
            """
            INSERT INTO audit_logs (\(Self.columns))
            VALUES (\(bind: entry.id.rawValue), \(bind: appID.rawValue), \(bind: entry.sequence),
                    \(bind: entry.actorID), \(bind: entry.keyID), \(bind: entry.actionType), \(bind: entry.targetType),
                    \(bind: entry.targetID), \(bind: entry.payloadSnapshot), \(bind: entry.requestID),
                    \(bind: entry.createdAt.millis), \(bind: entry.previousHash), \(bind: entry.hash))
            """
        ).run()
        try await session.db.raw(
            """
            UPDATE audit_heads SET sequence = \(bind: entry.sequence), hash = \(bind: entry.hash)
            WHERE app_id = \(bind: appID.rawValue)
            """
        ).run()
        return entry
    }

    /// Entries newest first. `startingAfter` is an entry id.
    public func list(_ filter: AuditFilter, _ page: PageRequest) async throws -> Page<AuditEntry> {
        var conditions: [SQLQueryString] = ["app_id = \(bind: appID.rawValue)"]
        if let value = filter.actionType { conditions.append("action_type = \(bind: value)") }
        if let value = filter.targetType { conditions.append("target_type = \(bind: value)") }
        if let value = filter.targetID { conditions.append("target_id = \(bind: value)") }
        if let value = filter.actorID { conditions.append("actor_id = \(bind: value)") }
        if let value = filter.createdGTE { conditions.append("created_at >= \(bind: value.millis)") }
        if let value = filter.createdLT { conditions.append("created_at < \(bind: value.millis)") }
        if let cursor = page.startingAfter {
            conditions.append(
                """
                sequence < COALESCE((SELECT sequence FROM audit_logs
                    WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: cursor)), 0)
                """
            )
        }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM audit_logs WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY sequence DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// Entries in chain order from `sequence` on, at most `limit`.
    public func chain(from sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM audit_logs
            WHERE app_id = \(bind: appID.rawValue) AND sequence >= \(bind: sequence)
            ORDER BY sequence LIMIT \(bind: limit)
            """
        ).all().map(Self.decode)
    }

    /// The chain head: the last sequence and hash, as recorded beside the chain.
    public func head() async throws -> (sequence: Int64, hash: String)? {
        guard
            let row = try await session.db.raw(
                "SELECT sequence, hash FROM audit_heads WHERE app_id = \(bind: appID.rawValue)"
            ).first()
        else { return nil }
        return (try row.decode(column: "sequence", as: Int64.self), try row.decode(column: "hash", as: String.self))
    }

    static func decode(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(
            id: AuditEntry.ID(rawValue: try row.decode(column: "id", as: String.self)),
            appID: App.ID(rawValue: try row.decode(column: "app_id", as: String.self)),
            sequence: try row.decode(column: "sequence", as: Int64.self),
            actorID: try row.decode(column: "actor_id", as: String.self),
            keyID: try row.decode(column: "key_id", as: String?.self),
            actionType: try row.decode(column: "action_type", as: String.self),
            targetType: try row.decode(column: "target_type", as: String.self),
            targetID: try row.decode(column: "target_id", as: String.self),
            payloadSnapshot: try row.decode(column: "payload_snapshot", as: String.self),
            requestID: try row.decode(column: "request_id", as: String?.self),
            createdAt: try row.date("created_at"),
            previousHash: try row.decode(column: "previous_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self)
        )
    }
}
