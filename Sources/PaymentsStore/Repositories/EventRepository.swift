import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an event's payload is rendered from: everything but the resource, fixed when the event
/// is appended.
public struct EventHeader: Sendable {
    public let id: Event.ID
    public let sequence: Int64
    public let type: Event.Kind
    public let createdAt: Date
}

/// One app's outbox of events.
public struct EventRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = "id, app_id, sequence, type, resource_type, resource_id, payload, created_at"

    /// Appends an event in this transaction and a pending delivery for every endpoint of the app
    /// that receives its type. The sequence comes from the app's row in `event_heads`, which the
    /// transaction holds until it ends, so sequences follow commit order.
    /// - Parameter render: the payload from the header.
    @discardableResult
    /// - Parameter dedupeKey: names the fact the event announces when it must be announced once
    ///   (see ``exists(dedupeKey:)``); a second insert with it fails.
    public func append(
        _ type: Event.Kind,
        objectType: ResourceType,
        objectID: String,
        customer: Customer.ID?,
        dedupeKey: String? = nil,
        render: (EventHeader) throws -> String
    ) async throws -> Event {
        _ = try session.requireWrite()
        guard
            let head = try await session.db.raw(
                """
                INSERT INTO event_heads (app_id, sequence) VALUES (\(bind: appID.rawValue), 1)
                ON CONFLICT (app_id) DO UPDATE SET sequence = event_heads.sequence + 1
                RETURNING sequence
                """
            ).first()
        else { throw StoreError.inconsistent("no event sequence for app \(appID)") }
        let header = EventHeader(
            id: session.ids.next(Event.self, at: session.now),
            sequence: try head.decode(column: "sequence", as: Int64.self),
            type: type,
            createdAt: session.now
        )
        let event = Event(
            id: header.id,
            appID: appID,
            sequence: header.sequence,
            type: type,
            objectType: objectType,
            objectID: objectID,
            payload: try render(header),
            createdAt: session.now
        )
        try await session.db.raw(
            """
            INSERT INTO events (\(Self.columns), customer_id, dedupe_key)
            VALUES (\(bind: event.id.rawValue), \(bind: appID.rawValue), \(bind: event.sequence), \(bind: type.rawValue),
                    \(bind: objectType.rawValue), \(bind: objectID), \(bind: event.payload), \(bind: event.createdAt.millis),
                    \(bind: customer?.rawValue), \(bind: dedupeKey))
            """
        ).run()
        let endpoints = try await session.webhookEndpoints(appID).all()
        for endpoint in endpoints where endpoint.receives(type) {
            session.noteEmitted()
            try await session.db.raw(
                """
                INSERT INTO event_deliveries (id, app_id, event_id, endpoint_id, status, attempts, next_attempt_at,
                    last_attempt_at, last_response_status, last_error, created_at, updated_at)
                VALUES (\(bind: session.ids.next(EventDelivery.self, at: session.wallClock).rawValue), \(bind: appID.rawValue),
                        \(bind: event.id.rawValue), \(bind: endpoint.id.rawValue), 'pending', 0, \(bind: session.wallClock.millis),
                        NULL, NULL, NULL, \(bind: session.wallClock.millis), \(bind: session.wallClock.millis))
                """
            ).run()
        }
        return event
    }

    /// Whether the fact `dedupeKey` names was announced already.
    public func exists(dedupeKey: String) async throws -> Bool {
        try await session.db.raw(
            "SELECT id FROM events WHERE app_id = \(bind: appID.rawValue) AND dedupe_key = \(bind: dedupeKey)"
        ).first() != nil
    }

    public func find(_ id: Event.ID) async throws -> Event? {
        try await session.db.raw(
            "SELECT \(Self.columns) FROM events WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)"
        ).first().map(Self.decode)
    }

    /// Events newest first (`startingAfter` an event id), or — with `afterSequence` — oldest
    /// first from the one after that sequence: a stream an app can replay from where it stopped.
    public func list(afterSequence: Int64?, type: Event.Kind?, customer: Customer.ID?, _ page: PageRequest) async throws -> Page<Event> {
        var filter: SQLQueryString = ""
        if let type { filter = filter + " AND type = \(bind: type.rawValue)" }
        if let customer { filter = filter + " AND customer_id = \(bind: customer.rawValue)" }
        let order: SQLQueryString
        if let afterSequence {
            filter = filter + " AND sequence > \(bind: afterSequence)"
            order = "sequence"
        } else {
            if let after = page.startingAfter {
                filter =
                    filter + """
                         AND sequence < COALESCE((SELECT sequence FROM events
                            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: after)), 0)
                        """
            }
            order = "sequence DESC"
        }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM events WHERE app_id = \(bind: appID.rawValue)\(filter)
            ORDER BY \(order) LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    static func decode(_ row: any SQLRow) throws -> Event {
        Event(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            sequence: try row.decode(column: "sequence", as: Int64.self),
            type: try row.enumValue("type"),
            objectType: try row.enumValue("resource_type"),
            objectID: try row.decode(column: "resource_id", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            createdAt: try row.date("created_at")
        )
    }
}
