import OpenAPIKit
import PaymentsContract
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Resources {
    /// An event as an app receives it: the envelope and, inside, the object it is about, written
    /// by that object's own resource.
    public struct EventEnvelope: Sendable {
        let id: Event.ID
        let type: Event.Kind
        let createdAt: Date
        /// Nil as stored: the store writes the number in once the event has one.
        let sequence: Int64?
        let object: @Sendable (inout JSONWriter) -> Void
    }

    /// What an event's `data.object` may be.
    static let eventObjects: [@Sendable (SchemaComponents) -> JSONSchema] = [
        customer.codec.describe, subscription.codec.describe, payment.codec.describe, checkoutSession.codec.describe,
        gracePeriod.codec.describe, invoice.codec.describe, usageThreshold.codec.describe,
        customerEntitlements.codec.describe,
    ]

    public static let event = Resource<EventEnvelope>(
        "Event",
        object: "event",
        description: "Exactly the body delivered to endpoints, signed with headers webhook-id (the event id), webhook-timestamp and "
            + "webhook-signature (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`)."
    ) {
        Field("id", \.id)
        Field("type", \.type)
        Field("created_at", \.createdAt)
        Field(
            "sequence",
            \.sequence,
            // Always a number as delivered and listed; null only as stored, before it is numbered.
            Codec<Int64?>(.integer(minimum: (1, exclusive: false))) { value, writer in
                if let value { writer.value(value) } else { writer.null() }
            },
            description: "Increases by one with each event of the app, in the order events become visible (numbered right after "
                + "their commit): an app that has read up to N and asks for what comes after N never misses one."
        )
        Field(
            "data",
            { $0 },
            Codec(
                describe: { components in
                    .object(properties: [
                        "object": .one(of: eventObjects.map { $0(components) }, core: .init(description: "The object as the API shows it"))
                    ])
                },
                write: { envelope, writer in
                    writer.object { writer in
                        writer.key("object")
                        envelope.object(&writer)
                    }
                }
            )
        )
    }

    /// A stored event, written as it was delivered (byte for byte), documented as an event.
    public static let storedEvent = Codec<Event>(describe: event.codec.describe) { event, writer in writer.raw(event.payload) }

    /// A page of stored events.
    public static let storedEvents: Codec<Page<Event>> = Resource<Page<Event>>("EventList", object: "list", description: "A page.") {
        Field("data", \.data, storedEvent.list)
        Field("has_more", \.hasMore)
    }.codec

    /// A webhook endpoint, with its signing secret in the answer that made or rotated it.
    public struct EndpointView: Sendable {
        public let endpoint: WebhookEndpoint
        public let secret: Secret<String>?

        public init(_ endpoint: WebhookEndpoint, secret: Secret<String>? = nil) {
            self.endpoint = endpoint
            self.secret = secret
        }
    }

    public static let webhookEndpoint = Resource<EndpointView>("WebhookEndpoint", object: "webhook_endpoint") {
        Field("id", \.endpoint.id)
        Field("url", \.endpoint.url)
        Field("description", \.endpoint.description)
        Field(
            "events",
            { $0.endpoint.eventTypes.isEmpty ? ["*"] : $0.endpoint.eventTypes.map(\.rawValue) },
            Codec<String>(.string(allowedValues: (["*"] + Event.Kind.allCases.map(\.rawValue)).map { AnyCodable($0) })) { value, writer in
                writer.value(value)
            }.list,
            description: "`*` for every type"
        )
        Field.omittedWhenNil(
            "secret",
            { $0.secret?.value },
            Codec<String>.string(pattern: "^whsec_"),
            description: "The signing secret (Standard Webhooks): only in the answer to a create or a rotation"
        )
        Field("previous_secret_expires_at", \.endpoint.previousSecretExpiresAt)
        Field("created_at", \.endpoint.createdAt)
        Field("updated_at", \.endpoint.updatedAt)
    }

    public static let deletedWebhookEndpoint = Resource<WebhookEndpoint>("DeletedWebhookEndpoint", object: "webhook_endpoint") {
        Field("id", \.id)
        Field("deleted", { _ in true }, Codec<Bool>(.boolean(allowedValues: [true])) { value, writer in writer.value(value) })
    }

    public static let eventDelivery = Resource<EventDelivery>("EventDelivery", object: "event_delivery") {
        Field("id", \.id)
        Field("event_id", \.eventID)
        Field("endpoint_id", \.endpointID)
        Field("status", \.status)
        Field("attempts", \.attempts, Int.codec.documented(.integer(minimum: (0, exclusive: false))))
        Field("next_attempt_at", { $0.status == .pending ? $0.nextAttemptAt : nil })
        Field("last_attempt_at", \.lastAttemptAt)
        Field("last_response_status", \.lastResponseStatus)
        Field("last_error", \.lastError)
        Field("created_at", \.createdAt)
        Field("updated_at", \.updatedAt)
    }
}
