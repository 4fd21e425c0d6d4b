import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Seals audit entries into their apps' hash chains, off the request path.
///
/// A write inserts its entry unsealed, in the same transaction as its change, so the change and
/// its entry commit together and writes to one app never wait on each other for the chain. The
/// sealer then takes committed unsealed entries, oldest first per app, gives each the next
/// sequence after its app's head and the hash over its content and the previous hash, and moves
/// the head: all in one transaction, on one instance at a time (PostgreSQL: a transaction-scoped
/// advisory lock; SQLite: its single writer).
///
/// Until an entry is sealed (normally well under a second; see `AuditSealingWorker`) it can be
/// read and listed but is not yet protected: `payments audit verify` detects any edited, deleted
/// or inserted *sealed* entry and reports unsealed ones separately.
public struct AuditSealer: Sendable {
    let backend: any StoreBackend

    /// At most this many entries are sealed in one transaction.
    public static let batchSize = 1000

    /// Seals up to ``batchSize`` committed unsealed entries.
    /// - Returns: how many it sealed: 0 when none wait, or another instance is sealing now.
    @discardableResult
    public func sealPending() async throws -> Int {
        try await backend.transaction { db in
            guard try await db.takeLock(Self.lockKey, engine: backend.engine, wait: false) else { return 0 }
            let pending = try await db.raw(
                """
                SELECT \(AuditRepository.columns) FROM audit_logs WHERE sequence IS NULL
                ORDER BY app_id, id LIMIT \(bind: Self.batchSize)
                """
            ).all().map(AuditRepository.decode)
            var sealed: [AuditEntry] = []
            for (app, entries) in Dictionary(grouping: pending, by: \.appID) {
                guard
                    let head = try await db.raw(
                        "SELECT sequence, hash FROM audit_heads WHERE app_id = \(bind: app.rawValue)\(backend.engine.forUpdate)"
                    ).first()
                else { throw StoreError.inconsistent("app \(app) has no audit chain head") }
                var sequence = try head.decode(column: "sequence", as: Int64.self)
                var previousHash = try head.decode(column: "hash", as: String.self)
                for entry in entries.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
                    sequence += 1
                    let entry = entry.sealed(sequence: sequence, previousHash: previousHash)
                    previousHash = entry.seal!.hash
                    sealed.append(entry)
                }
                try await db.raw(
                    "UPDATE audit_heads SET sequence = \(bind: sequence), hash = \(bind: previousHash) WHERE app_id = \(bind: app.rawValue)"
                ).run()
            }
            try await write(sealed, db)
            return sealed.count
        }
    }

    /// Records the seals: PostgreSQL in one statement over arrays; SQLite a prepared update per
    /// entry (in process, that is cheaper than building one large statement).
    private func write(_ entries: [AuditEntry], _ db: any SQLDatabase) async throws {
        guard !entries.isEmpty else { return }
        let seals = entries.map { $0.seal! }
        switch backend.engine {
        case .postgres:
            try await db.raw(
                """
                UPDATE audit_logs AS a SET sequence = s.sequence, previous_hash = s.previous_hash, hash = s.hash
                FROM unnest(\(bind: entries.map(\.id.rawValue)), \(bind: seals.map(\.sequence)), \(bind: seals.map(\.previousHash)),
                    \(bind: seals.map(\.hash))) AS s(id, sequence, previous_hash, hash)
                WHERE a.id = s.id AND a.sequence IS NULL
                """
            ).run()
        case .sqlite:
            for (entry, seal) in zip(entries, seals) {
                try await db.raw(
                    """
                    UPDATE audit_logs SET sequence = \(bind: seal.sequence), previous_hash = \(bind: seal.previousHash),
                        hash = \(bind: seal.hash)
                    WHERE id = \(bind: entry.id.rawValue) AND sequence IS NULL
                    """
                ).run()
            }
        }
    }

    /// Names the sealer's advisory lock ("auditsea" in ASCII).
    static let lockKey: Int64 = 0x6175_6469_7473_6561
}

extension SQLDatabase {
    /// Takes the transaction-scoped lock `key` names, so one instance at a time does a pass
    /// (PostgreSQL's advisory lock; SQLite's write transactions are exclusive already).
    /// - Parameter wait: wait for the holder's transaction to end instead of giving up.
    /// - Returns: false when another transaction holds it and `wait` is false.
    func takeLock(_ key: Int64, engine: SQLEngine, wait: Bool) async throws -> Bool {
        guard engine == .postgres else { return true }
        if wait {
            try await raw("SELECT pg_advisory_xact_lock(\(bind: key))").run()
            return true
        }
        return try await raw("SELECT pg_try_advisory_xact_lock(\(bind: key)) AS locked").first()?
            .decode(column: "locked", as: Bool.self) == true
    }
}

extension SQLEngine {
    /// `FOR UPDATE` where the engine has it (PostgreSQL). SQLite's write transactions are
    /// exclusive already.
    var forUpdate: SQLQueryString { self == .postgres ? " FOR UPDATE" : "" }
}
