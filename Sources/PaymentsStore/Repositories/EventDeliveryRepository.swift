import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's event deliveries: what was sent where, and how it went.
public struct EventDeliveryRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, event_id, endpoint_id, status, attempts, next_attempt_at, last_attempt_at, last_response_status,
        last_error, created_at, updated_at
        """

    public func find(_ id: EventDelivery.ID) async throws -> EventDelivery? {
        try await session.db.raw(
            """
            SELECT \(Self.columns) FROM event_deliveries
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    public func list(
        status: EventDelivery.Status?,
        endpoint: WebhookEndpoint.ID?,
        event: Event.ID?,
        _ page: PageRequest
    ) async throws -> Page<EventDelivery> {
        var filter: SQLQueryString = ""
        if let status { filter = filter + " AND status = \(bind: status.rawValue)" }
        if let endpoint { filter = filter + " AND endpoint_id = \(bind: endpoint.rawValue)" }
        if let event { filter = filter + " AND event_id = \(bind: event.rawValue)" }
        if let after = page.startingAfter { filter = filter + " AND id < \(bind: after)" }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM event_deliveries WHERE app_id = \(bind: appID.rawValue)\(filter)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// Makes the delivery due now (a retry by hand); the attempt count goes on.
    public func retryNow(_ delivery: EventDelivery) async throws -> EventDelivery {
        var due = delivery
        due.status = .pending
        // Deliveries are real HTTP traffic: scheduled on real time, whatever the app's test clock says.
        due.nextAttemptAt = session.wallClock
        due.updatedAt = session.wallClock
        try await session.db.raw(
            """
            UPDATE event_deliveries SET status = 'pending', next_attempt_at = \(bind: session.wallClock.millis),
                updated_at = \(bind: session.wallClock.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: delivery.id.rawValue)
            """
        ).run()
        session.noteEmitted()
        return due
    }

    static func decode(_ row: any SQLRow) throws -> EventDelivery {
        EventDelivery(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            eventID: .init(rawValue: try row.decode(column: "event_id", as: String.self)),
            endpointID: .init(rawValue: try row.decode(column: "endpoint_id", as: String.self)),
            status: try row.enumValue("status"),
            attempts: try row.decode(column: "attempts", as: Int.self),
            nextAttemptAt: try row.optionalDate("next_attempt_at"),
            lastAttemptAt: try row.optionalDate("last_attempt_at"),
            lastResponseStatus: try row.decode(column: "last_response_status", as: Int?.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}

/// A delivery claimed for an attempt, with what sending it takes.
public struct ClaimedDelivery: Sendable {
    public let delivery: EventDelivery
    public let payload: String
    public let url: String
    public let sealedSecret: String
    public let sealedPreviousSecret: String?
    public let previousSecretExpiresAt: Date?
}

/// How one attempt went.
public struct DeliveryAttempt: Sendable {
    public let delivery: EventDelivery.ID
    /// The attempt count the claim made (guards against a late writer whose lease lapsed).
    public let attempt: Int
    public let at: Date
    public let responseStatus: Int?
    public let error: String?
    /// nil: succeeded, or no tries left (`dead`) when `error` or a non-2xx status is set.
    public let nextAttemptAt: Date?
    public init(delivery: EventDelivery.ID, attempt: Int, at: Date, responseStatus: Int?, error: String?, nextAttemptAt: Date?) {
        self.delivery = delivery
        self.attempt = attempt
        self.at = at
        self.responseStatus = responseStatus
        self.error = error
        self.nextAttemptAt = nextAttemptAt
    }

    public var succeeded: Bool { error == nil && (responseStatus.map { (200..<300).contains($0) } ?? false) }
}

/// The deliverer's side of the outbox: claims due deliveries across apps and records attempts
/// (infrastructure: the attempts are visible through `GET /v1/event-deliveries`, not audited).
public struct Outbox: Sendable {
    let backend: any StoreBackend

    /// Takes up to `limit` due deliveries, oldest first, and leases them: their next attempt moves
    /// to `now + lease`, so if this worker dies they fall due again. On PostgreSQL rows another
    /// worker holds are skipped (`FOR UPDATE SKIP LOCKED`); SQLite's single writer serializes claims.
    public func claim(now: Date, lease: Duration, limit: Int) async throws -> [ClaimedDelivery] {
        let skipLocked: SQLQueryString = backend.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let nowMillis = now.millis
        if backend.engine == .sqlite {
            // SQLite has one writer for every process on the file: look before taking it.
            let due = try await backend.read { db in
                try await db.raw(
                    "SELECT 1 AS due FROM event_deliveries WHERE status = 'pending' AND next_attempt_at <= \(bind: nowMillis) LIMIT 1"
                ).first() != nil
            }
            guard due else { return [] }
        }
        return try await backend.transaction { db in
            let claimed = try await db.raw(
                """
                UPDATE event_deliveries SET attempts = attempts + 1, next_attempt_at = \(bind: nowMillis + lease.milliseconds),
                    updated_at = \(bind: nowMillis)
                WHERE id IN (
                    SELECT id FROM event_deliveries
                    WHERE status = 'pending' AND next_attempt_at <= \(bind: nowMillis)
                    ORDER BY next_attempt_at, id LIMIT \(bind: limit)\(skipLocked)
                )
                RETURNING \(EventDeliveryRepository.columns)
                """
            ).all().map(EventDeliveryRepository.decode)
            guard !claimed.isEmpty else { return [] }
            let rows = try await db.raw(
                """
                SELECT d.id AS delivery_id, e.payload, e.sequence, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at
                FROM event_deliveries d JOIN events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id
                WHERE d.id IN (\(SQLList(claimed.map { SQLBind($0.id.rawValue) })))
                """
            ).all()
            var details: [String: any SQLRow] = [:]
            for row in rows { details[try row.decode(column: "delivery_id", as: String.self)] = row }
            return try claimed.sorted { $0.id < $1.id }.compactMap { delivery in
                guard let row = details[delivery.id.rawValue] else { return nil }
                return ClaimedDelivery(
                    delivery: delivery,
                    payload: EventRepository.body(
                        try row.decode(column: "payload", as: String.self),
                        sequence: try row.decode(column: "sequence", as: Int64.self)
                    ),
                    url: try row.decode(column: "url", as: String.self),
                    sealedSecret: try row.decode(column: "secret", as: String.self),
                    sealedPreviousSecret: try row.decode(column: "previous_secret", as: String?.self),
                    previousSecretExpiresAt: try row.optionalDate("previous_secret_expires_at")
                )
            }
        }
    }

    /// Records attempts in one transaction, in delivery id order (the order a deleted endpoint's
    /// deliveries are locked in, so the two cannot deadlock). An attempt whose claim was
    /// overtaken (the delivery was claimed again after its lease lapsed) is not recorded.
    public func record(_ attempts: [DeliveryAttempt]) async throws {
        guard !attempts.isEmpty else { return }
        let ordered = attempts.sorted { $0.delivery < $1.delivery }
        let engine = backend.engine
        try await backend.transaction { db in
            for chunk in stride(from: 0, to: ordered.count, by: 500).map({ ordered[$0..<min($0 + 500, ordered.count)] }) {
                let ids = SQLList(chunk.map { SQLBind($0.delivery.rawValue) })
                if engine == .postgres {
                    // Lock in id order first: the join below may visit rows in any order.
                    try await db.raw("SELECT id FROM event_deliveries WHERE id IN (\(ids)) ORDER BY id FOR UPDATE").run()
                }
                let rows = chunk.map { attempt -> SQLQueryString in
                    let status: EventDelivery.Status = attempt.succeeded ? .succeeded : attempt.nextAttemptAt == nil ? .dead : .pending
                    return """
                        (\(bind: attempt.delivery.rawValue), \(bind: attempt.attempt), \(bind: status.rawValue),
                         \(bind: attempt.succeeded ? nil : attempt.nextAttemptAt?.millis), \(bind: attempt.at.millis),
                         \(bind: attempt.responseStatus), \(bind: attempt.error))
                        """
                }
                try await db.raw(
                    """
                    WITH outcome (id, attempt, status, next_attempt_at, at, response_status, error) AS (VALUES \(SQLList(rows)))
                    UPDATE event_deliveries SET status = outcome.status,
                        next_attempt_at = CAST(outcome.next_attempt_at AS BIGINT), last_attempt_at = CAST(outcome.at AS BIGINT),
                        last_response_status = CAST(outcome.response_status AS INTEGER), last_error = CAST(outcome.error AS TEXT),
                        updated_at = CAST(outcome.at AS BIGINT)
                    FROM outcome
                    WHERE event_deliveries.id = outcome.id AND event_deliveries.attempts = CAST(outcome.attempt AS INTEGER)
                      AND event_deliveries.status = 'pending'
                    """
                ).run()
            }
        }
    }

    /// The earliest next attempt of any pending delivery (how long a worker may sleep).
    public func nextDue() async throws -> Date? {
        try await backend.read { db in
            try await db.raw(
                "SELECT MIN(next_attempt_at) AS due FROM event_deliveries WHERE status = 'pending'"
            ).first()?.decode(column: "due", as: Int64?.self).map(Timestamp.date(milliseconds:))
        }
    }
}

extension Store {
    /// The outbox's delivery side.
    public var outbox: Outbox { Outbox(backend: backend) }
}
