#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The payment providers the service can speak to. The domain names none of them elsewhere.
public enum ProviderName: String, Sendable, Codable, CaseIterable {
    /// Built in, offline, deterministic: the default when no Stripe key is configured.
    case sandbox
    case stripe
}

/// What a provider can do. Each is one protocol below; a provider has a capability exactly when
/// it conforms, so the list a provider reports cannot drift from what it implements.
public enum ProviderCapability: String, Sendable, Codable, CaseIterable {
    case customers, catalog, checkout, portal, subscriptions, payments, refunds, usage, invoicing
}

/// A payment provider bound to one account (the platform's or an app's own).
public protocol PaymentProvider: Sendable {
    var name: ProviderName { get }
    /// Which account this instance speaks for: `platform`, or the app id for an app's own
    /// account. Provider object ids are remembered per account.
    var account: String { get }
}

extension PaymentProvider {
    public var capabilities: [ProviderCapability] {
        var result: [ProviderCapability] = []
        if self is any CustomerProvisioning { result.append(.customers) }
        if self is any CatalogSync { result.append(.catalog) }
        if self is any CheckoutProvider { result.append(.checkout) }
        if self is any PortalProvider { result.append(.portal) }
        if self is any SubscriptionProvider { result.append(.subscriptions) }
        if self is any PaymentProcessor { result += [.payments, .refunds] }
        if self is any UsageReporting { result.append(.usage) }
        if self is any InvoiceCollector { result.append(.invoicing) }
        return result
    }

    /// This provider as the capability `Capability`.
    /// - Throws: `not_supported` naming the provider and the capability.
    public func require<Capability>(
        _ type: Capability.Type,
        _ capability: ProviderCapability
    ) throws(PaymentsError)
        -> Capability
    {
        guard let provider = self as? Capability else {
            throw PaymentsError(
                .invalidRequest,
                code: .notSupported,
                message: "The \(name.rawValue) provider does not support \(capability.rawValue)."
            )
        }
        return provider
    }
}

/// Creates the provider's customer for one of ours.
public protocol CustomerProvisioning: PaymentProvider {
    /// - Returns: the provider's customer id. Metadata names the app and the external id.
    func createCustomer(_ customer: Customer, idempotencyKey: String) async throws(ProviderError) -> String
}

/// Keeps provider prices for catalog prices.
public protocol CatalogSync: PaymentProvider {
    /// Creates, or finds from an earlier sync, the provider's price for `price`.
    /// - Returns: the provider's price id.
    func syncPrice(_ price: Price, of plan: Plan) async throws(ProviderError) -> String
    /// Stops a provider price from being used for new purchases (Stripe prices are immutable).
    func deactivatePrice(providerPriceID: String) async throws(ProviderError)
    /// Checks a price id the app linked: it must exist, be active and agree with `price`.
    func verifyLinkedPrice(_ price: Price) async throws(ProviderError)
}

/// Hosted checkout pages.
public protocol CheckoutProvider: PaymentProvider {
    func createCheckoutSession(
        _ request: ProviderCheckoutRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderCheckoutSession
    func retrieveCheckoutSession(_ id: String) async throws(ProviderError) -> ProviderCheckoutSession
}

/// The provider's self-service billing portal.
public protocol PortalProvider: PaymentProvider {
    /// - Returns: the portal URL.
    func createPortalSession(
        customer: String,
        returnURL: String?,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> String
}

/// Subscriptions run by the provider.
public protocol SubscriptionProvider: PaymentProvider {
    func createSubscription(
        _ request: ProviderSubscriptionRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderSubscription
    func retrieveSubscription(_ id: String) async throws(ProviderError) -> ProviderSubscription
    /// Finds the subscription an operation created, if the provider made it (reconciliation).
    func findSubscription(customer: String, operationID: String) async throws(ProviderError) -> ProviderSubscription?
    func updateSubscription(
        _ id: String,
        _ change: ProviderSubscriptionChange,
        idempotencyKey: String
    )
        async throws(ProviderError) -> ProviderSubscription
    func cancelSubscription(
        _ id: String,
        atPeriodEnd: Bool,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderSubscription
}

/// One-time payments and refunds.
public protocol PaymentProcessor: PaymentProvider {
    /// Creates and confirms a payment. A decline is `ProviderError.cardDeclined` carrying the
    /// failed payment.
    func createPayment(
        _ request: ProviderPaymentRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderPayment
    func retrievePayment(_ id: String) async throws(ProviderError) -> ProviderPayment
    /// Finds the payment an operation created, if the provider made it (reconciliation).
    func findPayment(customer: String, operationID: String) async throws(ProviderError) -> ProviderPayment?
    func createRefund(
        _ request: ProviderRefundRequest,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderRefund
    /// Finds the refund an operation created, if the provider made it (reconciliation).
    func findRefund(payment: String, operationID: String) async throws(ProviderError) -> ProviderRefund?
    /// Every refund of the payment, whoever made it.
    func listRefunds(payment: String) async throws(ProviderError) -> [ProviderRefund]
}

/// Usage the provider bills on metered items: meter events.
public protocol UsageReporting: PaymentProvider {
    /// Reports one quantity. A report whose `identifier` the provider has seen is not counted
    /// again (Stripe keeps identifiers at least 24 hours; the sandbox forever).
    func reportUsage(_ report: ProviderUsageReport) async throws(ProviderError)
}

/// Usage to add to what a customer's metered items bill: `value` units (negative to correct)
/// of `metric`, counted in the period holding `timestamp`.
public struct ProviderUsageReport: Sendable, Equatable {
    public let identifier: String
    public let appID: App.ID
    /// The provider's customer id.
    public let customer: String
    public let metric: String
    public let value: Int64
    public let timestamp: Date

    public init(identifier: String, appID: App.ID, customer: String, metric: String, value: Int64, timestamp: Date) {
        self.identifier = identifier
        self.appID = appID
        self.customer = customer
        self.metric = metric
        self.value = value
        self.timestamp = timestamp
    }
}

/// A provider whose credentials can be checked with a harmless call (`payments doctor`).
public protocol CredentialChecking: PaymentProvider {
    func checkCredentials() async throws(ProviderError)
}

/// A provider that runs time-driven work on the app's clock itself (the sandbox's renewals and
/// trial ends), where a real provider would run it on its own.
public protocol DueWorkRunner: PaymentProvider {
    /// Runs everything due. - Returns: the provider ids of the subscriptions that changed.
    @discardableResult
    func runDue() async throws(ProviderError) -> [String]
}

/// What the core asks a provider to charge.
public struct ProviderPaymentRequest: Sendable, Equatable {
    public let operationID: String
    public let ourID: String
    public let customer: String
    public let amount: Money
    public let paymentMethod: String
    public let description: String?
    public let metadata: [String: String]

    public init(
        operationID: String,
        ourID: String,
        customer: String,
        amount: Money,
        paymentMethod: String,
        description: String?,
        metadata: [String: String]
    ) {
        self.operationID = operationID
        self.ourID = ourID
        self.customer = customer
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.description = description
        self.metadata = metadata
    }
}

/// A payment as the provider reports it, in the domain's words.
public struct ProviderPayment: Sendable, Equatable {
    public let id: String
    public let status: Payment.Status
    public let amount: Money
    public let amountRefunded: Int64
    public let failure: PaymentFailure?
    public let operationID: String?

    public init(
        id: String,
        status: Payment.Status,
        amount: Money,
        amountRefunded: Int64,
        failure: PaymentFailure?,
        operationID: String?
    ) {
        self.id = id
        self.status = status
        self.amount = amount
        self.amountRefunded = amountRefunded
        self.failure = failure
        self.operationID = operationID
    }
}

public struct ProviderRefundRequest: Sendable, Equatable {
    public let operationID: String
    public let ourID: String
    public let payment: String
    public let amount: Int64
    public let reason: Refund.Reason?
    /// Named in the provider object's metadata, so its webhooks lead back to the app.
    public let appID: App.ID?

    public init(operationID: String, ourID: String, payment: String, amount: Int64, reason: Refund.Reason?, appID: App.ID? = nil) {
        self.operationID = operationID
        self.ourID = ourID
        self.payment = payment
        self.amount = amount
        self.reason = reason
        self.appID = appID
    }
}

public struct ProviderRefund: Sendable, Equatable {
    public let id: String
    public let amount: Int64
    public let status: Refund.Status
    /// The operation of ours that made it; nil for one made at the provider.
    public let operationID: String?

    public init(id: String, amount: Int64, status: Refund.Status, operationID: String? = nil) {
        self.id = id
        self.amount = amount
        self.status = status
        self.operationID = operationID
    }
}

/// One price a new subscription bills: with a quantity (licensed) or without (metered).
public struct ProviderItemRequest: Sendable, Equatable {
    public let price: String
    public let quantity: Int?

    public init(price: String, quantity: Int?) {
        self.price = price
        self.quantity = quantity
    }
}

public struct ProviderSubscriptionRequest: Sendable, Equatable {
    public let operationID: String
    public let ourID: String
    public let customer: String
    /// The base (licensed) item first.
    public let items: [ProviderItemRequest]
    public let trialPeriodDays: Int?
    /// A payment method to attach and use as the subscription's default.
    public let paymentMethod: String?
    /// Named in the provider object's metadata, so its webhooks lead back to the app.
    public let appID: App.ID?

    public init(
        operationID: String,
        ourID: String,
        customer: String,
        items: [ProviderItemRequest],
        trialPeriodDays: Int?,
        paymentMethod: String?,
        appID: App.ID? = nil
    ) {
        self.appID = appID
        self.operationID = operationID
        self.ourID = ourID
        self.customer = customer
        self.items = items
        self.trialPeriodDays = trialPeriodDays
        self.paymentMethod = paymentMethod
    }
}

/// What becomes of one item in a change: an existing item (`id`) kept with a new price or
/// quantity, or deleted; or a new item (`id` nil).
public struct ProviderItemChange: Sendable, Equatable {
    public let id: String?
    public let price: String?
    public let quantity: Int?
    public let deleted: Bool

    public init(id: String?, price: String?, quantity: Int?, deleted: Bool = false) {
        self.id = id
        self.price = price
        self.quantity = quantity
        self.deleted = deleted
    }
}

public struct ProviderSubscriptionChange: Sendable, Equatable {
    public let items: [ProviderItemChange]
    public let prorationBehavior: ProrationBehavior?

    public init(items: [ProviderItemChange], prorationBehavior: ProrationBehavior?) {
        self.items = items
        self.prorationBehavior = prorationBehavior
    }
}

/// One item of a subscription as the provider reports it. `quantity` is nil for metered items.
public struct ProviderSubscriptionItem: Sendable, Equatable {
    public let id: String
    public let price: String
    public let quantity: Int?

    public init(id: String, price: String, quantity: Int?) {
        self.id = id
        self.price = price
        self.quantity = quantity
    }
}

/// A subscription as the provider reports it, in the domain's words.
public struct ProviderSubscription: Sendable, Equatable {
    public let id: String
    public let status: Subscription.Status
    /// The first item's price and quantity (1 when it has none).
    public var price: String { items.first?.price ?? "" }
    public var quantity: Int { items.first?.quantity ?? 1 }
    public let items: [ProviderSubscriptionItem]
    public let currentPeriodStart: Date?
    public let currentPeriodEnd: Date?
    public let trialEnd: Date?
    public let cancelAtPeriodEnd: Bool
    public let canceledAt: Date?
    public let endedAt: Date?
    public let ourID: String?

    public init(
        id: String,
        status: Subscription.Status,
        items: [ProviderSubscriptionItem],
        currentPeriodStart: Date?,
        currentPeriodEnd: Date?,
        trialEnd: Date?,
        cancelAtPeriodEnd: Bool,
        canceledAt: Date?,
        endedAt: Date?,
        ourID: String?
    ) {
        self.id = id
        self.status = status
        self.items = items
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.trialEnd = trialEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.endedAt = endedAt
        self.ourID = ourID
    }
}

public struct ProviderCheckoutRequest: Sendable, Equatable {
    public let ourID: String
    public let mode: CheckoutSession.Mode
    public let customer: String
    /// What is bought: one price in payment mode; the subscription's items (the base first,
    /// metered ones without quantity) in subscription mode.
    public let items: [ProviderItemRequest]
    public let trialPeriodDays: Int?
    public let successURL: String
    public let cancelURL: String?
    public let metadata: [String: String]

    public init(
        ourID: String,
        mode: CheckoutSession.Mode,
        customer: String,
        items: [ProviderItemRequest],
        trialPeriodDays: Int?,
        successURL: String,
        cancelURL: String?,
        metadata: [String: String]
    ) {
        self.ourID = ourID
        self.mode = mode
        self.customer = customer
        self.items = items
        self.trialPeriodDays = trialPeriodDays
        self.successURL = successURL
        self.cancelURL = cancelURL
        self.metadata = metadata
    }
}

public struct ProviderCheckoutSession: Sendable, Equatable {
    public let id: String
    public let url: String?
    public let status: CheckoutSession.Status
    public let expiresAt: Date?
    /// Set once completed in subscription mode.
    public let subscription: String?
    /// Set once completed in payment mode.
    public let payment: String?

    public init(
        id: String,
        url: String?,
        status: CheckoutSession.Status,
        expiresAt: Date?,
        subscription: String?,
        payment: String?
    ) {
        self.id = id
        self.url = url
        self.status = status
        self.expiresAt = expiresAt
        self.subscription = subscription
        self.payment = payment
    }
}

/// Metadata keys the service puts on provider objects so that a provider's object (and its
/// webhooks) lead back to the app and to our object.
public enum ProviderMetadata {
    public static let appID = "payments_app_id"
    public static let externalID = "payments_external_id"
    public static let objectID = "payments_object_id"
    public static let operationID = "payments_operation_id"
}

/// What a provider holds for one customer, read whole: what drift reconciliation compares the
/// local mirror with. Only objects the service made (or a subscription of the customer's) are
/// listed: a provider's charges for subscription invoices are not payments of ours.
public protocol AccountLister: PaymentProvider {
    func listSubscriptions(customer: String) async throws(ProviderError) -> [ProviderSubscription]
    func listPayments(customer: String) async throws(ProviderError) -> [ProviderPayment]
    /// The invoices the provider made for the customer's subscriptions.
    func listInvoices(customer: String) async throws(ProviderError) -> [ProviderSubscriptionInvoice]
}

/// A subscription's invoice at the provider, with the subscription it bills.
public struct ProviderSubscriptionInvoice: Sendable, Equatable {
    public let invoice: ProviderInvoice
    public let subscription: String

    public init(invoice: ProviderInvoice, subscription: String) {
        self.invoice = invoice
        self.subscription = subscription
    }
}

/// Invoices of ours collected by the provider: it holds a copy with the same lines, shows the
/// buyer a page to pay it (or sends it), and says by its events when it is paid, failed or void.
public protocol InvoiceCollector: PaymentProvider {
    /// The collection methods it offers (`sandbox`; `stripe_invoice`, `payment_link`).
    var invoiceCollections: [Invoice.Collection] { get }
    /// Makes (once per key) the provider's invoice for one of ours, open for payment.
    func collectInvoice(_ request: ProviderInvoiceRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice
    func retrieveCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice
    /// Stops collecting it: the buyer can no longer pay it.
    func voidCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice
    /// Records at the provider that it was paid some other way (a cheque, a transfer): the buyer
    /// can no longer pay it there.
    func markCollectedInvoicePaidOutOfBand(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice
    /// Charges it now with the customer's saved payment method (once per key).
    /// - Throws: `cardDeclined` when the charge is declined: the invoice stays open.
    func chargeCollectedInvoice(_ id: String, paymentMethod: String, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice
}

/// What the core asks a provider to collect: our invoice's lines, frozen.
public struct ProviderInvoiceRequest: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let description: String
        public let quantity: Int64
        public let unitAmount: Int64

        public init(description: String, quantity: Int64, unitAmount: Int64) {
            self.description = description
            self.quantity = quantity
            self.unitAmount = unitAmount
        }
    }

    public let ourID: String
    public let appID: App.ID
    public let collection: Invoice.Collection
    /// The provider's customer id.
    public let customer: String
    public let currency: Currency
    public let lines: [Line]
    public let dueDate: Date?
    /// Days from finalization to the due date, when no date is set.
    public let daysUntilDue: Int?
    public let memo: String?

    public init(
        ourID: String,
        appID: App.ID,
        collection: Invoice.Collection,
        customer: String,
        currency: Currency,
        lines: [Line],
        dueDate: Date?,
        daysUntilDue: Int?,
        memo: String?
    ) {
        self.daysUntilDue = daysUntilDue
        self.ourID = ourID
        self.appID = appID
        self.collection = collection
        self.customer = customer
        self.currency = currency
        self.lines = lines
        self.dueDate = dueDate
        self.memo = memo
    }

    /// What the lines come to: the provider's total must be this.
    public var total: Int64 { lines.reduce(0) { $0 + $1.quantity * $1.unitAmount } }
}

/// The provider's invoice for one of ours, as it stands.
public struct ProviderCollectedInvoice: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case open, paid, void, uncollectible
    }

    public let id: String
    public let status: Status
    public let total: Int64
    public let amountPaid: Int64
    /// Where the buyer pays it.
    public let hostedURL: String?
    public let pdfURL: String?
    /// The charge that paid it, when paid.
    public let payment: ProviderPayment?

    public init(id: String, status: Status, total: Int64, amountPaid: Int64, hostedURL: String?, pdfURL: String?, payment: ProviderPayment?) {
        self.id = id
        self.status = status
        self.total = total
        self.amountPaid = amountPaid
        self.hostedURL = hostedURL
        self.pdfURL = pdfURL
        self.payment = payment
    }
}
