import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/events` (what was announced, replayable by sequence) and `/v1/event-deliveries` (how
/// each went to each endpoint; send one again).
struct EventsController: Controller {
    let events: Events.Service

    static let access = Access.app

    static let routes: [Route<Self>] = [
        Route(
            .get,
            "/v1/events",
            id: "listEvents",
            summary: "Events, newest first, or a replayable stream",
            description: "With `after_sequence=N`: oldest first from sequence N+1, to catch up after downtime (page with the last "
                + "sequence seen).",
            success: .ok(Resources.storedEvents, "A page"),
            errors: [.notFound],
            handler: list
        ),
        Route(
            .get,
            "/v1/events/{id}",
            id: "getEvent",
            summary: "One event, as delivered",
            parameters: [.id(Event.self)],
            success: .ok(Resources.storedEvent, "The event"),
            errors: [.notFound],
            handler: get
        ),
        Route(
            .get,
            "/v1/event-deliveries",
            id: "listEventDeliveries",
            summary: "Deliveries, newest first",
            description: "One per event and endpoint. Retries: at once, then \(RetrySchedule.standard.described) after each failure "
                + "(each up to 20 % longer at random); 2xx is success, anything else or no answer within 15 s a failure; after the "
                + "last, `dead` until retried by hand.",
            success: .ok(Resources.eventDelivery.list, "A page"),
            errors: [.notFound],
            handler: deliveries
        ),
        Route(
            .get,
            "/v1/event-deliveries/{id}",
            id: "getEventDelivery",
            summary: "One delivery",
            parameters: [.id(EventDelivery.self)],
            success: .ok(Resources.eventDelivery.codec, "The delivery"),
            errors: [.notFound],
            handler: delivery
        ),
        Route(
            .post,
            "/v1/event-deliveries/{id}/retry",
            id: "retryEventDelivery",
            summary: "Send a delivery again now",
            description: "Whatever its state: a dead one gets one more attempt, a failing one skips its wait. 400 "
                + "`webhook_endpoint_deleted` when its endpoint is gone; 409 `event_delivery_in_flight` while a worker is sending it "
                + "(a second attempt would deliver it twice).",
            parameters: [.id(EventDelivery.self)],
            success: .ok(Resources.eventDelivery.codec, "Due now"),
            errors: [.notFound],
            handler: retry
        ),
    ]

    @Sendable func list(_ call: Call<NoBody, EventQuery>) async throws -> Page<Event> {
        let query = call.query
        return try await events.list(
            app: try call.app().id,
            afterSequence: query.afterSequence,
            type: query.type?.rawValue,
            customer: query.customer,
            query.page
        )
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Event {
        try await events.get(app: try call.app().id, try call.path("id"))
    }

    @Sendable func deliveries(_ call: Call<NoBody, DeliveryQuery>) async throws -> Page<EventDelivery> {
        let query = call.query
        return try await events.deliveries(
            app: try call.app().id,
            status: query.status,
            endpoint: query.endpoint,
            event: query.event,
            query.page
        )
    }

    @Sendable func delivery(_ call: Call<NoBody, NoQuery>) async throws -> EventDelivery {
        try await events.delivery(app: try call.app().id, try call.path("id"))
    }

    @Sendable func retry(_ call: Call<NoBody, NoQuery>) async throws -> EventDelivery {
        try await events.retry(app: try call.app().id, try call.path("id"), origin: call.origin)
    }

    struct EventQuery: APIQuery {
        var page = PageRequest.first
        var afterSequence: Int64?
        var type: Event.Kind?
        var customer: String?

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: Event.self)
            Parameter(
                "after_sequence",
                \.afterSequence,
                .integer(IntegerRule(0...Int64.max)),
                description: "Oldest first, from this sequence + 1 (not with starting_after)"
            )
            Parameter("type", \.type, .enumeration)
            Parameter.customer(\.customer)
        }
    }

    struct DeliveryQuery: APIQuery {
        var page = PageRequest.first
        var status: EventDelivery.Status?
        var endpoint: String?
        var event: String?

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: EventDelivery.self)
            Parameter("status", \.status, .enumeration)
            Parameter("endpoint", \.endpoint, .text(TextRule(length: 1...255)), description: "Only this endpoint's (we_...)")
            Parameter("event", \.event, .text(TextRule(length: 1...255)), description: "Only this event's (evt_...)")
        }
    }
}
