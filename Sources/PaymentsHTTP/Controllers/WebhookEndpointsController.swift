import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/webhook-endpoints`: where the app receives our events. The signing secret is in the
/// answer to a create and to a rotation, and nowhere else.
struct WebhookEndpointsController {
    let endpoints: WebhookEndpoints.Service

    func addRoutes(to routes: Routes) {
        routes.add(.post, "webhook-endpoints", create)
        routes.add(.get, "webhook-endpoints", list)
        routes.add(.get, "webhook-endpoints/:id", get)
        routes.add(.patch, "webhook-endpoints/:id", update)
        routes.add(.delete, "webhook-endpoints/:id", delete)
        routes.add(.post, "webhook-endpoints/:id/rotate-secret", rotate)
    }

    @Sendable func create(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(CreateRequest.self, from: request)
        let created = try await endpoints.create(
            app: app, url: body.url, events: body.events, description: body.description, origin: context.origin)
        return try APIEncoding.response(WebhookEndpointResource(created.endpoint, secret: created.secret.value), status: .created)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        try query.finish()
        return try APIEncoding.response(ListResponse(try await endpoints.list(app: app.id, page)) { WebhookEndpointResource($0, secret: nil) })
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        try query.finish()
        let endpoint = try await endpoints.get(app: app.id, try context.parameters.decoded("id"))
        return try APIEncoding.response(WebhookEndpointResource(endpoint, secret: nil))
    }

    @Sendable func update(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decode(UpdateRequest.self, from: request)
        let endpoint = try await endpoints.update(
            app: app.id, try context.parameters.decoded("id"), events: body.events, description: body.description,
            origin: context.origin)
        return try APIEncoding.response(WebhookEndpointResource(endpoint, secret: nil))
    }

    @Sendable func delete(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let endpoint = try await endpoints.delete(app: app.id, try context.parameters.decoded("id"), origin: context.origin)
        return try APIEncoding.response(DeletedResponse(id: endpoint.id.rawValue))
    }

    @Sendable func rotate(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(RotateRequest.self, from: request)
        let created = try await endpoints.rotateSecret(
            app: app.id, try context.parameters.decoded("id"), overlap: .seconds(body.expires_in ?? 86_400), origin: context.origin)
        return try APIEncoding.response(WebhookEndpointResource(created.endpoint, secret: created.secret.value))
    }

    struct CreateRequest: StrictDecodable {
        let url: String?
        let events: [String]?
        let description: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case url, events, description }
    }

    struct UpdateRequest: Decodable {
        let events: [String]?
        let description: Patch<String>

        enum CodingKeys: String, CodingKey, CaseIterable { case events, description }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            events = try container.decodePresent([String].self, forKey: .events)
            description = try container.decodePatch(String.self, forKey: .description)
        }
    }

    struct RotateRequest: StrictDecodable {
        /// How long the old secret keeps signing, in seconds (default one day, at most seven).
        let expires_in: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case expires_in }
    }

    struct DeletedResponse: Encodable {
        let id: String
        let object = "webhook_endpoint"
        let deleted = true
    }
}

struct WebhookEndpointResource: Encodable, Sendable {
    let id: String
    let object = "webhook_endpoint"
    let url: String
    @Nullable var description: String?
    /// `["*"]` for every type.
    let events: [String]
    /// Only in the answer to a create or a rotation.
    let secret: String?
    @Nullable var previous_secret_expires_at: Date?
    let created_at: Date
    let updated_at: Date

    init(_ e: WebhookEndpoint, secret: String?) {
        id = e.id.rawValue
        url = e.url
        description = e.description
        events = e.eventTypes.isEmpty ? ["*"] : e.eventTypes.map(\.rawValue)
        self.secret = secret
        previous_secret_expires_at = e.previousSecretExpiresAt
        created_at = e.createdAt
        updated_at = e.updatedAt
    }
}
