import PaymentsDomain
import PaymentsStore
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sandbox provider's side of the world, kept in the service's database but apart from the
/// service's own tables, as a real provider keeps its own: JSON documents per app, creates
/// deduplicated by idempotency key. It is not audited (it stands in for an external system).
struct SandboxLedger: Sendable {
    let backend: any StoreBackend
    let appID: App.ID
    let ids: IDGenerator

    enum Kind: String {
        case customer, price, subscription, payment, refund, checkout, portal, meterEvent, item, invoice
        var prefix: String {
            switch self {
            case .customer: "sbcus"
            case .price: "sbprice"
            case .subscription: "sbsub"
            case .payment: "sbpi"
            case .refund: "sbre"
            case .checkout: "sbcs"
            case .portal: "sbps"
            case .meterEvent: "sbme"
            case .item: "sbsi"
            case .invoice: "sbin"
            }
        }
    }

    /// Two transactions made the same object under one idempotency key at once; the loser runs
    /// again and finds the winner's.
    struct Conflict: Error {}

    /// Runs `body` in one transaction on the ledger, again if it lost an idempotency race.
    func transaction<T: Sendable>(_ body: @Sendable (Tx) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await backend.transaction { db in
                    try await body(Tx(db: db, appID: appID, ids: ids, forUpdate: backend.engine == .postgres))
                }
            } catch is Conflict where attempt < 3 {
                attempt += 1
            }
        }
    }

    func read<T: Sendable>(_ body: @Sendable (Tx) async throws -> T) async throws -> T {
        try await backend.read { db in try await body(Tx(db: db, appID: appID, ids: ids, forUpdate: false)) }
    }

    struct Tx: Sendable {
        let db: any SQLDatabase
        let appID: App.ID
        let ids: IDGenerator
        let forUpdate: Bool

        var lock: SQLQueryString { forUpdate ? " FOR UPDATE" : "" }

        func newID(_ kind: Kind, at time: Date) -> String { ids.next(prefix: kind.prefix, at: time) }

        func get<T: Decodable>(_ kind: Kind, _ id: String, as type: T.Type) async throws -> T? {
            guard
                let row = try await db.raw(
                    """
                    SELECT data FROM sandbox_objects
                    WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue) AND id = \(bind: id)\(lock)
                    """
                ).first()
            else { return nil }
            return try Self.decode(T.self, from: Data(try row.decode(column: "data", as: String.self).utf8))
        }

        /// Whether the object exists (without reading it). In a transaction on PostgreSQL the row
        /// is held as a foreign key holds it (`FOR KEY SHARE`): it cannot go away before the
        /// commit, and charges of one customer do not queue on each other.
        func exists(_ kind: Kind, _ id: String) async throws -> Bool {
            let lock: SQLQueryString = forUpdate ? " FOR KEY SHARE" : ""
            return try await db.raw(
                """
                SELECT id FROM sandbox_objects
                WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue) AND id = \(bind: id)\(lock)
                """
            ).first() != nil
        }

        func find<T: Decodable>(_ kind: Kind, idempotencyKey: String, as type: T.Type) async throws -> T? {
            guard
                let row = try await db.raw(
                    """
                    SELECT data FROM sandbox_objects
                    WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue)
                      AND idempotency_key = \(bind: idempotencyKey)\(lock)
                    """
                ).first()
            else { return nil }
            return try Self.decode(T.self, from: Data(try row.decode(column: "data", as: String.self).utf8))
        }

        func all<T: Decodable>(_ kind: Kind, parent: String? = nil, as type: T.Type) async throws -> [T] {
            let filter: SQLQueryString = parent.map { " AND parent_id = \(bind: $0)" } ?? ""
            return try await db.raw(
                """
                SELECT data FROM sandbox_objects WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue)\(filter)
                ORDER BY id\(lock)
                """
            ).all().map { row in
                try Self.decode(T.self, from: Data(try row.decode(column: "data", as: String.self).utf8))
            }
        }

        /// - Throws: `Conflict` when a concurrent transaction made an object under the same
        ///   idempotency key first (PostgreSQL; SQLite's writer is exclusive).
        func insert(
            _ kind: Kind,
            id: String,
            idempotencyKey: String?,
            parent: String?,
            _ object: some Encodable,
            at time: Date
        )
            async throws
        {
            let inserted = try await db.raw(
                """
                INSERT INTO sandbox_objects (id, app_id, kind, idempotency_key, parent_id, data, created_at, updated_at)
                VALUES (\(bind: id), \(bind: appID.rawValue), \(bind: kind.rawValue), \(bind: idempotencyKey), \(bind: parent),
                        \(bind: try Self.encode(object)), \(bind: Timestamp.milliseconds(time)), \(bind: Timestamp.milliseconds(time)))
                ON CONFLICT (app_id, kind, idempotency_key) DO NOTHING
                RETURNING id
                """
            ).first()
            if inserted == nil { throw Conflict() }
        }

        func update(_ kind: Kind, id: String, _ object: some Encodable, at time: Date) async throws {
            try await db.raw(
                """
                UPDATE sandbox_objects SET data = \(bind: try Self.encode(object)), updated_at = \(bind: Timestamp.milliseconds(time))
                WHERE app_id = \(bind: appID.rawValue) AND kind = \(bind: kind.rawValue) AND id = \(bind: id)
                """
            ).run()
        }

        /// Delivers a provider event to the service's inbox in the same transaction, as a real
        /// provider would send it to a webhook once it has acted. The inbox keeps it; processing
        /// reads the object's state from the sandbox, not from the event.
        func event(_ type: SandboxEvent.Kind, object: String, at time: Date, invoice: SandboxEvent.Invoice? = nil) async throws {
            let id = ids.next(prefix: "sbevt", at: time)
            let payload = try SandboxEvent(id: id, type: type, created: time, appID: appID, object: object, invoice: invoice).encoded()
            let millis = Timestamp.milliseconds(time)
            try await db.raw(
                """
                INSERT INTO provider_events (id, app_id, provider, account, provider_event_id, type, event_created_at, received_at,
                                             payload, status, attempts, next_attempt_at)
                VALUES (\(bind: ids.next(prefix: "pev", at: time)), \(bind: appID.rawValue), 'sandbox', 'sandbox', \(bind: id),
                        \(bind: type.rawValue), \(bind: millis), \(bind: millis), \(bind: payload), 'pending', 0, 0)
                ON CONFLICT (provider, account, provider_event_id) DO NOTHING
                """
            ).run()
        }

        static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            return try decoder.decode(type, from: data)
        }

        static func encode(_ value: some Encodable) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            encoder.dateEncodingStrategy = .millisecondsSince1970
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
    }
}

/// Which app a sandbox page's object belongs to (pages are reached by id alone, from a browser).
extension SandboxLedger {
    static func owner(of id: String, backend: any StoreBackend) async throws -> App.ID? {
        try await backend.read { db in
            try await db.raw("SELECT app_id FROM sandbox_objects WHERE id = \(bind: id)").first()
                .map { App.ID(rawValue: try $0.decode(column: "app_id", as: String.self)) }
        }
    }
}
