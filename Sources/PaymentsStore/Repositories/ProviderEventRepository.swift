import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The inbox of provider events (infrastructure, like idempotency keys: not audited itself; what
/// processing changes is audited by the services that change it).
public struct ProviderEventRepository: Sendable {
    let backend: any StoreBackend
    let writer: GroupCommit<ProviderEvent, Bool>

    static let columns: SQLQueryString = """
        id, app_id, provider, account, provider_event_id, type, event_created_at, received_at, payload, status, attempts,
        next_attempt_at, last_error, processed_at
        """

    /// Stores a received event, pending and due at once, unless the same one (provider, account,
    /// event id) is stored already. Only what receipt knows is written (its status, attempts,
    /// due time and error start as for any new event). Concurrent calls are committed together
    /// (see ``GroupCommit``); each returns after the commit that holds its event.
    /// - Returns: whether it was new.
    public func insert(_ event: ProviderEvent) async throws -> Bool {
        assert(
            event.status == .pending && event.attempts == 0 && event.nextAttemptAt == event.receivedAt && event.lastError == nil
                && event.processedAt == nil,
            "a received event starts pending and due"
        )
        return try await writer.submit(event)
    }

    /// Writes a batch in one statement (so in one commit, with no `BEGIN` and `COMMIT` round
    /// trips); an event repeated within the batch is new only once.
    static func insertBatch(_ events: [ProviderEvent], backend: any StoreBackend) async throws -> [Bool] {
        var firstOfKey: [String: Int] = [:]
        for (index, event) in events.enumerated() where firstOfKey[key(event)] == nil { firstOfKey[key(event)] = index }
        let unique = events.indices.filter { firstOfKey[key(events[$0])] == $0 }.map { events[$0] }
        let query = backend.engine == .postgres ? insertArrays(unique) : insertValues(unique)
        let inserted = try await backend.autocommit { db in
            try await db.raw(query).all().map { try $0.decode(column: "id", as: String.self) }
        }
        let new = Set(inserted)
        return events.map { new.contains($0.id.rawValue) }
    }

    /// What receipt writes; status, attempts and due time are those of any new event
    /// (pending, none, due at receipt).
    static let insertHead: SQLQueryString = """
        INSERT INTO provider_events (id, app_id, provider, account, provider_event_id, type, event_created_at, received_at,
            payload, status, attempts, next_attempt_at)
        """
    static let insertTail: SQLQueryString = """
        ON CONFLICT (provider, account, provider_event_id) DO NOTHING
        RETURNING id
        """

    /// PostgreSQL: one array per column, so the statement's text (and its parse) is the same
    /// whatever the batch's size.
    static func insertArrays(_ events: [ProviderEvent]) -> SQLQueryString {
        """
        \(insertHead)
        SELECT id, NULLIF(app_id, ''), provider, account, provider_event_id, type, created, received, payload, 'pending', 0, received
        FROM unnest(\(bind: events.map(\.id.rawValue)), \(bind: events.map { $0.appID?.rawValue ?? "" }),
            \(bind: events.map(\.provider.rawValue)), \(bind: events.map(\.account)), \(bind: events.map(\.providerEventID)),
            \(bind: events.map(\.type)), \(bind: events.map(\.createdAt.millis)), \(bind: events.map(\.receivedAt.millis)),
            \(bind: events.map(\.payload)))
            AS e(id, app_id, provider, account, provider_event_id, type, created, received, payload)
        \(insertTail)
        """
    }

    /// SQLite: a row of values per event.
    static func insertValues(_ events: [ProviderEvent]) -> SQLQueryString {
        let rows = events.map { event -> SQLQueryString in
            let received = event.receivedAt.millis
            return """
                (\(bind: event.id.rawValue), \(bind: event.appID?.rawValue), \(bind: event.provider.rawValue), \(bind: event.account),
                 \(bind: event.providerEventID), \(bind: event.type), \(bind: event.createdAt.millis), \(bind: received),
                 \(bind: event.payload), 'pending', 0, \(bind: received))
                """
        }
        return """
            \(insertHead)
            VALUES \(SQLList(rows))
            \(insertTail)
            """
    }

    static func key(_ event: ProviderEvent) -> String { "\(event.provider.rawValue) \(event.account) \(event.providerEventID)" }

    /// Takes up to `limit` events that are due (processing with a lapsed lease, whose worker
    /// died, then pending and due, oldest first) and leases them to the caller. On PostgreSQL
    /// rows another worker holds are skipped (`FOR UPDATE SKIP LOCKED`); SQLite's single writer
    /// serializes claims. Each kind is its own statement, so the pending ones come in the order of
    /// `provider_events_claim` without a sort of the whole backlog.
    public func claim(now: Date, lease: Duration, limit: Int) async throws -> [ProviderEvent] {
        let skipLocked: SQLQueryString = backend.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let nowMillis = now.millis
        @Sendable func take(_ due: SQLQueryString, _ limit: Int, _ db: any SQLDatabase) async throws -> [ProviderEvent] {
            try await db.raw(
                """
                UPDATE provider_events SET status = 'processing', attempts = attempts + 1,
                    lease_until = \(bind: nowMillis + lease.milliseconds)
                WHERE id IN (
                    SELECT id FROM provider_events WHERE \(due)
                    ORDER BY event_created_at, id LIMIT \(bind: limit)\(skipLocked)
                )
                RETURNING \(Self.columns)
                """
            ).all().map(Self.decode)
        }
        return try await backend.transaction { db in
            var events = try await take("status = 'processing' AND lease_until < \(bind: nowMillis)", limit, db)
            if events.count < limit {
                events += try await take("status = 'pending' AND next_attempt_at <= \(bind: nowMillis)", limit - events.count, db)
            }
            return events.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    /// Records how processing ended.
    public func finish(
        _ id: ProviderEvent.ID,
        status: ProviderEvent.Status,
        appID: App.ID?,
        error: String?,
        nextAttemptAt: Date?,
        now: Date
    ) async throws {
        try await backend.transaction { db in
            try await db.raw(
                """
                UPDATE provider_events SET status = \(bind: status.rawValue), app_id = COALESCE(\(bind: appID?.rawValue), app_id),
                    last_error = \(bind: error), lease_until = NULL,
                    next_attempt_at = \(bind: (nextAttemptAt ?? now).millis),
                    processed_at = \(bind: [.succeeded, .ignored].contains(status) ? now.millis : nil)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
        }
    }

    /// How many events are due or being processed under a live lease (perhaps by another
    /// worker): what a caller waits for to see everything received so far settled.
    public func unsettled(now: Date) async throws -> Int {
        try await backend.read { db in
            try await db.raw(
                """
                SELECT COUNT(*) AS n FROM provider_events
                WHERE (status = 'processing' AND lease_until >= \(bind: now.millis))
                   OR (status = 'pending' AND next_attempt_at <= \(bind: now.millis))
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func find(_ id: ProviderEvent.ID) async throws -> ProviderEvent? {
        try await backend.read { db in
            try await db.raw("SELECT \(Self.columns) FROM provider_events WHERE id = \(bind: id.rawValue)").first().map(Self.decode)
        }
    }

    /// The events `reprocess` would queue again (not one being processed), with their apps:
    /// one by id, or every one received in a range.
    public func requeueable(id: ProviderEvent.ID?, receivedFrom: Date?, receivedTo: Date?) async throws -> [(ProviderEvent.ID, App.ID?)] {
        let condition = Self.filter(id: id, receivedFrom: receivedFrom, receivedTo: receivedTo)
        return try await backend.read { db in
            try await db.raw("SELECT id, app_id FROM provider_events WHERE \(condition) AND status <> 'processing' ORDER BY id").all().map {
                (
                    ProviderEvent.ID(rawValue: try $0.decode(column: "id", as: String.self)),
                    try $0.decode(column: "app_id", as: String?.self).map(App.ID.init(rawValue:))
                )
            }
        }
    }

    static func filter(id: ProviderEvent.ID?, receivedFrom: Date?, receivedTo: Date?) -> SQLQueryString {
        var filter: SQLQueryString = "1 = 1"
        if let id { filter = filter + " AND id = \(bind: id.rawValue)" }
        if let receivedFrom { filter = filter + " AND received_at >= \(bind: receivedFrom.millis)" }
        if let receivedTo { filter = filter + " AND received_at < \(bind: receivedTo.millis)" }
        return filter
    }

    /// Puts events back in the queue, due now: one by id, or every one received in a range. (An
    /// app's events are requeued through ``Session/requeueProviderEvent(_:app:)``, audited; this
    /// is for those no app was found for.)
    /// - Returns: how many.
    public func reprocess(id: ProviderEvent.ID?, receivedFrom: Date?, receivedTo: Date?, now: Date) async throws -> Int {
        let condition = Self.filter(id: id, receivedFrom: receivedFrom, receivedTo: receivedTo)
        return try await backend.transaction { db in
            try await db.raw(
                """
                UPDATE provider_events SET status = 'pending', attempts = 0, next_attempt_at = \(bind: now.millis),
                    lease_until = NULL, last_error = NULL
                WHERE \(condition) AND status <> 'processing'
                RETURNING id
                """
            ).all().count
        }
    }

    static func decode(_ row: any SQLRow) throws -> ProviderEvent {
        ProviderEvent(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: try row.decode(column: "app_id", as: String?.self).map(App.ID.init(rawValue:)),
            provider: try row.enumValue("provider"),
            account: try row.decode(column: "account", as: String.self),
            providerEventID: try row.decode(column: "provider_event_id", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            createdAt: try row.date("event_created_at"),
            receivedAt: try row.date("received_at"),
            payload: try row.decode(column: "payload", as: String.self),
            status: try row.enumValue("status"),
            attempts: try row.decode(column: "attempts", as: Int.self),
            nextAttemptAt: try row.date("next_attempt_at"),
            lastError: try row.decode(column: "last_error", as: String?.self),
            processedAt: try row.optionalDate("processed_at")
        )
    }
}

extension Store {
    /// The inbox of provider events.
    public var inbox: ProviderEventRepository { ProviderEventRepository(backend: backend, writer: inboxWriter) }
}

extension Session {
    /// One app's provider events, newest first, by status.
    public func providerEvents(app: App.ID, status: ProviderEvent.Status?, _ page: PageRequest) async throws -> Page<ProviderEvent> {
        var conditions: [SQLQueryString] = ["app_id = \(bind: app.rawValue)"]
        if let status { conditions.append("status = \(bind: status.rawValue)") }
        if let cursor = page.startingAfter { conditions.append("id < \(bind: cursor)") }
        let rows = try await db.raw(
            """
            SELECT \(ProviderEventRepository.columns) FROM provider_events WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(ProviderEventRepository.decode), limit: page.limit)
    }

    /// Puts one of the app's provider events back in the queue, due now, in this transaction
    /// (one being processed is left alone).
    /// - Returns: the event as it was, if the app has it and it was requeued.
    public func requeueProviderEvent(_ id: ProviderEvent.ID, app: App.ID) async throws -> ProviderEvent? {
        _ = try requireWrite()
        guard
            let event = try await db.raw(
                "SELECT \(ProviderEventRepository.columns) FROM provider_events WHERE id = \(bind: id.rawValue) AND app_id = \(bind: app.rawValue)"
            ).first().map(ProviderEventRepository.decode), event.status != .processing
        else { return nil }
        try await db.raw(
            """
            UPDATE provider_events SET status = 'pending', attempts = 0, next_attempt_at = \(bind: wallClock.millis), lease_until = NULL,
                last_error = NULL
            WHERE id = \(bind: id.rawValue) AND app_id = \(bind: app.rawValue)
            """
        ).run()
        return event
    }
}
