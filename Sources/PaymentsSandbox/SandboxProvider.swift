import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The built-in, offline provider: the default when no Stripe key is configured.
///
/// It keeps its own objects (see `SandboxLedger`), honours idempotency keys forever, runs
/// subscriptions on the app's clock (renewals, trial ends, failed renewals happen in
/// ``runDue()``), and hosts its own checkout and portal pages under `publicURL`.
public struct SandboxProvider: CustomerProvisioning, CatalogSync, CheckoutProvider, PortalProvider,
    SubscriptionProvider, PaymentProcessor, UsageReporting, DueWorkRunner, InvoiceCollector
{
    public let name = ProviderName.sandbox
    public let account = "sandbox"
    let ledger: SandboxLedger
    let clock: @Sendable () async throws -> Date
    let publicURL: String

    /// - Parameters:
    ///   - backend: the database the sandbox keeps its state in.
    ///   - appID: the app this instance serves.
    ///   - publicURL: where the service's own pages are reached (`http://127.0.0.1:8080`).
    ///   - now: the app's clock (test-mode apps may move theirs).
    public init(
        backend: any StoreBackend,
        appID: App.ID,
        ids: IDGenerator,
        publicURL: String,
        now: @escaping @Sendable () async throws -> Date
    ) {
        ledger = SandboxLedger(backend: backend, appID: appID, ids: ids)
        clock = now
        self.publicURL = publicURL
    }

    /// Runs the ledger work, turning storage failures into `unavailable`.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws(ProviderError) -> T {
        do {
            return try await body()
        } catch let error as ProviderError {
            throw error
        } catch {
            throw .unavailable("The sandbox could not reach its store: \(error)")
        }
    }

    func now() async throws(ProviderError) -> Date {
        try await run { try await clock() }
    }

    // MARK: customers

    public func createCustomer(_ customer: Customer, idempotencyKey: String) async throws(ProviderError) -> String {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                if let existing = try await tx.find(.customer, idempotencyKey: idempotencyKey, as: SBCustomer.self) {
                    return existing.id
                }
                let object = SBCustomer(
                    id: tx.newID(.customer, at: now),
                    metadata: [ProviderMetadata.appID: customer.appID.rawValue, ProviderMetadata.externalID: customer.externalID],
                    defaultPaymentMethod: nil
                )
                try await tx.insert(.customer, id: object.id, idempotencyKey: idempotencyKey, parent: nil, object, at: now)
                return object.id
            }
        }
    }

    // MARK: catalog

    public func syncPrice(_ price: Price, of plan: Plan) async throws(ProviderError) -> String {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                // Keyed by our price id: a second sync finds the first one's price.
                if let existing = try await tx.find(.price, idempotencyKey: price.id.rawValue, as: SBPrice.self) {
                    return existing.id
                }
                let object = Self.sandboxPrice(id: tx.newID(.price, at: now), price)
                try await tx.insert(.price, id: object.id, idempotencyKey: price.id.rawValue, parent: nil, object, at: now)
                return object.id
            }
        }
    }

    static func sandboxPrice(id: String, _ price: Price) -> SBPrice {
        switch price.terms {
        case .oneTime(let money):
            SBPrice(
                id: id,
                ourPriceID: price.id.rawValue,
                type: "one_time",
                amount: money.amount,
                currency: money.currency,
                interval: nil,
                active: true
            )
        case .recurring(let money, let interval):
            SBPrice(
                id: id,
                ourPriceID: price.id.rawValue,
                type: "recurring",
                amount: money.amount,
                currency: money.currency,
                interval: interval,
                active: true
            )
        case .metered(let metered):
            SBPrice(
                id: id,
                ourPriceID: price.id.rawValue,
                type: "metered",
                amount: nil,
                currency: metered.currency,
                interval: metered.interval,
                active: true,
                metered: metered
            )
        }
    }

    public func deactivatePrice(providerPriceID: String) async throws(ProviderError) {
        let now = try await now()
        try await run {
            try await ledger.transaction { tx in
                guard var price = try await tx.get(.price, providerPriceID, as: SBPrice.self) else {
                    throw ProviderError.notFound("No such price: '\(providerPriceID)'.")
                }
                price.active = false
                try await tx.update(.price, id: price.id, price, at: now)
            }
        }
    }

    public func verifyLinkedPrice(_ price: Price) async throws(ProviderError) {
        guard let linked = price.linkedProviderPriceID else { return }
        let found = try await run { try await ledger.read { try await $0.get(.price, linked, as: SBPrice.self) } }
        guard let found, found.active else {
            throw .notFound("No such active price in the sandbox: '\(linked)'.")
        }
        let expected = Self.sandboxPrice(id: linked, price)
        guard found.type == expected.type, found.amount == expected.amount, found.currency == expected.currency,
            found.interval == expected.interval
        else {
            throw .invalidRequest("Sandbox price \(linked) does not match the price's type, amount, currency or interval.")
        }
    }

    // MARK: payments

    public func createPayment(
        _ request: ProviderPaymentRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderPayment
    {
        let method = try TestPaymentMethod.parse(request.paymentMethod)
        let now = try await now()
        let payment = try await run {
            try await ledger.transaction { tx in
                if let existing = try await tx.find(.payment, idempotencyKey: idempotencyKey, as: SBPayment.self) {
                    return existing
                }
                guard try await tx.exists(.customer, request.customer) else {
                    throw ProviderError.invalidRequest(
                        "No such customer: '\(request.customer)'.",
                        providerCode: "resource_missing",
                        param: "customer"
                    )
                }
                let failure = method.charge(renewal: false)
                let payment = SBPayment(
                    id: tx.newID(.payment, at: now),
                    customer: request.customer,
                    amount: request.amount.amount,
                    currency: request.amount.currency,
                    status: failure == nil ? .succeeded : .failed,
                    amountRefunded: 0,
                    failure: failure,
                    paymentMethod: method.rawValue,
                    operationID: request.operationID,
                    ourID: request.ourID,
                    subscription: nil,
                    createdAt: now
                )
                try await tx.insert(.payment, id: payment.id, idempotencyKey: idempotencyKey, parent: request.customer, payment, at: now)
                try await tx.event(failure == nil ? .paymentSucceeded : .paymentFailed, object: payment.id, at: now)
                return payment
            }
        }
        if let failure = payment.failure {
            throw .cardDeclined(failure.message, declineCode: failure.declineCode, payment: payment.domain)
        }
        return payment.domain
    }

    public func retrievePayment(_ id: String) async throws(ProviderError) -> ProviderPayment {
        let payment = try await run { try await ledger.read { try await $0.get(.payment, id, as: SBPayment.self) } }
        guard let payment else { throw .notFound("No such payment_intent: '\(id)'.") }
        return payment.domain
    }

    public func findPayment(customer: String, operationID: String) async throws(ProviderError) -> ProviderPayment? {
        try await run {
            try await ledger.read { tx in
                try await tx.all(.payment, parent: customer, as: SBPayment.self).first { $0.operationID == operationID }?.domain
            }
        }
    }

    public func createRefund(
        _ request: ProviderRefundRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderRefund
    {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                if let existing = try await tx.find(.refund, idempotencyKey: idempotencyKey, as: SBRefund.self) {
                    return existing.domain
                }
                guard var payment = try await tx.get(.payment, request.payment, as: SBPayment.self) else {
                    throw ProviderError.invalidRequest(
                        "No such payment_intent: '\(request.payment)'.",
                        providerCode: "resource_missing",
                        param: "payment_intent"
                    )
                }
                guard payment.status == .succeeded else {
                    throw ProviderError.invalidRequest("This payment has no successful charge to refund.", providerCode: "charge_not_refundable")
                }
                guard request.amount > 0, request.amount <= payment.amount - payment.amountRefunded else {
                    throw ProviderError.invalidRequest(
                        "Refund amount (\(request.amount)) is greater than unrefunded amount on charge (\(payment.amount - payment.amountRefunded)).",
                        providerCode: "amount_too_large",
                        param: "amount"
                    )
                }
                let refund = SBRefund(
                    id: tx.newID(.refund, at: now),
                    payment: payment.id,
                    amount: request.amount,
                    status: .succeeded,
                    operationID: request.operationID
                )
                payment.amountRefunded += request.amount
                try await tx.insert(.refund, id: refund.id, idempotencyKey: idempotencyKey, parent: payment.id, refund, at: now)
                try await tx.update(.payment, id: payment.id, payment, at: now)
                try await tx.event(.paymentRefunded, object: payment.id, at: now)
                return refund.domain
            }
        }
    }

    public func listRefunds(payment: String) async throws(ProviderError) -> [ProviderRefund] {
        try await run { try await ledger.read { tx in try await tx.all(.refund, parent: payment, as: SBRefund.self).map(\.domain) } }
    }

    public func findRefund(payment: String, operationID: String) async throws(ProviderError) -> ProviderRefund? {
        try await run {
            try await ledger.read { tx in
                try await tx.all(.refund, parent: payment, as: SBRefund.self).first { $0.operationID == operationID }?.domain
            }
        }
    }

    // MARK: subscriptions

    public func createSubscription(
        _ request: ProviderSubscriptionRequest,
        idempotencyKey: String
    )
        async throws(ProviderError) -> ProviderSubscription
    {
        let method = try request.paymentMethod.map { (raw: String) throws(ProviderError) in try TestPaymentMethod.parse(raw) }
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                try await Self.startSubscription(
                    tx,
                    request: request,
                    method: method,
                    idempotencyKey: idempotencyKey,
                    now: now
                )
            }.domain
        }
    }

    /// Starts a subscription: a trial, or a first charge now (`incomplete` when there is no
    /// payment method or it is declined, as Stripe's `default_incomplete`).
    static func startSubscription(
        _ tx: SandboxLedger.Tx,
        request: ProviderSubscriptionRequest,
        method: TestPaymentMethod?,
        idempotencyKey: String,
        now: Date
    ) async throws -> SBSubscription {
        if let existing = try await tx.find(.subscription, idempotencyKey: idempotencyKey, as: SBSubscription.self) {
            return existing
        }
        guard var customer = try await tx.get(.customer, request.customer, as: SBCustomer.self) else {
            throw ProviderError.invalidRequest("No such customer: '\(request.customer)'.", providerCode: "resource_missing", param: "customer")
        }
        var prices: [SBPrice] = []
        for (index, item) in request.items.enumerated() {
            guard let price = try await tx.get(.price, item.price, as: SBPrice.self), price.active, price.interval != nil else {
                throw ProviderError.invalidRequest(
                    "No such active recurring price: '\(item.price)'.",
                    providerCode: "resource_missing",
                    param: "items[\(index)][price]"
                )
            }
            guard price.interval == prices.first?.interval ?? price.interval, price.currency == prices.first?.currency ?? price.currency else {
                throw ProviderError.invalidRequest(
                    "All items of a subscription must share one billing interval and currency.",
                    param: "items[\(index)][price]"
                )
            }
            prices.append(price)
        }
        guard let base = prices.first, let interval = base.interval else {
            throw ProviderError.invalidRequest("A subscription needs at least one item.", param: "items")
        }
        if let method {
            customer.defaultPaymentMethod = method.rawValue
            try await tx.update(.customer, id: customer.id, customer, at: now)
        }
        let paymentMethod = method?.rawValue ?? customer.defaultPaymentMethod
        let id = tx.newID(.subscription, at: now)
        let items = zip(request.items, prices).map { request, price in
            SBItem(id: tx.newID(.item, at: now), price: price.id, quantity: price.metered == nil ? request.quantity ?? 1 : nil)
        }
        var subscription = SBSubscription(
            id: id,
            customer: customer.id,
            price: base.id,
            quantity: items[0].quantity ?? 1,
            items: items,
            status: .incomplete,
            periodStart: now,
            periodEnd: interval.advance(now),
            trialEnd: nil,
            trialEndNotified: false,
            cancelAtPeriodEnd: false,
            canceledAt: nil,
            endedAt: nil,
            paymentMethod: paymentMethod,
            operationID: request.operationID,
            ourID: request.ourID,
            createdAt: now
        )
        if let days = request.trialPeriodDays, days > 0 {
            let trialEnd = now.addingTimeInterval(Double(days) * 86_400)
            subscription.status = .trialing
            subscription.trialEnd = trialEnd
            subscription.periodEnd = trialEnd
        } else if let paymentMethod, let method = TestPaymentMethod(rawValue: paymentMethod) {
            let paid = try await charge(tx, subscription, method: method, renewal: false, usage: nil, now: now)
            subscription.status = paid ? .active : .incomplete
        }
        try await tx.insert(.subscription, id: id, idempotencyKey: idempotencyKey, parent: customer.id, subscription, at: now)
        try await tx.event(.subscriptionCreated, object: id, at: now)
        return subscription
    }

    /// Charges one period of `subscription` (its invoice): each licensed item for the period
    /// ahead, each metered item for the usage reported in `usage` (the period just ended).
    /// - Returns: whether it was paid.
    static func charge(
        _ tx: SandboxLedger.Tx,
        _ subscription: SBSubscription,
        method: TestPaymentMethod,
        renewal: Bool,
        usage: (start: Date, end: Date)?,
        ahead: Bool = true,
        now: Date
    ) async throws -> Bool {
        let (lines, currency) = try await invoiceLines(tx, subscription, usage: usage, ahead: ahead)
        let failure = method.charge(renewal: renewal)
        var payment = SBPayment(
            id: tx.newID(.payment, at: now),
            customer: subscription.customer,
            amount: lines.reduce(0) { $0 + $1.amount },
            currency: currency,
            status: failure == nil ? .succeeded : .failed,
            amountRefunded: 0,
            failure: failure,
            paymentMethod: method.rawValue,
            operationID: nil,
            ourID: nil,
            subscription: subscription.id,
            createdAt: now
        )
        payment.invoiceLines = lines
        payment.periodStart = subscription.periodStart
        payment.periodEnd = subscription.periodEnd
        try await tx.insert(.payment, id: payment.id, idempotencyKey: nil, parent: subscription.customer, payment, at: now)
        try await tx.event(
            failure == nil ? .invoicePaid : .invoicePaymentFailed,
            object: subscription.id,
            at: now,
            invoice: SandboxEvent.Invoice(
                id: "sbin_\(payment.id)",
                amountPaid: failure == nil ? payment.amount : 0,
                currency: currency.rawValue,
                periodStart: subscription.periodStart,
                periodEnd: subscription.periodEnd,
                lines: lines
            )
        )
        return failure == nil
    }

    public func retrieveSubscription(_ id: String) async throws(ProviderError) -> ProviderSubscription {
        let subscription = try await run { try await ledger.read { try await $0.get(.subscription, id, as: SBSubscription.self) } }
        guard let subscription else { throw .notFound("No such subscription: '\(id)'.") }
        return subscription.domain
    }

    public func findSubscription(
        customer: String,
        operationID: String
    ) async throws(ProviderError)
        -> ProviderSubscription?
    {
        try await run {
            try await ledger.read { tx in
                try await tx.all(.subscription, parent: customer, as: SBSubscription.self)
                    .first { $0.operationID == operationID }?.domain
            }
        }
    }

    public func updateSubscription(
        _ id: String,
        _ change: ProviderSubscriptionChange,
        idempotencyKey: String
    )
        async throws(ProviderError) -> ProviderSubscription
    {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                guard var subscription = try await tx.get(.subscription, id, as: SBSubscription.self) else {
                    throw ProviderError.notFound("No such subscription: '\(id)'.")
                }
                guard subscription.status != .canceled, subscription.status != .incompleteExpired else {
                    throw ProviderError.invalidRequest("A canceled subscription can only update its metadata.", providerCode: "resource_missing")
                }
                try await Self.apply(change.items, to: &subscription, tx, now: now)
                try await tx.update(.subscription, id: id, subscription, at: now)
                try await tx.event(.subscriptionUpdated, object: id, at: now)
                return subscription.domain
            }
        }
    }

    public func cancelSubscription(
        _ id: String,
        atPeriodEnd: Bool,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderSubscription
    {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                guard var subscription = try await tx.get(.subscription, id, as: SBSubscription.self) else {
                    throw ProviderError.notFound("No such subscription: '\(id)'.")
                }
                guard subscription.status != .canceled, subscription.status != .incompleteExpired else {
                    return subscription.domain  // cancelling twice changes nothing
                }
                if atPeriodEnd {
                    subscription.cancelAtPeriodEnd = true
                    try await tx.event(.subscriptionUpdated, object: id, at: now)
                } else {
                    // As Stripe's `invoice_now`: a final invoice for the metered usage so far.
                    if subscription.status != .trialing, let method = subscription.paymentMethod.flatMap(TestPaymentMethod.init(rawValue:)),
                        try await Self.billsUsage(tx, subscription)
                    {
                        _ = try await Self.charge(
                            tx,
                            subscription,
                            method: method,
                            renewal: true,
                            usage: (subscription.periodStart, now.addingTimeInterval(0.001)),
                            ahead: false,
                            now: now
                        )
                    }
                    subscription.status = .canceled
                    subscription.canceledAt = now
                    subscription.endedAt = now
                    try await tx.event(.subscriptionCanceled, object: id, at: now)
                }
                try await tx.update(.subscription, id: id, subscription, at: now)
                return subscription.domain
            }
        }
    }

    /// Runs everything due by the app's clock: trial ends, renewals (charging the default
    /// payment method), cancellations at period end, expiry of incomplete subscriptions.
    /// - Returns: the ids of the subscriptions that changed.
    @discardableResult
    public func runDue() async throws(ProviderError) -> [String] {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                var changed: [String] = []
                for var subscription in try await tx.all(.subscription, as: SBSubscription.self) {
                    let before = try SandboxLedger.Tx.encode(subscription)
                    try await Self.advance(tx, &subscription, to: now)
                    if try SandboxLedger.Tx.encode(subscription) != before {
                        try await tx.update(.subscription, id: subscription.id, subscription, at: now)
                        changed.append(subscription.id)
                    }
                }
                return changed
            }
        }
    }

    static func advance(_ tx: SandboxLedger.Tx, _ subscription: inout SBSubscription, to now: Date) async throws {
        switch subscription.status {
        case .canceled, .incompleteExpired, .paused, .unpaid:
            return
        case .incomplete:
            if subscription.createdAt.addingTimeInterval(23 * 3600) <= now {
                subscription.status = .incompleteExpired
                subscription.endedAt = subscription.createdAt.addingTimeInterval(23 * 3600)
                try await tx.event(.subscriptionUpdated, object: subscription.id, at: now)
            }
            return
        case .trialing, .active, .pastDue:
            break
        }
        if subscription.status == .trialing, let trialEnd = subscription.trialEnd, !subscription.trialEndNotified,
            trialEnd.addingTimeInterval(-3 * 86_400) <= now
        {
            subscription.trialEndNotified = true
            try await tx.event(.trialEnding, object: subscription.id, at: now)
        }
        guard let interval = try await tx.get(.price, subscription.price, as: SBPrice.self)?.interval else { return }
        var periods = 0
        while subscription.periodEnd <= now, periods < 1000 {
            periods += 1
            let boundary = subscription.periodEnd
            if subscription.cancelAtPeriodEnd {
                subscription.status = .canceled
                subscription.canceledAt = boundary
                subscription.endedAt = boundary
                try await tx.event(.subscriptionCanceled, object: subscription.id, at: boundary)
                return
            }
            let ended = (start: subscription.periodStart, end: boundary)
            subscription.periodStart = boundary
            subscription.periodEnd = interval.advance(boundary)
            let method = subscription.paymentMethod.flatMap(TestPaymentMethod.init(rawValue:))
            let paid: Bool
            if let method {
                // A trial's end bills no usage: nothing was billable during it.
                let usage = subscription.status == .trialing ? nil : ended
                paid = try await charge(tx, subscription, method: method, renewal: true, usage: usage, now: boundary)
            } else {
                paid = false
                try await tx.event(.invoicePaymentFailed, object: subscription.id, at: boundary)
            }
            subscription.status = paid ? .active : .pastDue
            try await tx.event(.subscriptionUpdated, object: subscription.id, at: boundary)
        }
    }

    // MARK: checkout and portal

    public func createCheckoutSession(
        _ request: ProviderCheckoutRequest,
        idempotencyKey: String
    )
        async throws(ProviderError) -> ProviderCheckoutSession
    {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                if let existing = try await tx.find(.checkout, idempotencyKey: idempotencyKey, as: SBCheckout.self) {
                    return existing.domain
                }
                guard try await tx.exists(.customer, request.customer) else {
                    throw ProviderError.invalidRequest(
                        "No such customer: '\(request.customer)'.",
                        providerCode: "resource_missing",
                        param: "customer"
                    )
                }
                guard let first = request.items.first, request.mode == .subscription || request.items.count == 1 else {
                    throw ProviderError.invalidRequest("A payment-mode session takes exactly one line item.", param: "line_items")
                }
                for (index, item) in request.items.enumerated() {
                    guard let price = try await tx.get(.price, item.price, as: SBPrice.self), price.active else {
                        throw ProviderError.invalidRequest(
                            "No such price: '\(item.price)'.",
                            providerCode: "resource_missing",
                            param: "line_items[\(index)][price]"
                        )
                    }
                    guard (request.mode == .subscription) == (price.interval != nil) else {
                        throw ProviderError.invalidRequest(
                            "A \(request.mode.rawValue)-mode session needs a \(request.mode == .subscription ? "recurring" : "one-time") price.",
                            param: "mode"
                        )
                    }
                }
                let id = tx.newID(.checkout, at: now)
                let session = SBCheckout(
                    id: id,
                    mode: request.mode,
                    customer: request.customer,
                    price: first.price,
                    quantity: first.quantity ?? 1,
                    items: request.items.map(SBLineItem.init),
                    trialPeriodDays: request.trialPeriodDays,
                    successURL: request.successURL,
                    cancelURL: request.cancelURL,
                    status: .open,
                    expiresAt: now.addingTimeInterval(86_400),
                    subscription: nil,
                    payment: nil,
                    url: "\(publicURL)/sandbox/checkout/\(id)"
                )
                try await tx.insert(.checkout, id: id, idempotencyKey: idempotencyKey, parent: request.customer, session, at: now)
                return session.domain
            }
        }
    }

    public func retrieveCheckoutSession(_ id: String) async throws(ProviderError) -> ProviderCheckoutSession {
        let now = try await now()
        let session = try await run { try await ledger.read { try await $0.get(.checkout, id, as: SBCheckout.self) } }
        guard var session else { throw .notFound("No such checkout.session: '\(id)'.") }
        if session.status == .open, session.expiresAt <= now { session.status = .expired }
        return session.domain
    }

    /// What the hosted checkout page does when the buyer pays: starts the subscription or takes
    /// the payment with `paymentMethod`.
    /// - Returns: the session and, if the card was declined, why (the session stays open).
    public func completeCheckout(
        _ id: String,
        paymentMethod: String
    ) async throws(ProviderError)
        -> (session: ProviderCheckoutSession, successURL: String, failure: PaymentFailure?)
    {
        let method = try TestPaymentMethod.parse(paymentMethod)
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                guard var session = try await tx.get(.checkout, id, as: SBCheckout.self) else {
                    throw ProviderError.notFound("No such checkout.session: '\(id)'.")
                }
                guard session.status == .open else { return (session.domain, session.successURL, nil) }
                guard session.expiresAt > now else {
                    session.status = .expired
                    try await tx.update(.checkout, id: id, session, at: now)
                    return (session.domain, session.successURL, nil)
                }
                switch session.mode {
                case .subscription:
                    let subscription = try await Self.startSubscription(
                        tx,
                        request: ProviderSubscriptionRequest(
                            operationID: "checkout:\(id)",
                            ourID: "",
                            customer: session.customer,
                            items: session.items?.map(\.request) ?? [ProviderItemRequest(price: session.price, quantity: session.quantity)],
                            trialPeriodDays: session.trialPeriodDays,
                            paymentMethod: method.rawValue
                        ),
                        method: method,
                        idempotencyKey: "checkout:\(id)",
                        now: now
                    )
                    if subscription.status == .incomplete {
                        return (session.domain, session.successURL, method.charge(renewal: false))
                    }
                    session.subscription = subscription.id
                case .payment:
                    guard let price = try await tx.get(.price, session.price, as: SBPrice.self) else {
                        throw ProviderError.notFound("No such price: '\(session.price)'.")
                    }
                    if let failure = method.charge(renewal: false) {
                        return (session.domain, session.successURL, failure)
                    }
                    let payment = SBPayment(
                        id: tx.newID(.payment, at: now),
                        customer: session.customer,
                        amount: (price.amount ?? 0) * Int64(session.quantity),
                        currency: price.currency,
                        status: .succeeded,
                        amountRefunded: 0,
                        failure: nil,
                        paymentMethod: method.rawValue,
                        operationID: "checkout:\(id)",
                        ourID: nil,
                        subscription: nil,
                        createdAt: now
                    )
                    try await tx.insert(.payment, id: payment.id, idempotencyKey: "checkout:\(id)", parent: session.customer, payment, at: now)
                    session.payment = payment.id
                }
                session.status = .complete
                try await tx.update(.checkout, id: id, session, at: now)
                try await tx.event(.checkoutCompleted, object: id, at: now)
                return (session.domain, session.successURL, nil)
            }
        }
    }

    public func createPortalSession(
        customer: String,
        returnURL: String?,
        idempotencyKey: String
    )
        async throws(ProviderError) -> String
    {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                if let existing = try await tx.find(.portal, idempotencyKey: idempotencyKey, as: SBPortal.self) {
                    return "\(publicURL)/sandbox/portal/\(existing.id)"
                }
                guard try await tx.exists(.customer, customer) else {
                    throw ProviderError.invalidRequest("No such customer: '\(customer)'.", providerCode: "resource_missing", param: "customer")
                }
                let portal = SBPortal(id: tx.newID(.portal, at: now), customer: customer, returnURL: returnURL)
                try await tx.insert(.portal, id: portal.id, idempotencyKey: idempotencyKey, parent: customer, portal, at: now)
                return "\(publicURL)/sandbox/portal/\(portal.id)"
            }
        }
    }

    /// What the hosted portal page shows: the customer's subscriptions.
    public func portal(_ id: String) async throws(ProviderError) -> SandboxPortalView {
        try await run {
            try await ledger.read { tx in
                guard let portal = try await tx.get(.portal, id, as: SBPortal.self) else {
                    throw ProviderError.notFound("No such billing_portal.session: '\(id)'.")
                }
                let subscriptions = try await tx.all(.subscription, parent: portal.customer, as: SBSubscription.self)
                return SandboxPortalView(
                    returnURL: portal.returnURL,
                    subscriptions: subscriptions.map {
                        .init(id: $0.id, status: $0.status.rawValue, periodEnd: $0.periodEnd, cancelAtPeriodEnd: $0.cancelAtPeriodEnd)
                    }
                )
            }
        }
    }

    /// The app that owns a sandbox page's object, for the unauthenticated hosted pages.
    public static func owner(of id: String, backend: any StoreBackend) async throws -> App.ID? {
        try await SandboxLedger.owner(of: id, backend: backend)
    }
}
