import PaymentsContract
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Session {
    /// Writes an event to the app's outbox in this transaction: `value` as the API shows it.
    func emit<Root: Sendable>(
        _ app: App.ID,
        _ kind: Event.Kind,
        _ resource: Resource<Root>,
        _ value: Root,
        id: String,
        customer: Customer.ID?,
        type: ResourceType,
        dedupeKey: String? = nil
    ) async throws {
        try await events(app).append(kind, objectType: type, objectID: id, customer: customer, dedupeKey: dedupeKey) { header in
            let envelope = Resources.EventEnvelope(
                id: header.id,
                type: kind,
                createdAt: header.createdAt,
                sequence: nil,
                object: { writer in resource.write(value, to: &writer) }
            )
            return String(decoding: Resources.event.json(envelope), as: UTF8.self)
        }
    }

    func emit(_ app: App.ID, _ kinds: [Event.Kind], subscription: Subscription, dedupeKey: String? = nil) async throws {
        for kind in kinds {
            try await emit(
                app,
                kind,
                Resources.subscription,
                subscription,
                id: subscription.id.rawValue,
                customer: subscription.customerID,
                type: .subscription,
                dedupeKey: dedupeKey
            )
        }
    }

    /// Announces what changed on a subscription. One the provider has not created yet (the row
    /// written before the call) is announced when it first carries the provider's id.
    func emitChanges(_ app: App.ID, from before: Subscription?, to after: Subscription) async throws {
        if before?.status != after.status || before?.planID != after.planID || before?.items.map(\.priceID) != after.items.map(\.priceID) {
            entitlementsChanged(app, customer: after.customerID)
        }
        guard after.providerSubscriptionID != nil else { return }
        let known = before?.providerSubscriptionID == nil ? nil : before
        try await emit(app, subscriptionEvents(from: known, to: after), subscription: after)
    }

    /// Announces what changed on a payment. One the provider has not seen yet is announced once
    /// the provider has answered for it.
    func emitChanges(_ app: App.ID, from before: Payment?, to after: Payment) async throws {
        if before?.status != after.status || before?.amountRefunded != after.amountRefunded {
            try await invoicePaymentChanged(app, from: before, to: after)
        }
        let kinds = paymentEvents(from: before, to: after)
        guard !kinds.isEmpty else { return }
        let view = Resources.PaymentView(after, refunds: try await payments(app).refunds(of: after.id))
        for kind in kinds {
            try await emit(app, kind, Resources.payment, view, id: after.id.rawValue, customer: after.customerID, type: .payment)
        }
    }

    func emit(_ app: App.ID, _ kind: Event.Kind, gracePeriod: GracePeriod) async throws {
        // Opened or closed, it changes what the customer may use.
        entitlementsChanged(app, customer: gracePeriod.customerID)
        try await emit(
            app,
            kind,
            Resources.gracePeriod,
            gracePeriod,
            id: gracePeriod.id.rawValue,
            customer: gracePeriod.customerID,
            type: .gracePeriod
        )
    }
}
