import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsSandbox

/// Faults a test can plant in a provider call.
enum Fault: Hashable {
    /// The provider acts, then the answer is lost (a timeout after sending).
    case lostAfterActing(String)
    /// The request never reaches the provider (a timeout before sending).
    case lostBeforeActing(String)
    /// The call fails outright with `unavailable`.
    case unavailable(String)
}

/// The sandbox provider with planted faults, each consumed once: a provider that times out,
/// drops connections, or answers after acting, without a network.
struct FaultyProvider: CustomerProvisioning, CatalogSync, CheckoutProvider, PortalProvider, SubscriptionProvider,
    PaymentProcessor, DueWorkRunner, InvoiceCollector
{
    let inner: SandboxProvider
    let faults: NIOLockedValueBox<[Fault]>
    var name: ProviderName { inner.name }
    var account: String { inner.account }

    private func take(_ fault: Fault) -> Bool {
        faults.withLockedValue { faults in
            guard let index = faults.firstIndex(of: fault) else { return false }
            faults.remove(at: index)
            return true
        }
    }

    private func around<T>(_ call: String, _ body: () async throws(ProviderError) -> T) async throws(ProviderError) -> T {
        if take(.unavailable(call)) { throw .unavailable("planted: \(call) unavailable") }
        if take(.lostBeforeActing(call)) { throw .outcomeUnknown("planted: \(call) timed out before reaching the provider") }
        let result = try await body()
        if take(.lostAfterActing(call)) { throw .outcomeUnknown("planted: \(call) timed out after the provider acted") }
        return result
    }

    func createCustomer(_ customer: Customer, idempotencyKey: String) async throws(ProviderError) -> String {
        try await around("createCustomer") { () async throws(ProviderError) in
            try await inner.createCustomer(customer, idempotencyKey: idempotencyKey)
        }
    }
    func syncPrice(_ price: Price, of plan: Plan) async throws(ProviderError) -> String {
        try await around("syncPrice") { () async throws(ProviderError) in try await inner.syncPrice(price, of: plan) }
    }
    func deactivatePrice(providerPriceID: String) async throws(ProviderError) {
        try await inner.deactivatePrice(providerPriceID: providerPriceID)
    }
    func verifyLinkedPrice(_ price: Price) async throws(ProviderError) { try await inner.verifyLinkedPrice(price) }
    func createCheckoutSession(_ request: ProviderCheckoutRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderCheckoutSession {
        try await inner.createCheckoutSession(request, idempotencyKey: idempotencyKey)
    }
    func retrieveCheckoutSession(_ id: String) async throws(ProviderError) -> ProviderCheckoutSession {
        try await inner.retrieveCheckoutSession(id)
    }
    func createPortalSession(customer: String, returnURL: String?, idempotencyKey: String) async throws(ProviderError) -> String {
        try await inner.createPortalSession(customer: customer, returnURL: returnURL, idempotencyKey: idempotencyKey)
    }
    func createSubscription(_ request: ProviderSubscriptionRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderSubscription {
        try await around("createSubscription") { () async throws(ProviderError) in
            try await inner.createSubscription(request, idempotencyKey: idempotencyKey)
        }
    }
    func retrieveSubscription(_ id: String) async throws(ProviderError) -> ProviderSubscription { try await inner.retrieveSubscription(id) }
    func findSubscription(customer: String, operationID: String) async throws(ProviderError) -> ProviderSubscription? {
        try await around("findSubscription") { () async throws(ProviderError) in
            try await inner.findSubscription(customer: customer, operationID: operationID)
        }
    }
    func updateSubscription(
        _ id: String,
        _ change: ProviderSubscriptionChange,
        idempotencyKey: String
    ) async throws(ProviderError) -> ProviderSubscription {
        try await inner.updateSubscription(id, change, idempotencyKey: idempotencyKey)
    }
    func cancelSubscription(_ id: String, atPeriodEnd: Bool, idempotencyKey: String) async throws(ProviderError) -> ProviderSubscription {
        try await inner.cancelSubscription(id, atPeriodEnd: atPeriodEnd, idempotencyKey: idempotencyKey)
    }
    func createPayment(_ request: ProviderPaymentRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderPayment {
        try await around("createPayment") { () async throws(ProviderError) in try await inner.createPayment(request, idempotencyKey: idempotencyKey) }
    }
    func retrievePayment(_ id: String) async throws(ProviderError) -> ProviderPayment { try await inner.retrievePayment(id) }
    func findPayment(customer: String, operationID: String) async throws(ProviderError) -> ProviderPayment? {
        try await around("findPayment") { () async throws(ProviderError) in try await inner.findPayment(customer: customer, operationID: operationID)
        }
    }
    func createRefund(_ request: ProviderRefundRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderRefund {
        try await around("createRefund") { () async throws(ProviderError) in try await inner.createRefund(request, idempotencyKey: idempotencyKey) }
    }
    func findRefund(payment: String, operationID: String) async throws(ProviderError) -> ProviderRefund? {
        try await around("findRefund") { () async throws(ProviderError) in try await inner.findRefund(payment: payment, operationID: operationID) }
    }
    func listRefunds(payment: String) async throws(ProviderError) -> [ProviderRefund] {
        try await around("listRefunds") { () async throws(ProviderError) in try await inner.listRefunds(payment: payment) }
    }
    func runDue() async throws(ProviderError) -> [String] { try await inner.runDue() }
    var invoiceCollections: [Invoice.Collection] { inner.invoiceCollections }
    func collectInvoice(_ request: ProviderInvoiceRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        try await around("collectInvoice") { () async throws(ProviderError) in try await inner.collectInvoice(request, idempotencyKey: idempotencyKey)
        }
    }
    func retrieveCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        try await inner.retrieveCollectedInvoice(id)
    }
    func markCollectedInvoicePaidOutOfBand(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        try await inner.markCollectedInvoicePaidOutOfBand(id)
    }
    func chargeCollectedInvoice(_ id: String, paymentMethod: String, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        try await around("chargeCollectedInvoice") { () async throws(ProviderError) in
            try await inner.chargeCollectedInvoice(id, paymentMethod: paymentMethod, idempotencyKey: idempotencyKey)
        }
    }
    func voidCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        try await around("voidCollectedInvoice") { () async throws(ProviderError) in try await inner.voidCollectedInvoice(id) }
    }
}
