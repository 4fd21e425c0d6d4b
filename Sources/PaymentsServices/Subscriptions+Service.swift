import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Subscriptions {}

extension Subscriptions {
    public struct CreateRequest: Sendable {
        public let customer: String
        public let plan: String
        public let price: String?
        /// The prices to bill, by key; nil: the base price and the plan's metered prices.
        public let prices: [String]?
        public let quantity: Int
        public let trialPeriodDays: Int?
        public let paymentMethod: String?

        public init(
            customer: String,
            plan: String,
            price: String?,
            prices: [String]? = nil,
            quantity: Int,
            trialPeriodDays: Int?,
            paymentMethod: String?
        ) {
            self.customer = customer
            self.plan = plan
            self.price = price
            self.prices = prices
            self.quantity = quantity
            self.trialPeriodDays = trialPeriodDays
            self.paymentMethod = paymentMethod
        }
    }

    public struct Change: Sendable {
        public let plan: String?
        public let price: String?
        public let prices: [String]?
        public let quantity: Int?
        public let prorationBehavior: ProrationBehavior?

        public init(plan: String?, price: String?, prices: [String]? = nil, quantity: Int?, prorationBehavior: ProrationBehavior?) {
            self.plan = plan
            self.price = price
            self.prices = prices
            self.quantity = quantity
            self.prorationBehavior = prorationBehavior
        }
    }

    /// Subscriptions run by the provider and mirrored here.
    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory
        let plans: Plans.Service
        let customers: Customers.Service
        /// Reports usage before an immediate cancellation, so the final invoice bills all of it.
        let usageReporter: Usage.Reporter?
        let logger: Logger
        var links: ProviderLinks { ProviderLinks(store: store) }

        public init(
            store: Store,
            directory: Providers.Directory,
            plans: Plans.Service,
            customers: Customers.Service,
            usageReporter: Usage.Reporter? = nil,
            logger: Logger
        ) {
            self.store = store
            self.directory = directory
            self.plans = plans
            self.customers = customers
            self.usageReporter = usageReporter
            self.logger = logger
        }

        /// Starts a subscription: a trial (the request's, else the plan's), or a first charge to
        /// `payment_method` now. A declined first charge leaves it `incomplete`, as Stripe does.
        public func create(app: App, _ request: CreateRequest, requestKey: String?, origin: Origin) async throws -> Subscription {
            try Customer.validate(externalID: request.customer, param: "customer")
            try Subscription.validate(quantity: request.quantity)
            if let days = request.trialPeriodDays { try Subscription.validate(trialPeriodDays: days) }
            if let method = request.paymentMethod { try Payment.paymentMethodRule.check(method, param: "payment_method") }
            let provider = try await directory.provider(for: app)
            let subscriptions = try provider.require((any SubscriptionProvider).self, .subscriptions)
            if let requestKey,
                let operation = try await store.read({
                    try await $0.operations(app.id).find(kind: .createSubscription, requestKey: requestKey)
                })
            {
                return try await resume(app: app, operation, request: request, provider: subscriptions, origin: origin)
            }
            let plan = try await plans.find(app: app.id, key: request.plan).activeForSale(param: "plan")
            let prices = try plan.subscriptionPrices(base: request.price, keys: request.prices)
            let customer = try await customers.get(app: app.id, externalID: request.customer, param: "customer")
            let (subscription, operation) = try await store.write(origin, app: app.id) { session in
                let subscription = Subscription(
                    id: session.ids.next(Subscription.self, at: session.now),
                    appID: app.id,
                    customerID: customer.id,
                    customerExternalID: customer.externalID,
                    planID: plan.id,
                    priceID: prices[0].id,
                    quantity: request.quantity,
                    items: prices.map { price in
                        Subscription.Item(
                            id: session.ids.next(Subscription.Item.self, at: session.now),
                            priceID: price.id,
                            providerPriceID: nil,
                            providerItemID: nil,
                            quantity: price.isMetered ? nil : request.quantity
                        )
                    },
                    status: .incomplete,
                    provider: subscriptions.name,
                    providerSubscriptionID: nil,
                    currentPeriodStart: nil,
                    currentPeriodEnd: nil,
                    trialEnd: nil,
                    cancelAtPeriodEnd: false,
                    canceledAt: nil,
                    endedAt: nil,
                    createdAt: session.now,
                    updatedAt: session.now
                )
                let operation = ProviderOperation(
                    id: session.ids.next(ProviderOperation.self, at: session.wallClock),
                    appID: app.id,
                    requestKey: requestKey,
                    kind: .createSubscription,
                    targetID: subscription.id.rawValue,
                    provider: subscriptions.name,
                    status: .pending,
                    providerObjectID: nil,
                    errorCode: nil,
                    attempts: 0,
                    createdAt: session.wallClock,
                    updatedAt: session.wallClock
                )
                try await session.subscriptions(app.id).insert(subscription)
                try await session.operations(app.id).insert(operation)
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .createSubscription,
                        target: subscription.id,
                        snapshot: SubscriptionSnapshot(subscription, planKey: plan.key, priceKey: prices[0].key)
                    )
                )
                return (subscription, operation)
            }
            return try await send(
                app: app,
                subscription,
                operation,
                plan: plan,
                prices: prices,
                customer: customer,
                request: request,
                provider: subscriptions,
                origin: origin
            )
        }

        func send(
            app: App,
            _ subscription: Subscription,
            _ operation: ProviderOperation,
            plan: Plan,
            prices: [Price],
            customer: Customer,
            request: CreateRequest,
            provider: any SubscriptionProvider,
            origin: Origin
        ) async throws -> Subscription {
            let providerCustomer = try await links.customer(customer, on: provider, origin: origin)
            var items: [ProviderItemRequest] = []
            for price in prices {
                let providerPrice = try await links.price(price, of: plan, on: provider, origin: origin)
                items.append(ProviderItemRequest(price: providerPrice, quantity: price.isMetered ? nil : request.quantity))
            }
            let providerRequest = ProviderSubscriptionRequest(
                operationID: operation.id.rawValue,
                ourID: subscription.id.rawValue,
                customer: providerCustomer,
                items: items,
                trialPeriodDays: request.trialPeriodDays ?? plan.trialPeriodDays,
                paymentMethod: request.paymentMethod,
                appID: app.id
            )
            // What the provider answered (or how it failed), recorded on the subscription and the operation.
            func settled(_ remote: ProviderSubscription?, _ failure: ProviderError?) async throws -> Subscription {
                try await settle(
                    app: app.id,
                    subscription.id,
                    operation: operation.id,
                    remote: remote,
                    failure: failure,
                    provider: provider,
                    origin: origin
                )
            }
            do {
                return try await settled(try await provider.createSubscription(providerRequest, idempotencyKey: operation.idempotencyKey), nil)
            } catch let error as ProviderError where error.isOutcomeUnknown {
                _ = try await settled(nil, error)
                if let found = try? await provider.findSubscription(customer: providerCustomer, operationID: operation.id.rawValue) {
                    return try await settled(found, nil)
                }
                throw error.paymentsError
            } catch let error as ProviderError {
                _ = try await settled(nil, error)
                throw error.paymentsError
            }
        }

        func resume(
            app: App,
            _ operation: ProviderOperation,
            request: CreateRequest,
            provider: any SubscriptionProvider,
            origin: Origin
        ) async throws -> Subscription {
            let subscription = try await get(app: app.id, operation.targetID)
            switch operation.status {
            case .succeeded, .failed:
                return subscription
            case .pending, .unknown:
                if let found = try await settleFound(app: app, subscription, operation, provider: provider, origin: origin) { return found }
                let customer = try await customers.get(app: app.id, id: subscription.customerID)
                guard let plan = try await store.read({ try await $0.plans(app.id).find(id: subscription.planID) }) else {
                    throw StoreError.inconsistent("plan of \(subscription.id) vanished")
                }
                let prices = subscription.items.compactMap { item in plan.prices.first { $0.id == item.priceID } }
                return try await send(
                    app: app,
                    subscription,
                    operation,
                    plan: plan,
                    prices: prices,
                    customer: customer,
                    request: request,
                    provider: provider,
                    origin: origin
                )
            }
        }

        /// Reads a subscription the provider names back from the provider and records what
        /// changed. - Returns: false when no subscription of ours has that provider id.
        public func refresh(app: App, providerID: String, origin: Origin) async throws -> Bool {
            let provider = try await directory.provider(for: app)
            guard let subscriptions = provider as? any SubscriptionProvider,
                let local = try await store.read({ try await $0.subscriptions(app.id).find(provider: provider.name, providerID: providerID) })
            else { return false }
            try await refresh(local, from: subscriptions, origin: origin)
            return true
        }

        /// Reads `local` back from the provider and records it if anything changed.
        /// - Returns: whether it changed.
        @discardableResult
        func refresh(_ local: Subscription, from provider: any SubscriptionProvider, origin: Origin) async throws -> Bool {
            guard let providerID = local.providerSubscriptionID else { return false }
            let remote = try await provider.retrieveSubscription(providerID)
            var mirrored = local
            let known = try await store.read { try await Self.knownPrices(of: remote, app: local.appID, provider: provider, $0) }
            mirrored.mirror(remote, prices: known, at: local.updatedAt)
            guard mirrored != local else { return false }
            _ = try await settle(app: local.appID, local.id, operation: nil, remote: remote, failure: nil, provider: provider, origin: origin)
            return true
        }

        /// Looks an unsettled creation up at the provider and records it.
        /// - Returns: the subscription, or nil when the provider has none for the operation.
        public func reconcile(
            app: App,
            _ operation: ProviderOperation,
            provider: any SubscriptionProvider,
            origin: Origin
        )
            async throws -> Subscription?
        {
            try await settleFound(app: app, try await get(app: app.id, operation.targetID), operation, provider: provider, origin: origin)
        }

        /// Looks for the subscription `operation` made at the provider and records it.
        /// - Returns: nil when the provider has none for the operation.
        func settleFound(
            app: App,
            _ subscription: Subscription,
            _ operation: ProviderOperation,
            provider: any SubscriptionProvider,
            origin: Origin
        ) async throws -> Subscription? {
            let customer = try await customers.get(app: app.id, id: subscription.customerID)
            let providerCustomer = try await links.customer(customer, on: provider, origin: origin)
            guard let found = try await provider.findSubscription(customer: providerCustomer, operationID: operation.id.rawValue) else {
                return nil
            }
            return try await settle(
                app: app.id,
                subscription.id,
                operation: operation.id,
                remote: found,
                failure: nil,
                provider: provider,
                origin: origin
            )
        }

        /// Records a provider answer on the subscription (and its operation, if any).
        func settle(
            app: App.ID,
            _ id: Subscription.ID,
            operation operationID: ProviderOperation.ID?,
            remote: ProviderSubscription?,
            failure: ProviderError?,
            action: AuditAction = .updateSubscription,
            provider: any PaymentProvider,
            origin: Origin
        ) async throws -> Subscription {
            try await store.write(origin, app: app) { session in
                guard var subscription = try await session.subscriptions(app).find(id) else {
                    throw StoreError.inconsistent("subscription \(id) vanished")
                }
                let before = subscription
                if let remote {
                    let known = try await Self.knownPrices(of: remote, app: app, provider: provider, session)
                    subscription.mirror(remote, prices: known, at: session.now)
                }
                if let operationID, var operation = try await session.operations(app).find(operationID) {
                    operation.attempts += 1
                    operation.updatedAt = session.wallClock
                    if let remote {
                        operation.status = .succeeded
                        operation.providerObjectID = remote.id
                    } else if let failure {
                        operation.status = failure.isOutcomeUnknown ? .unknown : .failed
                        operation.errorCode = failure.providerCode ?? failure.codeLabel
                        if !failure.isOutcomeUnknown {
                            subscription.status = .incompleteExpired
                            subscription.endedAt = session.now
                            subscription.updatedAt = session.now
                        }
                    }
                    try await session.operations(app).update(operation)
                }
                try await session.subscriptions(app).update(subscription)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: action,
                        target: subscription.id,
                        snapshot: SubscriptionSnapshot(subscription, planKey: nil, priceKey: nil)
                    )
                )
                try await session.emitChanges(app, from: before, to: subscription)
                return subscription
            }
        }

        public func get(app: App.ID, _ id: String) async throws -> Subscription {
            guard let subscriptionID = Subscription.ID(parsing: id),
                let subscription = try await store.read({ try await $0.subscriptions(app).find(subscriptionID) })
            else { throw PaymentsError.notFound(.subscriptionNotFound, id: id) }
            return subscription
        }

        public func list(
            app: App.ID,
            customer: String?,
            status: Subscription.Status?,
            _ page: PageRequest
        ) async throws
            -> Page<Subscription>
        {
            try page.requireCursor(of: Subscription.self)
            var customerID: Customer.ID?
            if let customer {
                customerID = try await customers.get(app: app, externalID: customer, param: "customer").id
            }
            return try await store.read { [customerID] in
                try await $0.subscriptions(app).list(customer: customerID, status: status, page)
            }
        }

        /// Cancels now, or at the end of the current period.
        public func cancel(
            app: App,
            _ id: String,
            atPeriodEnd: Bool,
            requestKey: String?,
            origin: Origin
        ) async throws
            -> Subscription
        {
            let subscription = try await get(app: app.id, id)
            guard subscription.isLive else { return subscription }
            let (provider, providerID) = try await remote(app: app, subscription)
            if !atPeriodEnd, subscription.items.contains(where: { $0.quantity == nil }) {
                // The provider's final invoice bills the metered usage it holds: all of it, first.
                // (A report that fails stays pending; the cancellation goes on.)
                do {
                    try await usageReporter?.report(app: app)
                } catch {
                    logger.warning("usage not reported before a cancellation", metadata: ["subscription": "\(subscription.id)", "error": "\(error)"])
                }
            }
            let key = "\(subscription.id.rawValue)-cancel-\(atPeriodEnd ? "period-end" : "now")"
            let remote = try await provider.cancelSubscription(providerID, atPeriodEnd: atPeriodEnd, idempotencyKey: key)
            return try await settle(
                app: app.id,
                subscription.id,
                operation: nil,
                remote: remote,
                failure: nil,
                action: .cancelSubscription,
                provider: provider,
                origin: origin
            )
        }

        /// Changes the plan, the prices billed or the base quantity. The items follow: a kept
        /// price keeps its item, the old base price's item takes the new base price, prices no
        /// longer billed are removed and new ones added.
        public func update(app: App, _ id: String, _ change: Change, requestKey: String?, origin: Origin) async throws -> Subscription {
            if let quantity = change.quantity { try Subscription.validate(quantity: quantity) }
            var subscription = try await get(app: app.id, id)
            guard change.plan != nil || change.price != nil || change.prices != nil || change.quantity != nil else {
                throw PaymentsError.invalid("plan", "Give at least one of plan, price, prices or quantity to change.")
            }
            guard subscription.isLive else {
                throw PaymentsError(
                    .invalidRequest,
                    code: .subscriptionNotLive,
                    message: "Subscription \(id) is \(subscription.status.rawValue) and cannot be changed."
                )
            }
            let (provider, providerID) = try await remote(app: app, subscription)
            if subscription.items.contains(where: { $0.providerItemID == nil }) {
                // Items recorded before the provider's ids were kept: read them first.
                let remote = try await provider.retrieveSubscription(providerID)
                let known = try await store.read { try await Self.knownPrices(of: remote, app: app.id, provider: provider, $0) }
                subscription.mirror(remote, prices: known, at: subscription.updatedAt)
            }
            let quantity = change.quantity ?? subscription.quantity
            var items: [ProviderItemChange]
            if change.plan != nil || change.price != nil || change.prices != nil {
                let plan: Plan
                if let key = change.plan {
                    plan = try await plans.find(app: app.id, key: key).activeForSale(param: "plan")
                } else {
                    let planID = subscription.planID
                    guard let current = try await store.read({ try await $0.plans(app.id).find(id: planID) }) else {
                        throw StoreError.inconsistent("plan of \(id) vanished")
                    }
                    plan = current
                }
                let prices = try plan.subscriptionPrices(base: change.price, keys: change.prices)
                var providerPrices: [Price.ID: String] = [:]
                for price in prices { providerPrices[price.id] = try await links.price(price, of: plan, on: provider, origin: origin) }
                items = Self.itemChanges(from: subscription, to: prices, providerPrices: providerPrices, quantity: quantity)
            } else {
                items = subscription.items.compactMap { item in
                    guard let itemID = item.providerItemID, item.priceID == subscription.priceID, item.quantity != nil else { return nil }
                    return ProviderItemChange(id: itemID, price: nil, quantity: quantity)
                }
            }
            let key = "\(subscription.id.rawValue)-update-\(requestKey ?? store.ids.next(prefix: "upd", at: store.clock.now()))"
            let remote = try await provider.updateSubscription(
                providerID,
                ProviderSubscriptionChange(items: items, prorationBehavior: change.prorationBehavior),
                idempotencyKey: key
            )
            return try await settle(
                app: app.id,
                subscription.id,
                operation: nil,
                remote: remote,
                failure: nil,
                provider: provider,
                origin: origin
            )
        }

        /// The provider changes that turn `subscription`'s items into `prices`.
        static func itemChanges(
            from subscription: Subscription,
            to prices: [Price],
            providerPrices: [Price.ID: String],
            quantity: Int
        ) -> [ProviderItemChange] {
            var changes: [ProviderItemChange] = []
            var placed: Set<Price.ID> = []
            let base = prices[0]
            let baseItem = subscription.items.first { $0.priceID == subscription.priceID && $0.providerItemID != nil }
            for item in subscription.items {
                guard let itemID = item.providerItemID else { continue }
                if let priceID = item.priceID, let kept = prices.first(where: { $0.id == priceID }) {
                    placed.insert(priceID)
                    changes.append(ProviderItemChange(id: itemID, price: nil, quantity: kept.isMetered ? nil : quantity))
                } else if item.id == baseItem?.id, !base.isMetered, !subscription.items.contains(where: { $0.priceID == base.id }) {
                    placed.insert(base.id)
                    changes.append(ProviderItemChange(id: itemID, price: providerPrices[base.id], quantity: quantity))
                } else {
                    changes.append(ProviderItemChange(id: itemID, price: nil, quantity: nil, deleted: true))
                }
            }
            for price in prices where !placed.contains(price.id) {
                changes.append(ProviderItemChange(id: nil, price: providerPrices[price.id], quantity: price.isMetered ? nil : quantity))
            }
            return changes
        }

        /// What the service knows of each price `remote` bills: our price, its plan, whether
        /// metered. A price it does not know is left out (its item is flagged).
        static func knownPrices(
            of remote: ProviderSubscription,
            app: App.ID,
            provider: any PaymentProvider,
            _ session: Session
        ) async throws -> [String: Subscription.Item.Known] {
            var known: [String: Subscription.Item.Known] = [:]
            for item in remote.items where known[item.price] == nil {
                guard
                    let ours = try await session.providerObjects(app).objectID(
                        provider: provider.name,
                        account: provider.account,
                        providerObjectID: item.price
                    ),
                    let (price, planID) = try await session.plans(app).price(Price.ID(rawValue: ours))
                else { continue }
                known[item.price] = .init(priceID: price.id, planID: planID, metered: price.isMetered)
            }
            return known
        }

        /// Reads every live subscription of the app back from the provider and records what
        /// changed (after the sandbox's clock moved, or to repair a missed event).
        /// - Returns: how many changed.
        public func refreshAll(app: App, origin: Origin) async throws -> Int {
            let provider = try await directory.provider(for: app)
            guard let subscriptions = provider as? any SubscriptionProvider else { return 0 }
            let live = try await store.read { try await $0.subscriptions(app.id).live(provider: provider.name) }
            var changed = 0
            for subscription in live where try await refresh(subscription, from: subscriptions, origin: origin) {
                changed += 1
            }
            return changed
        }

        func remote(app: App, _ subscription: Subscription) async throws -> (any SubscriptionProvider, String) {
            let provider = try await directory.provider(for: app)
            let subscriptions = try provider.require((any SubscriptionProvider).self, .subscriptions)
            guard provider.name == subscription.provider, let providerID = subscription.providerSubscriptionID else {
                throw PaymentsError(
                    .invalidRequest,
                    code: .subscriptionNotLive,
                    message: "Subscription \(subscription.id) is not held by the app's current provider."
                )
            }
            return (subscriptions, providerID)
        }

    }
}

extension Plan {
    /// - Throws: `plan_archived` naming `param` when the plan cannot be bought any more.
    func activeForSale(param: String) throws(PaymentsError) -> Plan {
        guard active else {
            throw PaymentsError(.invalidRequest, code: .planArchived, message: "Plan \(key) is archived and cannot be bought.", param: param)
        }
        return self
    }
}

struct SubscriptionSnapshot: Encodable {
    let customer_id: String
    let plan_id: String
    let plan_key: String?
    let price_id: String
    let price_key: String?
    let quantity: Int
    let items: [Subscription.Item]
    let status: String
    let provider: String
    let provider_subscription_id: String?
    let cancel_at_period_end: Bool
    let current_period_end: Date?
    /// The provider object an import brought it in from.
    var imported_from: String? = nil

    init(_ s: Subscription, planKey: String?, priceKey: String?) {
        customer_id = s.customerID.rawValue
        plan_id = s.planID.rawValue
        plan_key = planKey
        price_id = s.priceID.rawValue
        price_key = priceKey
        quantity = s.quantity
        items = s.items
        status = s.status.rawValue
        provider = s.provider.rawValue
        provider_subscription_id = s.providerSubscriptionID
        cancel_at_period_end = s.cancelAtPeriodEnd
        current_period_end = s.currentPeriodEnd
    }
}
