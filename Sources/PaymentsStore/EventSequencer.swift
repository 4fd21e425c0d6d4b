import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Numbers events after their changes commit, and makes their deliveries owed.
///
/// A write appends its events unnumbered, in the same transaction as its change, so writes of one
/// app never queue on the app's next number. The sequencer then takes committed unnumbered
/// events oldest first, gives each app's the numbers after its head in `event_heads`, and inserts
/// a pending delivery for each of the app's endpoints that receives the event's type: all in one
/// transaction, on one instance at a time (PostgreSQL: a transaction-scoped advisory lock;
/// SQLite: its single writer). Numbers therefore grow in the order events become visible: an app
/// that has read up to `sequence` N and asks for what comes after N never misses one.
///
/// The outbox's pass runs it before claiming deliveries (so an event is delivered a pass after its
/// commit), and reads of the event stream run it first (so an app sees its own writes' events).
public struct EventSequencer: Sendable {
    let backend: any StoreBackend
    let ids: IDGenerator
    let clock: Clock

    /// At most this many events are numbered in one transaction.
    public static let batchSize = 1000

    /// Numbers up to ``batchSize`` committed unnumbered events.
    /// - Parameter wait: wait for another instance's pass to end instead of leaving the work to
    ///   it (a read that must see every committed event).
    /// - Returns: how many it numbered: 0 when none wait, or another instance is numbering now.
    @discardableResult
    public func sequencePending(wait: Bool = false) async throws -> Int {
        switch try await pass(wait: wait) {
        case .numbered(let count): count
        case .busy: 0
        }
    }

    /// Numbers every committed event (several passes when more than ``batchSize`` wait). When
    /// another instance is numbering, it looks again a few milliseconds later (up to ~100 ms):
    /// that pass may have begun before this instance's last commits.
    public func sequenceAll(wait: Bool = false) async throws {
        var busy = 0
        while true {
            switch try await pass(wait: wait) {
            case .numbered(let count) where count == Self.batchSize: continue
            case .numbered: return
            case .busy:
                busy += 1
                guard busy < 20 else { return }  // that instance's next pass will see them
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    private enum Outcome {
        case numbered(Int)
        /// Events wait, and another instance holds the lock.
        case busy
    }

    private func pass(wait: Bool) async throws -> Outcome {
        // Look before taking a lock (and on SQLite the single writer of every process).
        let waiting = try await backend.read { db in
            try await db.raw("SELECT id FROM events WHERE sequence IS NULL LIMIT 1").first() != nil
        }
        guard waiting else { return .numbered(0) }
        return try await backend.transaction { db in
            guard try await db.takeLock(Self.lockKey, engine: backend.engine, wait: wait) else { return .busy }
            let pending = try await db.raw(
                "SELECT id, app_id, type FROM events WHERE sequence IS NULL ORDER BY id LIMIT \(bind: Self.batchSize)"
            ).all().map { row in
                Pending(
                    id: try row.decode(column: "id", as: String.self),
                    app: App.ID(rawValue: try row.decode(column: "app_id", as: String.self)),
                    type: try row.enumValue("type")
                )
            }
            guard !pending.isEmpty else { return .numbered(0) }
            let now = clock.now()
            var numbers: [(id: String, sequence: Int64)] = []
            var deliveries: [Delivery] = []
            for (app, events) in Dictionary(grouping: pending, by: \.app) {  // each app's in id order
                let count = Int64(events.count)
                guard
                    let head = try await db.raw(
                        """
                        INSERT INTO event_heads (app_id, sequence) VALUES (\(bind: app.rawValue), \(bind: count))
                        ON CONFLICT (app_id) DO UPDATE SET sequence = event_heads.sequence + \(bind: count)
                        RETURNING sequence
                        """
                    ).first()?.decode(column: "sequence", as: Int64.self)
                else { throw StoreError.inconsistent("no event sequence for app \(app)") }
                let endpoints = try await WebhookEndpointRepository.all(of: app, db)
                for (offset, event) in events.enumerated() {
                    numbers.append((event.id, head - count + 1 + Int64(offset)))
                    for endpoint in endpoints where endpoint.receives(event.type) {
                        deliveries.append(
                            Delivery(id: ids.next(EventDelivery.self, at: now).rawValue, app: app, event: event.id, endpoint: endpoint.id.rawValue)
                        )
                    }
                }
            }
            try await write(numbers, deliveries, at: now.millis, db)
            if !deliveries.isEmpty, backend.engine == .postgres {
                // Other instances' outbox workers hear of it on commit (see `Store.listenForOutboxWork`).
                try await db.raw("NOTIFY \(unsafeRaw: Store.outboxChannel)").run()
            }
            return .numbered(pending.count)
        }
    }

    private struct Pending {
        let id: String
        let app: App.ID
        let type: Event.Kind
    }

    private struct Delivery {
        let id: String
        let app: App.ID
        let event: String
        let endpoint: String
    }

    /// PostgreSQL: one statement over arrays for each; SQLite: a prepared statement per row (in
    /// process, that is cheaper than building one large statement).
    private func write(
        _ numbers: [(id: String, sequence: Int64)],
        _ deliveries: [Delivery],
        at now: Int64,
        _ db: any SQLDatabase
    )
        async throws
    {
        switch backend.engine {
        case .postgres:
            try await db.raw(
                """
                UPDATE events AS e SET sequence = n.sequence
                FROM unnest(\(bind: numbers.map(\.id)), \(bind: numbers.map(\.sequence))) AS n(id, sequence)
                WHERE e.id = n.id AND e.sequence IS NULL
                """
            ).run()
            guard !deliveries.isEmpty else { return }
            try await db.raw(
                """
                INSERT INTO event_deliveries (id, app_id, event_id, endpoint_id, status, attempts, next_attempt_at,
                    last_attempt_at, last_response_status, last_error, created_at, updated_at)
                SELECT d.id, d.app_id, d.event_id, d.endpoint_id, 'pending', 0, \(bind: now), NULL, NULL, NULL, \(bind: now), \(bind: now)
                FROM unnest(\(bind: deliveries.map(\.id)), \(bind: deliveries.map(\.app.rawValue)), \(bind: deliveries.map(\.event)),
                    \(bind: deliveries.map(\.endpoint))) AS d(id, app_id, event_id, endpoint_id)
                """
            ).run()
        case .sqlite:
            for (id, sequence) in numbers {
                try await db.raw("UPDATE events SET sequence = \(bind: sequence) WHERE id = \(bind: id) AND sequence IS NULL").run()
            }
            for delivery in deliveries {
                try await db.raw(
                    """
                    INSERT INTO event_deliveries (id, app_id, event_id, endpoint_id, status, attempts, next_attempt_at,
                        last_attempt_at, last_response_status, last_error, created_at, updated_at)
                    VALUES (\(bind: delivery.id), \(bind: delivery.app.rawValue), \(bind: delivery.event), \(bind: delivery.endpoint),
                        'pending', 0, \(bind: now), NULL, NULL, NULL, \(bind: now), \(bind: now))
                    """
                ).run()
            }
        }
    }

    /// Names the sequencer's advisory lock ("eventseq" in ASCII).
    static let lockKey: Int64 = 0x6576_656E_7473_6571
}
