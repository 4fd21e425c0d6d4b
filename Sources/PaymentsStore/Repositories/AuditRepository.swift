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

/// One app's audit log: entries are appended unsealed with their change, and sealed into the
/// app's hash chain by ``AuditSealer`` soon after.
public struct AuditRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, sequence, actor_id, key_id, action_type, target_type, target_id, payload_snapshot,
        request_id, created_at, previous_hash, hash
        """

    /// Appends one unsealed entry: one insert, no lock on the chain, so writes to one app do not
    /// wait on each other for it.
    func append(_ record: AuditRecord, origin: Origin) async throws -> AuditEntry {
        let entry = AuditEntry(
            id: session.ids.next(AuditEntry.self, at: session.now),
            appID: appID,
            actorID: origin.actor.actorID,
            keyID: origin.actor.keyID?.rawValue,
            actionType: record.action.rawValue,
            targetType: record.targetType.rawValue,
            targetID: record.targetID,
            payloadSnapshot: record.payloadSnapshot,
            requestID: origin.requestID,
            createdAt: session.now
        )
        try await session.db.raw(
            """
            INSERT INTO audit_logs (id, app_id, actor_id, key_id, action_type, target_type, target_id, payload_snapshot,
                request_id, created_at)
            VALUES (\(bind: entry.id.rawValue), \(bind: appID.rawValue), \(bind: entry.actorID), \(bind: entry.keyID),
                    \(bind: entry.actionType), \(bind: entry.targetType), \(bind: entry.targetID), \(bind: entry.payloadSnapshot),
                    \(bind: entry.requestID), \(bind: entry.createdAt.millis))
            """
        ).run()
        return entry
    }

    /// Entries newest first (by id: ids are in the order of the app's clock), sealed or not.
    /// `startingAfter` is an entry id.
    public func list(_ filter: AuditFilter, _ page: PageRequest) async throws -> Page<AuditEntry> {
        var conditions: [SQLQueryString] = ["app_id = \(bind: appID.rawValue)"]
        if let value = filter.actionType { conditions.append("action_type = \(bind: value)") }
        if let value = filter.targetType { conditions.append("target_type = \(bind: value)") }
        if let value = filter.targetID { conditions.append("target_id = \(bind: value)") }
        if let value = filter.actorID { conditions.append("actor_id = \(bind: value)") }
        if let value = filter.createdGTE { conditions.append("created_at >= \(bind: value.millis)") }
        if let value = filter.createdLT { conditions.append("created_at < \(bind: value.millis)") }
        if let cursor = page.startingAfter { conditions.append("id < \(bind: cursor)") }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM audit_logs WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// Sealed entries in chain order from `sequence` on, at most `limit`.
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

    /// Entries not sealed yet: how many, and when the oldest was written.
    public func unsealed() async throws -> (count: Int64, oldest: Date?) {
        let row = try await session.db.raw(
            """
            SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM audit_logs
            WHERE app_id = \(bind: appID.rawValue) AND sequence IS NULL
            """
        ).first()
        return (try row?.decode(column: "n", as: Int64.self) ?? 0, try row?.optionalDate("oldest"))
    }

    static func decode(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(
            id: AuditEntry.ID(rawValue: try row.decode(column: "id", as: String.self)),
            appID: App.ID(rawValue: try row.decode(column: "app_id", as: String.self)),
            actorID: try row.decode(column: "actor_id", as: String.self),
            keyID: try row.decode(column: "key_id", as: String?.self),
            actionType: try row.decode(column: "action_type", as: String.self),
            targetType: try row.decode(column: "target_type", as: String.self),
            targetID: try row.decode(column: "target_id", as: String.self),
            payloadSnapshot: try row.decode(column: "payload_snapshot", as: String.self),
            requestID: try row.decode(column: "request_id", as: String?.self),
            createdAt: try row.date("created_at"),
            seal: try row.decode(column: "sequence", as: Int64?.self).map { sequence in
                AuditEntry.Seal(
                    sequence: sequence,
                    previousHash: try row.decode(column: "previous_hash", as: String.self),
                    hash: try row.decode(column: "hash", as: String.self)
                )
            }
        )
    }
}
