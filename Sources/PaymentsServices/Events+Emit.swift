import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An event as an app receives it (and as `GET /v1/events` shows it).
struct EventBody<Resource: Encodable>: Encodable {
    struct Payload: Encodable { let object: Resource }

    let id: String
    let object = "event"
    let type: String
    let created_at: Date
    let sequence: Int64
    let data: Payload
}

extension Session {
    /// Writes an event to the app's outbox in this transaction: the resource as the API shows it.
    func emit(
        _ app: App.ID, _ kind: Event.Kind, _ resource: some Encodable & Sendable, type: ResourceType, id: String, customer: Customer.ID?,
        dedupeKey: String? = nil
    ) async throws {
        try await events(app).append(kind, objectType: type, objectID: id, customer: customer, dedupeKey: dedupeKey) { header in
            try ResourceJSON.string(
                EventBody(
                    id: header.id.rawValue, type: kind.rawValue, created_at: header.createdAt, sequence: header.sequence,
                    data: .init(object: resource)))
        }
    }

    func emit(_ app: App.ID, _ kinds: [Event.Kind], subscription: Subscription, dedupeKey: String? = nil) async throws {
        for kind in kinds {
            try await emit(
                app, kind, SubscriptionResource(subscription), type: .subscription, id: subscription.id.rawValue, customer: subscription.customerID,
                dedupeKey: dedupeKey)
        }
    }

    /// Announces what changed on a subscription. One the provider has not created yet (the row
    /// written before the call) is announced when it first carries the provider's id.
    func emitChanges(_ app: App.ID, from before: Subscription?, to after: Subscription) async throws {
        guard after.providerSubscriptionID != nil else { return }
        let known = before?.providerSubscriptionID == nil ? nil : before
        try await emit(app, subscriptionEvents(from: known, to: after), subscription: after)
    }

    /// Announces what changed on a payment. One the provider has not seen yet is announced once
    /// the provider has answered for it.
    func emitChanges(_ app: App.ID, from before: Payment?, to after: Payment) async throws {
        let kinds = paymentEvents(from: before, to: after)
        guard !kinds.isEmpty else { return }
        let resource = PaymentResource(after, refunds: try await payments(app).refunds(of: after.id))
        for kind in kinds { try await emit(app, kind, resource, type: .payment, id: after.id.rawValue, customer: after.customerID) }
    }

    func emit(_ app: App.ID, _ kind: Event.Kind, gracePeriod: GracePeriod) async throws {
        try await emit(
            app, kind, GracePeriodResource(gracePeriod), type: .gracePeriod, id: gracePeriod.id.rawValue, customer: gracePeriod.customerID)
    }
}
