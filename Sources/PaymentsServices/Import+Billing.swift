import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Subscriptions, payments and invoices of the account: each becomes one of ours for the
/// customer of ours its provider customer is linked to, found again by its provider id.
extension Import.Service {
    /// Whose a listed object is here.
    enum Owner {
        case customer(Customer)
        /// A customer a dry run would have brought in.
        case planned
        /// None: the reason it is not brought in.
        case missing(String)
    }

    func owner<Object>(
        of listed: ProviderAccountObject<Object>,
        app: App,
        provider: any PaymentProvider,
        planned: Import.Planned
    ) async throws -> Owner {
        if let customer = try await linkedCustomer(listed.customer, app: app.id, provider: provider) { return .customer(customer) }
        if let providerCustomer = listed.customer, planned.customers[providerCustomer] != nil { return .planned }
        return .missing("its customer \(listed.customer ?? "(none)") was not brought in")
    }

    /// A subscription with its items, each on a price of the catalog; its status, period, trial
    /// and cancellation as the provider has them.
    func bringIn(
        subscription listed: ProviderAccountObject<ProviderSubscription>,
        app: App,
        provider: any PaymentProvider,
        _ options: Import.Options,
        planned: inout Import.Planned
    ) async throws -> Import.Line {
        let remote = listed.object
        if let known = try await store.read({ try await $0.subscriptions(app.id).find(provider: provider.name, providerID: remote.id) }) {
            return Import.Line(.subscriptions, remote.id, ours: known.id.rawValue, .unchanged)
        }
        let owner = try await owner(of: listed, app: app, provider: provider, planned: planned)
        if case .missing(let reason) = owner { return .skipped(.subscriptions, remote.id, reason) }
        guard !remote.items.isEmpty else { return .skipped(.subscriptions, remote.id, "it has no items") }
        let known = try await store.read { session in
            try await Subscriptions.Service.knownPrices(of: remote, app: app.id, provider: provider, session)
        }
        if let unknown = remote.items.first(where: { known[$0.price] == nil && !planned.prices.contains($0.price) }) {
            return .skipped(
                .subscriptions,
                remote.id,
                "its price \(unknown.price) is not in the catalog: bring it in (or add it and link it), then run the import again"
            )
        }
        guard case .customer(let customer) = owner, !options.dryRun else {
            planned.subscriptions.insert(remote.id)
            return Import.Line(.subscriptions, remote.id, ours: nil, .created)
        }
        let base = known[remote.items.first { known[$0.price]?.metered == false }?.price ?? remote.price]
        guard let base else { throw StoreError.inconsistent("subscription \(remote.id): no known price") }
        let made = try await store.write(.system, app: app.id) { session in
            if let raced = try await session.subscriptions(app.id).find(provider: provider.name, providerID: remote.id) { return raced }
            let subscription = Subscription.mirroring(
                remote,
                id: session.ids.next(Subscription.self, at: session.now),
                appID: app.id,
                customerID: customer.id,
                customerExternalID: customer.externalID,
                planID: base.planID,
                priceID: base.priceID,
                quantity: remote.quantity,
                provider: provider.name,
                prices: known,
                at: session.now
            )
            try await session.subscriptions(app.id).insert(subscription)
            var snapshot = SubscriptionSnapshot(subscription, planKey: nil, priceKey: nil)
            snapshot.imported_from = "\(provider.name.rawValue):\(remote.id)"
            try await session.audit(app.id, try AuditRecord(action: .importSubscription, target: subscription.id, snapshot: snapshot))
            if options.emitEvents {
                try await session.emitChanges(app.id, from: nil, to: subscription)  // entitlements.changed among them
            } else {
                session.noteEntitlementsChanged(.customer(app.id, customer.id))  // caches drop them; no event
            }
            return subscription
        }
        return Import.Line(.subscriptions, remote.id, ours: made.id.rawValue, .created)
    }

    /// A payment with its refunds, as the provider has them.
    func bringIn(
        payment listed: ProviderAccountObject<ProviderPaymentRecord>,
        app: App,
        provider: any PaymentProvider,
        _ options: Import.Options,
        planned: Import.Planned
    ) async throws -> Import.Line {
        let record = listed.object
        let remote = record.payment
        if let known = try await store.read({ try await $0.payments(app.id).find(provider: provider.name, providerID: remote.id) }) {
            return Import.Line(.payments, remote.id, ours: known.id.rawValue, .unchanged)
        }
        let owner = try await owner(of: listed, app: app, provider: provider, planned: planned)
        if case .missing(let reason) = owner { return .skipped(.payments, remote.id, reason) }
        guard case .customer(let customer) = owner, !options.dryRun else { return Import.Line(.payments, remote.id, ours: nil, .created) }
        let made = try await store.write(.system, app: app.id) { session in
            if let raced = try await session.payments(app.id).find(provider: provider.name, providerID: remote.id) { return raced }
            var payment = Payment(
                id: session.ids.next(Payment.self, at: session.now),
                appID: app.id,
                customerID: customer.id,
                customerExternalID: customer.externalID,
                amount: remote.amount,
                amountRefunded: 0,
                status: .pending,
                description: record.description,
                metadata: record.metadata.filter { !$0.key.hasPrefix("payments_") }.merging(Import.origin(provider, remote.id)) { $1 },
                provider: provider.name,
                providerPaymentID: remote.id,
                failure: nil,
                createdAt: session.now,
                updatedAt: session.now
            )
            payment.mirror(remote, at: session.now)
            try await session.payments(app.id).insert(payment)
            _ = try await Payments.Service.mirrorOutsideRefunds(record.refunds, of: payment, session)
            var snapshot = PaymentSnapshot(payment, nil)
            snapshot.refunds = record.refunds.map(\.id)
            try await session.audit(app.id, try AuditRecord(action: .importPayment, target: payment.id, snapshot: snapshot))
            if options.emitEvents { try await session.emitChanges(app.id, from: nil, to: payment) }
            return payment
        }
        return Import.Line(.payments, remote.id, ours: made.id.rawValue, .created)
    }

    /// An invoice, numbered in the app's sequence: a subscription's (collected with it, as its
    /// later events are mirrored) or one made at the provider alone (`stripe_invoice`: its
    /// events and `pay`/`void` go on through the provider). A draft is left until finalized.
    func bringIn(
        invoice listed: ProviderAccountObject<ProviderInvoice>,
        app: App,
        provider: any PaymentProvider,
        _ options: Import.Options,
        planned: Import.Planned
    ) async throws -> Import.Line {
        let remote = listed.object
        if let known = try await store.read({ try await $0.invoices(app.id).find(provider: provider.name, providerInvoiceID: remote.id) }) {
            return Import.Line(.invoices, remote.id, ours: known.number ?? known.id.rawValue, .unchanged)
        }
        guard remote.status != .draft else {
            return .skipped(.invoices, remote.id, "a draft may still change at the provider: run the import again once it is finalized")
        }
        let owner = try await owner(of: listed, app: app, provider: provider, planned: planned)
        if case .missing(let reason) = owner { return .skipped(.invoices, remote.id, reason) }
        var subscription: Subscription?
        if let providerSubscription = listed.subscription {
            subscription = try await store.read { try await $0.subscriptions(app.id).find(provider: provider.name, providerID: providerSubscription) }
            guard subscription != nil || planned.subscriptions.contains(providerSubscription) else {
                return .skipped(.invoices, remote.id, "its subscription \(providerSubscription) was not brought in")
            }
        }
        guard case .customer(let customer) = owner, !options.dryRun else { return Import.Line(.invoices, remote.id, ours: nil, .created) }
        let made = try await store.write(.system, app: app.id) { [subscription] session in
            let invoices = session.invoices(app.id)
            if let raced = try await invoices.find(provider: provider.name, providerInvoiceID: remote.id) { return raced }
            let (invoice, kinds) = Invoice.mirroring(
                remote,
                app: app.id,
                customerID: customer.id,
                externalID: customer.externalID,
                subscription: subscription,
                provider: provider.name,
                id: session.ids.next(Invoice.self, at: session.now),
                lineID: { session.ids.next(InvoiceLine.self, at: session.now) },
                number: try await invoices.takeNumber(at: session.wallClock),
                at: session.now,
                now: session.now
            )
            var mirrored = invoice
            mirrored.metadata = Import.origin(provider, remote.id)
            try await invoices.insert(mirrored)
            var snapshot = InvoiceSnapshot(mirrored)
            snapshot.attempt = "imported from \(provider.name.rawValue) \(remote.id): \(remote.status.rawValue)"
            try await session.audit(app.id, try AuditRecord(action: .importInvoice, target: mirrored.id, snapshot: snapshot))
            if options.emitEvents {
                for kind in kinds { try await session.emit(app.id, kind, mirrored) }
            }
            return mirrored
        }
        return Import.Line(.invoices, remote.id, ours: made.number ?? made.id.rawValue, .created)
    }
}
