import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/events` (what was announced, replayable by sequence) and `/v1/event-deliveries` (how
/// each went to each endpoint; send one again).
struct EventsController {
    let events: Events.Service

    func addRoutes(to routes: Routes) {
        routes.add(.get, "events", list)
        routes.add(.get, "events/:id", get)
        routes.add(.get, "event-deliveries", deliveries)
        routes.add(.get, "event-deliveries/:id", delivery)
        routes.add(.post, "event-deliveries/:id/retry", retry)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        let after = try query.int("after_sequence")
        let type = query.string("type")
        let customer = query.string("customer")
        try query.finish()
        let found = try await events.list(app: app.id, afterSequence: after.map(Int64.init), type: type, customer: customer, page)
        // Events are stored as delivered: the list embeds them byte for byte.
        let body = #"{"data":["# + found.data.map(\.payload).joined(separator: ",") + #"],"has_more":\#(found.hasMore),"object":"list"}"#
        return Self.json(body)
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        try query.finish()
        return Self.json(try await events.get(app: app.id, try context.parameters.decoded("id")).payload)
    }

    @Sendable func deliveries(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        var status: EventDelivery.Status?
        if let raw = query.string("status") {
            guard let parsed = EventDelivery.Status(rawValue: raw) else {
                throw PaymentsError.invalid("status", "status must be pending, succeeded or dead.")
            }
            status = parsed
        }
        let endpoint = query.string("endpoint")
        let event = query.string("event")
        try query.finish()
        let found = try await events.deliveries(app: app.id, status: status, endpoint: endpoint, event: event, page)
        return try APIEncoding.response(ListResponse(found, EventDeliveryResource.init))
    }

    @Sendable func delivery(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        try query.finish()
        return try APIEncoding.response(EventDeliveryResource(try await events.delivery(app: app.id, try context.parameters.decoded("id"))))
    }

    @Sendable func retry(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        _ = try await APIDecoding.decode(EmptyRequest.self, from: request)
        let delivery = try await events.retry(app: app.id, try context.parameters.decoded("id"), origin: context.origin)
        return try APIEncoding.response(EventDeliveryResource(delivery))
    }

    /// A body that must be empty (or `{}`).
    struct EmptyRequest: Decodable {
        struct NoKeys: CodingKey, CaseIterable {
            static var allCases: [NoKeys] { [] }
            var stringValue: String { "" }
            var intValue: Int? { nil }
            init?(stringValue: String) { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws { try decoder.rejectUnknownKeys(NoKeys.self) }
    }

    static func json(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

struct EventDeliveryResource: Encodable, Sendable {
    let id: String
    let object = "event_delivery"
    let event_id: String
    let endpoint_id: String
    let status: String
    let attempts: Int
    @Nullable var next_attempt_at: Date?
    @Nullable var last_attempt_at: Date?
    @Nullable var last_response_status: Int?
    @Nullable var last_error: String?
    let created_at: Date
    let updated_at: Date

    init(_ d: EventDelivery) {
        id = d.id.rawValue
        event_id = d.eventID.rawValue
        endpoint_id = d.endpointID.rawValue
        status = d.status.rawValue
        attempts = d.attempts
        next_attempt_at = d.status == .pending ? d.nextAttemptAt : nil
        last_attempt_at = d.lastAttemptAt
        last_response_status = d.lastResponseStatus
        last_error = d.lastError
        created_at = d.createdAt
        updated_at = d.updatedAt
    }
}
