import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/webhook-endpoints`: where the app receives our events. The signing secret is in the
/// answer to a create and to a rotation, and nowhere else.
struct WebhookEndpointsController: Controller {
    let endpoints: WebhookEndpoints.Service

    static let access = Access.app
    static let id = PathParameter.id(WebhookEndpoint.self)
    static let eventTypes = Rule<String>.text(oneOf: ["*"] + Event.Kind.allCases.map(\.rawValue))

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/webhook-endpoints",
            id: "createWebhookEndpoint",
            summary: "Register an endpoint for events",
            description: "The answer carries the signing secret `whsec_...`, shown this once. At most \(WebhookEndpoints.Service.maximumPerApp) "
                + "endpoints per app (400 `webhook_endpoint_limit`).",
            success: .created(Resources.webhookEndpoint.codec, "Created, with its secret"),
            handler: create
        ),
        Route(
            .get,
            "/v1/webhook-endpoints",
            id: "listWebhookEndpoints",
            summary: "Webhook endpoints, newest first",
            success: .ok(Resources.webhookEndpoint.list, "A page"),
            handler: list
        ),
        Route(
            .get,
            "/v1/webhook-endpoints/{id}",
            id: "getWebhookEndpoint",
            summary: "One endpoint (without its secret)",
            parameters: [id],
            success: .ok(Resources.webhookEndpoint.codec, "The endpoint"),
            errors: [.notFound],
            handler: get
        ),
        Route(
            .patch,
            "/v1/webhook-endpoints/{id}",
            id: "updateWebhookEndpoint",
            summary: "Change the event types or description",
            parameters: [id],
            success: .ok(Resources.webhookEndpoint.codec, "Updated"),
            errors: [.notFound],
            handler: update
        ),
        Route(
            .delete,
            "/v1/webhook-endpoints/{id}",
            id: "deleteWebhookEndpoint",
            summary: "Delete an endpoint",
            description: "Its pending deliveries become `dead` (`endpoint deleted`).",
            parameters: [id],
            success: .ok(Resources.deletedWebhookEndpoint.codec, "Deleted"),
            errors: [.notFound],
            handler: delete
        ),
        Route(
            .post,
            "/v1/webhook-endpoints/{id}/rotate-secret",
            id: "rotateWebhookSecret",
            summary: "New signing secret, with an overlap",
            description: "Until `previous_secret_expires_at` deliveries carry two signatures (new and old), so the receiver can switch "
                + "without losing one.",
            parameters: [id],
            success: .ok(Resources.webhookEndpoint.codec, "The endpoint with its new secret"),
            errors: [.notFound],
            handler: rotate
        ),
    ]

    @Sendable func create(_ call: Call<EndpointInput, NoQuery>) async throws -> Resources.EndpointView {
        let created = try await endpoints.create(
            app: try call.app(),
            url: call.body.url,
            events: call.body.events,
            description: call.body.description,
            origin: call.origin
        )
        return Resources.EndpointView(created.endpoint, secret: created.secret)
    }

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Resources.EndpointView> {
        try await endpoints.list(app: try call.app().id, call.query.page).map { Resources.EndpointView($0) }
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Resources.EndpointView {
        Resources.EndpointView(try await endpoints.get(app: try call.app().id, try call.path("id")))
    }

    @Sendable func update(_ call: Call<EndpointUpdate, NoQuery>) async throws -> Resources.EndpointView {
        Resources.EndpointView(
            try await endpoints.update(
                app: try call.app().id,
                try call.path("id"),
                events: call.body.events,
                description: call.body.description,
                origin: call.origin
            )
        )
    }

    @Sendable func delete(_ call: Call<NoBody, NoQuery>) async throws -> WebhookEndpoint {
        try await endpoints.delete(app: try call.app().id, try call.path("id"), origin: call.origin)
    }

    @Sendable func rotate(_ call: Call<RotateInput, NoQuery>) async throws -> Resources.EndpointView {
        let created = try await endpoints.rotateSecret(
            app: try call.app().id,
            try call.path("id"),
            overlap: .seconds(call.body.expiresIn ?? 86_400),
            origin: call.origin
        )
        return Resources.EndpointView(created.endpoint, secret: created.secret)
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        static let query = QueryShape<Self> { PageParameters(\.page, of: WebhookEndpoint.self) }
    }

    struct EndpointInput: APIInput {
        var url: String?
        var events: [String]?
        var description: String?

        static let shape = Shape<Self>("WebhookEndpointInput") {
            Required(
                "url",
                \.url,
                .text(WebhookEndpoint.urlRule),
                description: "Absolute http(s) URL without credentials or fragment; https for a live-mode app. Redirects are not followed."
            )
            Omittable(
                "events",
                \.events,
                .list(eventTypes, count: 0...Event.Kind.allCases.count),
                description: "Event types to receive; left out, empty or [\"*\"]: every type."
            )
            Omittable("description", \.description, .text(WebhookEndpoint.descriptionRule))
        }
    }

    struct EndpointUpdate: APIInput {
        var events: [String]?
        var description = Patch<String>.unchanged

        static let shape = Shape<Self>("WebhookEndpointUpdate") {
            Omittable("events", \.events, .list(eventTypes, count: 0...Event.Kind.allCases.count))
            Clearable("description", \.description, .text(WebhookEndpoint.descriptionRule), description: "null clears it")
        }
    }

    struct RotateInput: APIInput {
        var expiresIn: Int64?

        static let shape = Shape<Self>("WebhookEndpointRotate") {
            Omittable(
                "expires_in",
                \.expiresIn,
                .integer(WebhookEndpoint.overlapRule),
                description: "Seconds the old secret keeps signing beside the new one (default 86400); 0 ends it now."
            )
        }
    }
}
