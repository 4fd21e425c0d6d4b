import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an event's payload is rendered from: everything but the resource, fixed when the event
/// is appended. Its sequence is not known yet: the payload is rendered with `"sequence":null`,
/// which reading the event replaces with the number the sequencer gave it.
public struct EventHeader: Sendable {
    public let id: Event.ID
    public let type: Event.Kind
    public let createdAt: Date
}

/// One app's outbox of events.
public struct EventRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = "id, app_id, sequence, type, resource_type, resource_id, payload, created_at"

    /// Appends an event in this transaction. It is numbered, and owed to the app's endpoints that
    /// receive its type, by ``EventSequencer`` once the transaction has committed: writes of one
    /// app never wait on each other for the next number.
    /// - Parameters:
    ///   - dedupeKey: names the fact the event announces when it must be announced once (see
    ///     ``exists(dedupeKey:)``); a second insert with it fails.
    ///   - render: the payload from the header, with `"sequence":null` in the envelope.
    @discardableResult
    public func append(
        _ type: Event.Kind,
        objectType: ResourceType,
        objectID: String,
        customer: Customer.ID?,
        dedupeKey: String? = nil,
        render: (EventHeader) throws -> String
    ) async throws -> Event.ID {
        _ = try session.requireWrite()
        let header = EventHeader(id: session.ids.next(Event.self, at: session.now), type: type, createdAt: session.now)
        try await session.db.raw(
            """
            INSERT INTO events (\(Self.columns), customer_id, dedupe_key)
            VALUES (\(bind: header.id.rawValue), \(bind: appID.rawValue), NULL, \(bind: type.rawValue),
                    \(bind: objectType.rawValue), \(bind: objectID), \(bind: try render(header)), \(bind: header.createdAt.millis),
                    \(bind: customer?.rawValue), \(bind: dedupeKey))
            """
        ).run()
        session.noteEmitted()
        return header.id
    }

    /// Whether the fact `dedupeKey` names was announced already.
    public func exists(dedupeKey: String) async throws -> Bool {
        try await session.db.raw(
            "SELECT id FROM events WHERE app_id = \(bind: appID.rawValue) AND dedupe_key = \(bind: dedupeKey)"
        ).first() != nil
    }

    public func find(_ id: Event.ID) async throws -> Event? {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM events
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue) AND sequence IS NOT NULL
            """
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
            SELECT \(Self.columns) FROM events WHERE app_id = \(bind: appID.rawValue) AND sequence IS NOT NULL\(filter)
            ORDER BY \(order) LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    static func decode(_ row: any SQLRow) throws -> Event {
        let sequence = try row.decode(column: "sequence", as: Int64.self)
        return Event(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            sequence: sequence,
            type: try row.enumValue("type"),
            objectType: try row.enumValue("resource_type"),
            objectID: try row.decode(column: "resource_id", as: String.self),
            payload: Self.body(try row.decode(column: "payload", as: String.self), sequence: sequence),
            createdAt: try row.date("created_at")
        )
    }

    /// What is written in place of the number until the event has one.
    static let unnumbered = Array(#""sequence":null"#.utf8)

    /// The event as delivered: its stored payload with its number in the envelope. The envelope's
    /// fields are written in name order, and those after `data` (id, object, sequence, type) hold
    /// nothing an app wrote: the last `"sequence":null` is the envelope's own.
    static func body(_ payload: String, sequence: Int64) -> String {
        var payload = payload
        let numbered = payload.withUTF8 { utf8 -> String? in
            let marker = unnumbered
            guard utf8.count >= marker.count else { return nil }
            let last = utf8.count - marker.count
            for start in stride(from: last, through: max(0, last - 256), by: -1)
            where utf8[start] == marker[0] && utf8[start..<start + marker.count].elementsEqual(marker) {
                return String(decoding: utf8[..<start], as: UTF8.self) + "\"sequence\":\(sequence)"
                    + String(decoding: utf8[(start + marker.count)...], as: UTF8.self)
            }
            return nil
        }
        return numbered ?? payload  // nil: written with its number (before M0015)
    }
}
