import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sandbox's events, in its own words and envelope; `SandboxProvider.interpret` maps them
/// onto the domain's facts, as the Stripe adapter maps Stripe's.
struct SandboxEvent: Codable {
    enum Kind: String, Codable {
        case subscriptionCreated = "subscription.created"
        case subscriptionUpdated = "subscription.updated"
        case subscriptionCanceled = "subscription.canceled"
        case trialEnding = "subscription.trial_ending"
        case invoicePaid = "invoice.paid"
        case invoicePaymentFailed = "invoice.payment_failed"
        case paymentSucceeded = "payment.succeeded"
        case paymentFailed = "payment.failed"
        case paymentRefunded = "payment.refunded"
        case checkoutCompleted = "checkout.completed"
        /// An invoice the sandbox collects for one of ours (its object): paid, voided, or a
        /// payment on its page declined.
        case hostedInvoicePaid = "hosted_invoice.paid"
        case hostedInvoicePaymentFailed = "hosted_invoice.payment_failed"
        case hostedInvoiceVoided = "hosted_invoice.voided"
    }

    /// What an invoice event says of the invoice.
    struct Invoice: Codable {
        let id: String
        let amountPaid: Int64
        let currency: String
        let periodStart: Date
        let periodEnd: Date
        var lines: [ProviderInvoiceLine]? = nil
    }

    let id: String
    let type: Kind
    let created: Date
    let appID: App.ID
    /// The sandbox object the event is about: a subscription (also for invoice events), a
    /// payment, a checkout session.
    let object: String
    var invoice: Invoice? = nil

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    var fact: ProviderFact {
        switch type {
        case .subscriptionCreated, .subscriptionUpdated, .subscriptionCanceled: .subscriptionChanged(subscription: object)
        case .trialEnding: .trialEnding(subscription: object)
        case .invoicePaid: .invoicePaid(providerInvoice(paid: true), subscription: object)
        case .invoicePaymentFailed: .invoicePaymentFailed(providerInvoice(paid: false), subscription: object)
        case .paymentSucceeded: .paymentSucceeded(payment: object)
        case .paymentFailed: .paymentFailed(payment: object)
        case .paymentRefunded: .paymentRefunded(payment: object)
        case .checkoutCompleted: .checkoutCompleted(session: object)
        case .hostedInvoicePaid, .hostedInvoiceVoided: .collectedInvoiceChanged(invoice: object)
        case .hostedInvoicePaymentFailed: .collectedInvoicePaymentFailed(invoice: object)
        }
    }
}

extension SandboxEvent {
    /// The invoice an invoice event carries, paid or still open after a declined charge.
    func providerInvoice(paid: Bool) -> ProviderInvoice? {
        guard let invoice, let currency = Currency(rawValue: invoice.currency) else { return nil }
        let lines = invoice.lines ?? []
        return ProviderInvoice(
            id: invoice.id,
            status: paid ? .paid : .open,
            total: lines.isEmpty ? invoice.amountPaid : lines.reduce(0) { $0 + $1.amount },
            amountPaid: Money(invoice.amountPaid, currency),
            periodStart: invoice.periodStart,
            periodEnd: invoice.periodEnd,
            lines: lines
        )
    }
}

extension SandboxProvider {
    /// Reads one of the sandbox's own events.
    public static let interpret: ProviderEventInterpreter = { payload throws(ProviderError) in
        let event: SandboxEvent
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            event = try decoder.decode(SandboxEvent.self, from: Data(payload))
        } catch {
            throw .invalidRequest("The body is not a sandbox event: \(error)")
        }
        return ProviderEventFacts(
            id: event.id,
            type: event.type.rawValue,
            createdAt: event.created,
            appID: event.appID,
            livemode: false,
            fact: event.fact
        )
    }
}
