import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Checkout {}

extension Checkout {
    public struct CreateRequest: Sendable {
        public let customer: String
        public let mode: CheckoutSession.Mode
        public let plan: String
        public let price: String?
        /// Subscription mode: the prices to bill, as `Subscriptions.CreateRequest.prices`.
        public let prices: [String]?
        public let quantity: Int
        public let trialPeriodDays: Int?
        public let successURL: String
        public let cancelURL: String?
        public let metadata: [String: String]

        public init(
            customer: String,
            mode: CheckoutSession.Mode,
            plan: String,
            price: String?,
            prices: [String]? = nil,
            quantity: Int,
            trialPeriodDays: Int?,
            successURL: String,
            cancelURL: String?,
            metadata: [String: String]
        ) {
            self.customer = customer
            self.mode = mode
            self.plan = plan
            self.price = price
            self.prices = prices
            self.quantity = quantity
            self.trialPeriodDays = trialPeriodDays
            self.successURL = successURL
            self.cancelURL = cancelURL
            self.metadata = metadata
        }
    }

    /// Hosted checkout and the billing portal.
    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory
        let plans: Plans.Service
        let customers: Customers.Service
        let logger: Logger
        var links: ProviderLinks { ProviderLinks(store: store) }

        public init(store: Store, directory: Providers.Directory, plans: Plans.Service, customers: Customers.Service, logger: Logger) {
            self.store = store
            self.directory = directory
            self.plans = plans
            self.customers = customers
            self.logger = logger
        }

        /// Opens a checkout session. The provider session is made first (under a key derived
        /// from the request's `Idempotency-Key` when there is one), then recorded: a crash in
        /// between leaves only an unused provider session, which expires on its own.
        public func create(app: App, _ request: CreateRequest, requestKey: String?, origin: Origin) async throws -> CheckoutSession {
            try Customer.validate(externalID: request.customer, param: "customer")
            try Subscription.validate(quantity: request.quantity)
            if let days = request.trialPeriodDays { try Subscription.validate(trialPeriodDays: days) }
            try Metadata.validate(request.metadata)
            let provider = try await directory.provider(for: app)
            let plan = try await plans.find(app: app.id, key: request.plan).activeForSale(param: "plan")
            let customer = try await customers.get(app: app.id, externalID: request.customer, param: "customer")
            if request.trialPeriodDays != nil, request.mode != .subscription {
                throw PaymentsError.invalid("trial_period_days", "trial_period_days applies to subscription mode only.")
            }
            try CheckoutSession.validate(url: request.successURL, param: "success_url")
            if let cancelURL = request.cancelURL { try CheckoutSession.validate(url: cancelURL, param: "cancel_url") }
            if request.prices != nil, request.mode != .subscription {
                throw PaymentsError.invalid("prices", "prices applies to subscription mode only.")
            }
            let prices =
                request.mode == .subscription
                ? try plan.subscriptionPrices(base: request.price, keys: request.prices)
                : [try plan.resolvePrice(request.price, recurring: false)]
            let price = prices[0]
            guard price.isRecurring == (request.mode == .subscription) else {
                throw PaymentsError.invalid(
                    "price",
                    "A \(request.mode.rawValue)-mode session needs a \(request.mode == .subscription ? "recurring" : "one-time") price; \(price.key) is \(price.terms.type)."
                )
            }
            if case .metered = price.terms, request.mode == .payment {
                throw PaymentsError.invalid("price", "A metered price cannot be paid once.")
            }
            let checkout = try provider.require((any CheckoutProvider).self, .checkout)
            let providerCustomer = try await links.customer(customer, on: checkout, origin: origin)
            var items: [ProviderItemRequest] = []
            for price in prices {
                let providerPrice = try await links.price(price, of: plan, on: checkout, origin: origin)
                items.append(ProviderItemRequest(price: providerPrice, quantity: price.isMetered ? nil : request.quantity))
            }
            let id = store.ids.next(CheckoutSession.self, at: store.clock.now())
            let remote = try await checkout.createCheckoutSession(
                ProviderCheckoutRequest(
                    ourID: id.rawValue,
                    mode: request.mode,
                    customer: providerCustomer,
                    items: items,
                    trialPeriodDays: request.trialPeriodDays ?? (request.mode == .subscription ? plan.trialPeriodDays : nil),
                    successURL: request.successURL,
                    cancelURL: request.cancelURL,
                    metadata: request.metadata.merging([ProviderMetadata.appID: app.id.rawValue, ProviderMetadata.objectID: id.rawValue]) { _, ours in
                        ours
                    }
                ),
                idempotencyKey: requestKey.map { "checkout-\(app.id.rawValue)-\($0)" } ?? id.rawValue
            )
            return try await store.write(origin, app: app.id) { session in
                let created = CheckoutSession(
                    id: id,
                    appID: app.id,
                    customerID: customer.id,
                    customerExternalID: customer.externalID,
                    mode: request.mode,
                    planID: plan.id,
                    priceID: price.id,
                    quantity: request.quantity,
                    trialPeriodDays: request.trialPeriodDays,
                    successURL: request.successURL,
                    cancelURL: request.cancelURL,
                    metadata: request.metadata,
                    status: remote.status,
                    url: remote.url,
                    expiresAt: remote.expiresAt,
                    provider: checkout.name,
                    providerSessionID: remote.id,
                    subscriptionID: nil,
                    paymentID: nil,
                    createdAt: session.now,
                    updatedAt: session.now
                )
                try await session.checkoutSessions(app.id).insert(created)
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .createCheckoutSession,
                        target: id,
                        snapshot: ["mode": request.mode.rawValue, "plan": plan.key, "price": price.key, "provider_session_id": remote.id]
                    )
                )
                return created
            }
        }

        /// A session by our id or the provider's, brought up to date: once the provider says it
        /// is complete, the subscription or payment it made is recorded here too.
        public func get(app: App, _ id: String, origin: Origin) async throws -> CheckoutSession {
            guard let stored = try await store.read({ try await $0.checkoutSessions(app.id).find(id) }) else {
                throw PaymentsError.notFound(.checkoutSessionNotFound, id: id)
            }
            guard stored.status == .open, let providerID = stored.providerSessionID else { return stored }
            let provider = try await directory.provider(for: app)
            guard provider.name == stored.provider, let checkout = provider as? any CheckoutProvider else { return stored }
            let remote = try await checkout.retrieveCheckoutSession(providerID)
            return try await record(app: app, stored.id, remote: remote, provider: provider, origin: origin)
        }

        /// Records a provider checkout session's state, importing what it made.
        public func record(
            app: App,
            _ id: CheckoutSession.ID,
            remote: ProviderCheckoutSession,
            provider: any PaymentProvider,
            origin: Origin
        ) async throws -> CheckoutSession {
            var imported: ProviderSubscription?
            var importedPayment: ProviderPayment?
            if remote.status == .complete {
                if let subscription = remote.subscription, let provider = provider as? any SubscriptionProvider {
                    imported = try await provider.retrieveSubscription(subscription)
                }
                if let payment = remote.payment, let provider = provider as? any PaymentProcessor {
                    importedPayment = try await provider.retrievePayment(payment)
                }
            }
            return try await store.write(origin, app: app.id) { [imported, importedPayment] session in
                guard var checkout = try await session.checkoutSessions(app.id).find(id.rawValue) else {
                    throw StoreError.inconsistent("checkout session \(id) vanished")
                }
                guard checkout.status == .open else { return checkout }
                checkout.status = remote.status
                checkout.url = remote.url
                checkout.expiresAt = remote.expiresAt ?? checkout.expiresAt
                checkout.updatedAt = session.now
                if let imported {
                    let existing = try await session.subscriptions(app.id).find(provider: provider.name, providerID: imported.id)
                    if let existing {
                        checkout.subscriptionID = existing.id
                    } else {
                        let subscription = Subscription.mirroring(
                            imported,
                            id: session.ids.next(Subscription.self, at: session.now),
                            appID: app.id,
                            customerID: checkout.customerID,
                            customerExternalID: checkout.customerExternalID,
                            planID: checkout.planID,
                            priceID: checkout.priceID,
                            quantity: checkout.quantity,
                            provider: provider.name,
                            prices: try await Subscriptions.Service.knownPrices(of: imported, app: app.id, provider: provider, session),
                            at: session.now
                        )
                        try await session.subscriptions(app.id).insert(subscription)
                        try await session.audit(
                            app.id,
                            try AuditRecord(
                                action: .createSubscription,
                                target: subscription.id,
                                snapshot: SubscriptionSnapshot(subscription, planKey: nil, priceKey: nil)
                            )
                        )
                        try await session.emitChanges(app.id, from: nil, to: subscription)
                        checkout.subscriptionID = subscription.id
                    }
                }
                if let importedPayment {
                    var payment = Payment(
                        id: session.ids.next(Payment.self, at: session.now),
                        appID: app.id,
                        customerID: checkout.customerID,
                        customerExternalID: checkout.customerExternalID,
                        amount: importedPayment.amount,
                        amountRefunded: 0,
                        status: .pending,
                        description: nil,
                        metadata: checkout.metadata,
                        provider: provider.name,
                        providerPaymentID: importedPayment.id,
                        failure: nil,
                        createdAt: session.now,
                        updatedAt: session.now
                    )
                    payment.mirror(importedPayment, at: session.now)
                    try await session.payments(app.id).insert(payment)
                    try await session.audit(
                        app.id,
                        try AuditRecord(action: .createPayment, target: payment.id, snapshot: PaymentSnapshot(payment, nil))
                    )
                    try await session.emitChanges(app.id, from: nil, to: payment)
                    checkout.paymentID = payment.id
                }
                try await session.checkoutSessions(app.id).update(checkout)
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .updateCheckoutSession,
                        target: checkout.id,
                        snapshot: [
                            "status": checkout.status.rawValue, "subscription_id": checkout.subscriptionID?.rawValue ?? "",
                            "payment_id": checkout.paymentID?.rawValue ?? "",
                        ]
                    )
                )
                if checkout.status == .complete {
                    try await session.emit(
                        app.id,
                        .checkoutCompleted,
                        Resources.checkoutSession,
                        checkout,
                        id: checkout.id.rawValue,
                        customer: checkout.customerID,
                        type: .checkoutSession
                    )
                }
                return checkout
            }
        }

        /// A link to the provider's billing portal for the customer.
        public func portal(
            app: App,
            customer externalID: String,
            returnURL: String?,
            requestKey: String?,
            origin: Origin
        )
            async throws -> String
        {
            try Customer.validate(externalID: externalID, param: "customer")
            let customer = try await customers.get(app: app.id, externalID: externalID, param: "customer")
            if let returnURL { try CheckoutSession.validate(url: returnURL, param: "return_url") }
            let provider = try await directory.provider(for: app)
            let portal = try provider.require((any PortalProvider).self, .portal)
            let providerCustomer = try await links.customer(customer, on: portal, origin: origin)
            let key = "portal-\(app.id.rawValue)-\(requestKey ?? store.ids.next(prefix: "ps", at: store.clock.now()))"
            let url = try await portal.createPortalSession(customer: providerCustomer, returnURL: returnURL, idempotencyKey: key)
            _ = try await store.write(origin, app: app.id) { session in
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .createPortalSession,
                        target: customer.id,
                        snapshot: ["provider": portal.name.rawValue, "return_url": returnURL ?? ""]
                    )
                )
            }
            return url
        }
    }
}
