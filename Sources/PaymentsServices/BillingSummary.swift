import PaymentsContract
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a customer stands, for the app's UI: one status, the current subscription's plan and
/// period, an open grace period, the last payment. Nothing secret.
public struct BillingSummary: Sendable, Equatable {
    public typealias Status = BillingStatus

    public struct LastPayment: Sendable, Equatable {
        public let amount: Money
        public let status: String
        public let at: Date
    }

    public let customer: Customer
    public let status: Status
    public let subscription: Subscription?
    public let plan: Plan?
    public var planKey: String? { plan?.key }
    public let priceKey: String?
    public let gracePeriod: GracePeriod?
    public let lastPayment: LastPayment?
    /// The customer's last paid invoice, whatever made it, with its lines.
    public let latestInvoice: Invoice?

    /// The status the UI shows for a subscription and an open grace period.
    public static func status(of subscription: Subscription?, grace: GracePeriod?) -> Status {
        BillingStatus(of: subscription, grace: grace)
    }

    /// The subscription that speaks for the customer.
    public static func current(of subscriptions: [Subscription]) -> Subscription? { BillingStatus.current(of: subscriptions) }
}

extension BillingSummary {
    public struct Service: Sendable {
        let store: Store
        let customers: Customers.Service

        public init(store: Store, customers: Customers.Service) {
            self.store = store
            self.customers = customers
        }

        public func summary(app: App.ID, externalID: String) async throws -> BillingSummary {
            try Customer.validate(externalID: externalID)
            let customer = try await customers.get(app: app, externalID: externalID)
            return try await store.read { session in
                let page = try PageRequest(limit: PageRequest.maximumLimit)
                let subscriptions = try await session.subscriptions(app).list(customer: customer.id, status: nil, page).data
                let current = BillingSummary.current(of: subscriptions)
                let grace = try await session.gracePeriods(app).list(customer: customer.id, status: .open, try PageRequest(limit: 1)).data.first
                var plan: Plan?
                if let current { plan = try await session.plans(app).find(id: current.planID) }
                let payment = try await session.payments(app).list(customer: customer.id, try PageRequest(limit: 1)).data.first
                let invoice = try await session.invoices(app).list(
                    InvoiceFilter(customer: customer.id, status: .paid),
                    try PageRequest(limit: 1)
                ).data.first
                var last = payment.map { LastPayment(amount: $0.amount, status: $0.status.rawValue, at: $0.createdAt) }
                // A subscription's invoice is paid without a payment of ours: it is the last payment when later.
                if let invoice, invoice.collection == .subscription, let paidAt = invoice.paidAt, last.map({ $0.at < paidAt }) ?? true {
                    last = LastPayment(amount: Money(invoice.amountPaid, invoice.currency), status: "succeeded", at: paidAt)
                }
                return BillingSummary(
                    customer: customer,
                    status: BillingSummary.status(of: current, grace: grace),
                    subscription: current,
                    plan: plan,
                    priceKey: plan?.prices.first { $0.id == current?.priceID }?.key,
                    gracePeriod: grace,
                    lastPayment: last,
                    latestInvoice: invoice
                )
            }
        }
    }
}
