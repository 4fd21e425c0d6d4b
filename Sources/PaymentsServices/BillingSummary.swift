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

    /// The last paid invoice of the customer's subscriptions, with its lines.
    public struct LatestInvoice: Sendable, Equatable {
        public struct Line: Sendable, Equatable {
            public let priceID: String?
            public let description: String?
            public let quantity: Int64
            public let amount: Int64
        }

        public let id: String
        public let amountPaid: Money
        public let paidAt: Date
        public let lines: [Line]
    }

    public let customer: Customer
    public let status: Status
    public let subscription: Subscription?
    public let plan: Plan?
    public var planKey: String? { plan?.key }
    public let priceKey: String?
    public let gracePeriod: GracePeriod?
    public let lastPayment: LastPayment?
    public let latestInvoice: LatestInvoice?

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
                let invoice = try await session.events(app).latestPayload(.invoicePaid, customer: customer.id)
                var last = payment.map { LastPayment(amount: $0.amount, status: $0.status.rawValue, at: $0.createdAt) }
                var latest: LatestInvoice?
                if let invoice, let paid = try? JSONDecoder().decode(PaidInvoice.self, from: Data(invoice.utf8)),
                    let currency = Currency(rawValue: paid.data.object.currency),
                    let paidAt = RFC3339.parse(paid.data.object.paid_at)
                {
                    let object = paid.data.object
                    latest = LatestInvoice(
                        id: object.provider_invoice_id,
                        amountPaid: Money(object.amount_paid, currency),
                        paidAt: paidAt,
                        lines: (object.lines ?? []).map {
                            .init(priceID: $0.price_id, description: $0.description, quantity: $0.quantity, amount: $0.amount)
                        }
                    )
                    if last.map({ $0.at < paidAt }) ?? true {
                        last = LastPayment(amount: Money(object.amount_paid, currency), status: "succeeded", at: paidAt)
                    }
                }
                return BillingSummary(
                    customer: customer,
                    status: BillingSummary.status(of: current, grace: grace),
                    subscription: current,
                    plan: plan,
                    priceKey: plan?.prices.first { $0.id == current?.priceID }?.key,
                    gracePeriod: grace,
                    lastPayment: last,
                    latestInvoice: latest
                )
            }
        }
    }

    /// The part of an `invoice.paid` event the summary reads.
    struct PaidInvoice: Decodable {
        struct Payload: Decodable {
            struct Object: Decodable {
                struct Line: Decodable {
                    let price_id: String?
                    let description: String?
                    let quantity: Int64
                    let amount: Int64
                }
                let provider_invoice_id: String
                let lines: [Line]?
                let amount_paid: Int64
                let currency: String
                let paid_at: String
            }
            let object: Object
        }
        let data: Payload
    }
}
