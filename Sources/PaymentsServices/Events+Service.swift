import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Events {}

extension Events {
    /// What was announced to the app and how its deliveries went.
    public struct Service: Sendable {
        let store: Store
        let customers: Customers.Service

        public init(store: Store, customers: Customers.Service) {
            self.store = store
            self.customers = customers
        }

        /// Newest first, or from `afterSequence` on, oldest first (a replayable stream).
        public func list(app: App.ID, afterSequence: Int64?, type: String?, customer: String?, _ page: PageRequest) async throws -> Page<Event> {
            try page.requireCursor(of: Event.self)
            if afterSequence != nil, page.startingAfter != nil {
                throw PaymentsError.invalid("after_sequence", "after_sequence and starting_after cannot be combined.")
            }
            if let afterSequence, afterSequence < 0 { throw PaymentsError.invalid("after_sequence", "after_sequence must be 0 or more.") }
            var kind: Event.Kind?
            if let type {
                guard let parsed = Event.Kind(rawValue: type) else { throw PaymentsError.invalid("type", "Unknown event type '\(type)'.") }
                kind = parsed
            }
            var customerID: Customer.ID?
            if let customer { customerID = try await customers.get(app: app, externalID: customer, param: "customer").id }
            // What the app's own writes announced is in the stream it reads.
            try await store.eventSequencer.sequenceAll(wait: true)
            return try await store.read { [kind, customerID] in
                try await $0.events(app).list(afterSequence: afterSequence, type: kind, customer: customerID, page)
            }
        }

        public func get(app: App.ID, _ id: String) async throws -> Event {
            guard let eventID = Event.ID(parsing: id) else { throw PaymentsError.notFound(.eventNotFound, id: id) }
            try await store.eventSequencer.sequenceAll(wait: true)
            guard let event = try await store.read({ try await $0.events(app).find(eventID) }) else {
                throw PaymentsError.notFound(.eventNotFound, id: id)
            }
            return event
        }

        public func deliveries(
            app: App.ID,
            status: EventDelivery.Status?,
            endpoint: String?,
            event: String?,
            _ page: PageRequest
        ) async throws -> Page<EventDelivery> {
            try page.requireCursor(of: EventDelivery.self)
            var endpointID: WebhookEndpoint.ID?
            if let endpoint {
                guard let parsed = WebhookEndpoint.ID(parsing: endpoint),
                    try await store.read({ try await $0.webhookEndpoints(app).find(parsed) }) != nil
                else {
                    throw PaymentsError(
                        .notFound,
                        code: .webhookEndpointNotFound,
                        message: "No such webhook_endpoint: '\(endpoint)'.",
                        param: "endpoint"
                    )
                }
                endpointID = parsed
            }
            var eventID: Event.ID?
            if let event {
                guard let parsed = Event.ID(parsing: event) else {
                    throw PaymentsError(.notFound, code: .eventNotFound, message: "No such event: '\(event)'.", param: "event")
                }
                eventID = parsed
            }
            try await store.eventSequencer.sequenceAll(wait: true)
            return try await store.read { [endpointID, eventID] in
                try await $0.eventDeliveries(app).list(status: status, endpoint: endpointID, event: eventID, page)
            }
        }

        public func delivery(app: App.ID, _ id: String) async throws -> EventDelivery {
            guard let deliveryID = EventDelivery.ID(parsing: id),
                let delivery = try await store.read({ try await $0.eventDeliveries(app).find(deliveryID) })
            else { throw PaymentsError.notFound(.eventDeliveryNotFound, id: id) }
            return delivery
        }

        /// Sends a delivery again now, whatever its state (a dead one gets one more attempt;
        /// a failing one stops waiting for its backoff), unless a worker is sending it this moment.
        /// - Throws: `webhook_endpoint_deleted` when its endpoint is gone; 409
        ///   `event_delivery_in_flight` while an attempt is under way (a second would send it twice).
        public func retry(app: App.ID, _ id: String, origin: Origin) async throws -> EventDelivery {
            guard let deliveryID = EventDelivery.ID(parsing: id) else { throw PaymentsError.notFound(.eventDeliveryNotFound, id: id) }
            return try await store.write(origin, app: app) { session in
                guard let delivery = try await session.eventDeliveries(app).find(deliveryID) else {
                    throw PaymentsError.notFound(.eventDeliveryNotFound, id: id)
                }
                guard try await session.webhookEndpoints(app).find(delivery.endpointID) != nil else {
                    throw PaymentsError(
                        .invalidRequest,
                        code: .webhookEndpointDeleted,
                        message: "The endpoint of delivery \(id) was deleted; it cannot be sent again."
                    )
                }
                guard !delivery.isInFlight(at: session.now) else {
                    throw PaymentsError(
                        .conflict,
                        code: .eventDeliveryInFlight,
                        message: "Delivery \(id) is being sent now; retry it once that attempt is recorded."
                    )
                }
                let due = try await session.eventDeliveries(app).retryNow(delivery)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .retryEventDelivery,
                        target: delivery.id,
                        snapshot: ["event_id": delivery.eventID.rawValue, "previous_status": delivery.status.rawValue]
                    )
                )
                return due
            }
        }
    }
}
