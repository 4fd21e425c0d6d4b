import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Inbox {}

extension Inbox {
    /// Provider events: verified and stored raw on receipt (answered at once), processed after by
    /// a worker. Processing reads the object's current state from the provider, so a replayed,
    /// late or out-of-order event never moves anything back.
    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory
        let webhooks: [ProviderName: ProviderWebhooks]
        let subscriptions: Subscriptions.Service
        let payments: Payments.Service
        let checkout: Checkout.Service
        let grace: GracePeriods.Service
        let invoices: Invoices.Service
        let logger: Logger

        public init(
            store: Store,
            directory: Providers.Directory,
            webhooks: [ProviderName: ProviderWebhooks],
            subscriptions: Subscriptions.Service,
            payments: Payments.Service,
            checkout: Checkout.Service,
            grace: GracePeriods.Service,
            invoices: Invoices.Service,
            logger: Logger
        ) {
            self.invoices = invoices
            self.store = store
            self.directory = directory
            self.webhooks = webhooks
            self.subscriptions = subscriptions
            self.payments = payments
            self.checkout = checkout
            self.grace = grace
            self.logger = logger
        }

        public enum Receipt: Sendable, Equatable {
            case stored(ProviderEvent.ID)
            case duplicate
        }

        /// Verifies and stores a Stripe webhook.
        /// - Parameter app: the app whose own account sent it; nil for the platform account.
        /// - Throws: 400 `webhook_signature_invalid` (nothing stored), 400 `webhook_payload_invalid`.
        public func receiveStripe(app appID: App.ID?, payload: [UInt8], signature: String?) async throws -> Receipt {
            guard let reader = webhooks[.stripe] else { throw Self.invalidSignature("Stripe webhooks are not configured.") }
            var secrets: [Secret<String>] = []
            if let appID {
                if let app = try await store.read({ try await $0.apps.find(appID) }), let own = try await directory.ownStripe(app) {
                    secrets = own.webhookSecrets
                }
            } else {
                secrets = directory.platformStripe?.webhookSecrets ?? []
            }
            guard !secrets.isEmpty else { throw Self.invalidSignature("No webhook signing secret is configured for this endpoint.") }
            let now = store.clock.now()
            do {
                try reader.verify(payload, signature, secrets, now)
            } catch {
                throw Self.invalidSignature("\(error)")
            }
            let facts: ProviderEventHeader
            do {
                facts = try reader.identify(payload)
            } catch {
                throw PaymentsError(.invalidRequest, code: .webhookPayloadInvalid, message: error.message)
            }
            guard let text = String(validating: payload, as: UTF8.self) else {
                throw PaymentsError(.invalidRequest, code: .webhookPayloadInvalid, message: "The body is not UTF-8.")
            }
            let event = ProviderEvent(
                id: store.ids.next(ProviderEvent.self, at: now),
                appID: appID,
                provider: .stripe,
                account: appID?.rawValue ?? "platform",
                providerEventID: facts.id,
                type: facts.type,
                createdAt: facts.createdAt,
                receivedAt: now,
                payload: text,
                status: .pending,
                attempts: 0,
                nextAttemptAt: now,
                lastError: nil,
                processedAt: nil
            )
            return try await store.inbox.insert(event) ? .stored(event.id) : .duplicate
        }

        /// One app's provider events, newest first, by status (the failed ones, for a person to look at).
        public func events(app: App.ID, status: ProviderEvent.Status?, _ page: PageRequest) async throws -> Page<ProviderEvent> {
            try page.requireCursor(of: ProviderEvent.self)
            return try await store.read { try await $0.providerEvents(app: app, status: status, page) }
        }

        /// Queues one of the app's provider events to be processed again, from the provider's
        /// current state, as `payments events reprocess --id` does. Audited as
        /// REPROCESS_PROVIDER_EVENT.
        public func reprocess(app: App.ID, _ id: String, origin: Origin) async throws -> ProviderEvent {
            guard let eventID = ProviderEvent.ID(parsing: id) else { throw PaymentsError.notFound(.providerEventNotFound, id: id) }
            return try await store.write(origin, app: app) { session in
                guard let event = try await Self.requeue(eventID, app: app, session) else {
                    throw PaymentsError.notFound(.providerEventNotFound, id: id)
                }
                return event
            }
        }

        /// Puts events back in the queue (`payments events reprocess`): one by id, or every one
        /// received in a range; each app's in one transaction with its audit entries
        /// (REPROCESS_PROVIDER_EVENT), those no app was found for as they are.
        /// - Returns: how many were queued.
        public func reprocess(id: ProviderEvent.ID?, receivedFrom: Date?, receivedTo: Date?, origin: Origin) async throws -> Int {
            let found = try await store.inbox.requeueable(id: id, receivedFrom: receivedFrom, receivedTo: receivedTo)
            var queued = 0
            for (app, events) in Dictionary(grouping: found.compactMap { id, app in app.map { ($0, id) } }, by: \.0).sorted(by: { $0.key < $1.key }) {
                queued += try await store.write(origin, app: app) { session in
                    var requeued = 0
                    for (_, id) in events where try await Self.requeue(id, app: app, session) != nil { requeued += 1 }
                    return requeued
                }
            }
            for (id, app) in found where app == nil {
                queued += try await store.inbox.reprocess(id: id, receivedFrom: nil, receivedTo: nil, now: store.clock.now())
            }
            return queued
        }

        /// Requeues one of the app's events, audited; nil when it has none by that id (or it is
        /// being processed).
        static func requeue(_ id: ProviderEvent.ID, app: App.ID, _ session: Session) async throws -> ProviderEvent? {
            guard let event = try await session.requeueProviderEvent(id, app: app) else { return nil }
            try await session.audit(
                app,
                try AuditRecord(
                    action: .reprocessProviderEvent,
                    targetType: .providerEvent,
                    targetID: id.rawValue,
                    snapshot: ["type": event.type, "status_before": event.status.rawValue, "last_error": event.lastError ?? ""]
                )
            )
            return event
        }

        static func invalidSignature(_ message: String) -> PaymentsError {
            PaymentsError(.invalidRequest, code: .webhookSignatureInvalid, message: message, param: "Stripe-Signature")
        }

        /// Claims due events and processes them.
        /// - Returns: how many were processed.
        @discardableResult
        /// Processes what is due, and waits (up to `patience`) for events another worker is
        /// processing: for a caller that answers once everything received so far is settled.
        public func settle(patience: Duration = .seconds(5)) async throws {
            let deadline = ContinuousClock.now.advanced(by: patience)
            while true {
                while try await processDue(limit: 200) > 0 {}
                guard try await store.inbox.unsettled(now: store.clock.now()) > 0, ContinuousClock.now < deadline else { return }
                try await Task.sleep(for: .milliseconds(10))
            }
        }

        public func processDue(limit: Int = 50, lease: Duration = .seconds(60)) async throws -> Int {
            let events = try await store.inbox.claim(now: store.clock.now(), lease: lease, limit: limit)
            for event in events {
                do {
                    switch try await process(event) {
                    case .done(let status, let app):
                        try await store.inbox.finish(event.id, status: status, appID: app, error: nil, nextAttemptAt: nil, now: store.clock.now())
                    case .refused(let reason, let app):
                        logger.warning("provider event refused", metadata: ["event": "\(event.id)", "type": "\(event.type)", "reason": "\(reason)"])
                        try await store.inbox.finish(event.id, status: .failed, appID: app, error: reason, nextAttemptAt: nil, now: store.clock.now())
                    }
                } catch {
                    let now = store.clock.now()
                    let giveUp = event.attempts >= ProviderEvent.maximumAttempts
                    let next = now.addingTimeInterval(Double(ProviderEvent.backoff(afterAttempt: event.attempts).components.seconds))
                    logger.warning(
                        "provider event failed",
                        metadata: ["event": "\(event.id)", "type": "\(event.type)", "error": "\(error)"]
                    )
                    try await store.inbox.finish(
                        event.id,
                        status: giveUp ? .failed : .pending,
                        appID: nil,
                        error: "\(error)",
                        nextAttemptAt: next,
                        now: now
                    )
                }
            }
            return events.count
        }

        /// What processing made of an event.
        enum Outcome: Equatable {
            /// `succeeded`, or `ignored` for events the service does not act on.
            case done(ProviderEvent.Status, App.ID?)
            /// Not applied, and not worth retrying: kept as `failed` with the reason.
            case refused(String, App.ID)
        }

        /// Processes one event: routes it to its app and refreshes the object it is about.
        func process(_ event: ProviderEvent) async throws -> Outcome {
            guard let reader = webhooks[event.provider] else { return .done(.ignored, nil) }
            let facts = try reader.interpret(Array(event.payload.utf8))
            guard let appID = try await route(event, facts),
                let app = try await store.read({ try await $0.apps.find(appID) })
            else { return .done(.ignored, nil) }
            if let livemode = facts.livemode, livemode != (app.mode == .live) {
                return .refused(
                    "livemode mismatch: a \(livemode ? "live" : "test")-mode event for \(app.mode.rawValue)-mode app \(app.id); not applied.",
                    app.id
                )
            }
            let provider = try await directory.provider(for: app)
            guard provider.name == event.provider else { return .done(.ignored, app.id) }
            let origin = Origin(actor: .system, requestID: event.id.rawValue)
            let acted = try await apply(facts.fact, app: app, provider: provider.name, at: facts.createdAt, origin: origin)
            return .done(acted ? .succeeded : .ignored, app.id)
        }

        /// Does what a provider's fact implies for the app: refreshes the object it is about from
        /// the provider and records what follows (grace periods opened or resolved, invoices
        /// mirrored, events to the app). The one path for a webhook and for drift
        /// reconciliation's repairs.
        /// - Parameter time: when the provider says it happened.
        /// - Returns: whether the fact was about an object of the app's.
        public func apply(_ fact: ProviderFact, app: App, provider: ProviderName, at time: Date, origin: Origin) async throws -> Bool {
            let acted: Bool
            switch fact {
            case .subscriptionChanged(let id):
                acted = try await subscriptions.refresh(app: app, providerID: id, origin: origin)
            case .trialEnding(let id):
                acted = try await subscriptions.refresh(app: app, providerID: id, origin: origin)
                try await trialEnding(subscription: id, app: app.id, provider: provider, origin: origin)
            case .invoicePaid(let invoice, .some(let id)):
                acted = try await subscriptions.refresh(app: app, providerID: id, origin: origin)
                if acted {
                    try await resolveGraceIfPaid(subscription: id, app: app, provider: provider, origin: origin)
                    try await mirror(invoice, subscription: id, paymentFailed: false, at: time, app: app, origin: origin)
                }
            case .invoicePaymentFailed(let invoice, .some(let id)):
                acted = try await subscriptions.refresh(app: app, providerID: id, origin: origin)
                if acted {
                    try await openGraceIfPastDue(subscription: id, app: app, provider: provider, origin: origin)
                    try await mirror(invoice, subscription: id, paymentFailed: true, at: time, app: app, origin: origin)
                }
            case .invoiceChanged(let invoice, .some(let id)):
                acted = try await subscriptions.refresh(app: app, providerID: id, origin: origin)
                if acted { try await mirror(invoice, subscription: id, paymentFailed: false, at: time, app: app, origin: origin) }
            case .paymentSucceeded(let id):
                acted = try await payments.refresh(app: app, providerID: id, origin: origin)
                if acted, let payment = try await store.read({ try await $0.payments(app.id).find(provider: provider, providerID: id) }),
                    payment.status == .succeeded
                {
                    try await grace.resolvePaid(app: app.id, customer: payment.customerID, origin: origin)
                }
            case .paymentFailed(let id), .paymentRefunded(let id), .paymentChanged(let id):
                acted = try await payments.refresh(app: app, providerID: id, origin: origin)
            case .collectedInvoiceChanged(let id):
                acted = try await invoices.refresh(app: app, providerInvoiceID: id, paymentFailed: false, origin: origin)
            case .collectedInvoicePaymentFailed(let id):
                acted = try await invoices.refresh(app: app, providerInvoiceID: id, paymentFailed: true, origin: origin)
            case .checkoutCompleted(let id), .checkoutChanged(let id):
                acted = (try? await checkout.get(app: app, id, origin: origin)) != nil
            case .invoicePaid(let invoice?, nil), .invoiceChanged(let invoice?, nil):
                // An invoice made at the provider alone, brought in by an import: followed there.
                acted = try await invoices.refresh(app: app, providerInvoiceID: invoice.id, paymentFailed: false, origin: origin)
            case .invoicePaymentFailed(let invoice?, nil):
                acted = try await invoices.refresh(app: app, providerInvoiceID: invoice.id, paymentFailed: true, origin: origin)
            case .invoicePaid(nil, nil), .invoicePaymentFailed(nil, nil), .invoiceChanged(nil, nil), .unhandled:
                acted = false
            }
            return acted
        }

        /// The app an event belongs to: the endpoint's (an app's own account), else the one named
        /// in the object's metadata, else — for an invoice of the platform account, which Stripe
        /// sends without the subscription's metadata — the one app served by the platform account
        /// that holds the subscription it bills, or (one made at the provider alone and imported)
        /// the invoice itself.
        func route(_ event: ProviderEvent, _ facts: ProviderEventFacts) async throws -> App.ID? {
            if let app = event.appID ?? facts.appID { return app }
            guard event.account == "platform" else { return nil }
            let owners: [App.ID]
            if let subscription = facts.fact.invoicedSubscription {
                owners = try await store.read { try await $0.subscriptionOwners(provider: event.provider, providerID: subscription) }
            } else if let invoice = facts.fact.invoice {
                // An invoice made at the provider alone, brought in by an import.
                owners = try await store.read { try await $0.invoiceOwners(provider: event.provider, providerInvoiceID: invoice.id) }
            } else {
                return nil
            }
            guard owners.count == 1, let owner = owners.first,
                let app = try await store.read({ try await $0.apps.find(owner) }),
                try await directory.ownStripe(app) == nil
            else { return nil }
            return owner
        }

        /// Mirrors the subscription's invoice the event carries as one of ours.
        /// - Parameter at: when the provider says it happened (its event's time; for the sandbox,
        ///   on the app's test clock).
        func mirror(_ invoice: ProviderInvoice?, subscription: String, paymentFailed: Bool, at time: Date, app: App, origin: Origin) async throws {
            guard let invoice else { return }
            try await invoices.mirror(invoice, subscription: subscription, paymentFailed: paymentFailed, at: time, app: app, origin: origin)
        }

        /// Announces a trial's coming end once per subscription and trial end.
        func trialEnding(subscription providerID: String, app: App.ID, provider: ProviderName, origin: Origin) async throws {
            try await store.write(origin, app: app) { session in
                guard let subscription = try await session.subscriptions(app).find(provider: provider, providerID: providerID),
                    subscription.status == .trialing, let trialEnd = subscription.trialEnd
                else {
                    try await session.audit(
                        app,
                        try AuditRecord(
                            action: .updateSubscription,
                            targetType: .providerSubscription,
                            targetID: providerID,
                            snapshot: ["trial_will_end": "not trialing"]
                        )
                    )
                    return
                }
                let key = "trial_ending:\(subscription.id.rawValue):\(Timestamp.milliseconds(trialEnd))"
                let known = try await session.events(app).exists(dedupeKey: key)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .updateSubscription,
                        target: subscription.id,
                        snapshot: ["trial_end": "\(Timestamp.milliseconds(trialEnd))", "already_announced": "\(known)"]
                    )
                )
                guard !known else { return }
                try await session.emit(app, [.subscriptionTrialEnding], subscription: subscription, dedupeKey: key)
            }
        }

        /// A failed invoice opens a grace period — judged by the subscription's state as the
        /// provider reports it now, so the order events come in does not matter.
        func openGraceIfPastDue(subscription providerID: String, app: App, provider: ProviderName, origin: Origin) async throws {
            guard let subscription = try await store.read({ try await $0.subscriptions(app.id).find(provider: provider, providerID: providerID) }),
                [.pastDue, .unpaid, .incomplete].contains(subscription.status)
            else { return }
            let plan = try await store.read { try await $0.plans(app.id).find(id: subscription.planID) }
            try await grace.open(
                app: app.id,
                customer: (subscription.customerID, subscription.customerExternalID),
                subscription: subscription.id,
                reason: .paymentFailed,
                days: plan?.gracePeriodDays ?? app.gracePeriodDays ?? GracePeriod.defaultDays,
                origin: origin
            )
        }

        /// A paid invoice resolves the customer's grace period, when the provider says the
        /// subscription is in good standing now.
        func resolveGraceIfPaid(subscription providerID: String, app: App, provider: ProviderName, origin: Origin) async throws {
            guard let subscription = try await store.read({ try await $0.subscriptions(app.id).find(provider: provider, providerID: providerID) }),
                [.active, .trialing].contains(subscription.status)
            else { return }
            try await grace.resolvePaid(app: app.id, customer: subscription.customerID, origin: origin)
        }
    }
}
