import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads a Stripe event: its id, type, time, the app named in the object's metadata, and the
/// object it is about (a charge or refund is about its payment intent; an invoice about its
/// subscription).
public enum StripeWebhooks {
    struct Envelope: Decodable {
        struct Payload: Decodable { let object: Object }
        struct Object: Decodable {
            struct Parent: Decodable {
                struct Details: Decodable {
                    let subscription: Expandable<StripeID>?
                    let metadata: [String: String]?
                }
                let subscription_details: Details?
            }

            let id: String?
            let object: String
            let metadata: [String: String]?
            let payment_intent: Expandable<StripeID>?
            let subscription: Expandable<StripeID>?
            let parent: Parent?
            // Checkout sessions made by a payment link
            let payment_link: Expandable<StripeID>?
            // Invoices
            let status: String?
            let total: Int64?
            let amount_paid: Int64?
            let currency: String?
            let hosted_invoice_url: String?
            let invoice_pdf: String?
            let period_start: Int64?
            let period_end: Int64?
            let lines: StripeList<InvoiceLine>?
        }

        let id: String
        let type: String
        let created: Int64
        let livemode: Bool?
        let data: Payload
    }

    /// Reads only the event's id, type and time (see ``ProviderWebhooks/identify``): the rest of
    /// the event (kilobytes of object) is checked to be JSON but not kept.
    public static let identify: ProviderWebhooks.Identifier = { payload throws(ProviderError) in
        let members: [String: JSONValue]
        do {
            members = try JSONReader.members(["id", "type", "created"], of: payload)
        } catch {
            throw .invalidRequest("The body is not a Stripe event: \(error)")
        }
        guard case .string(let id)? = members["id"], case .string(let type)? = members["type"],
            case .integer(let created)? = members["created"]
        else { throw .invalidRequest("The body is not a Stripe event: it needs a string id and type and an integer created") }
        return ProviderEventHeader(id: id, type: type, createdAt: Date(timeIntervalSince1970: Double(created)))
    }

    public static let interpret: ProviderEventInterpreter = { payload throws(ProviderError) in
        let event: Envelope
        do {
            event = try JSONDecoder().decode(Envelope.self, from: Data(payload))
        } catch {
            throw .invalidRequest("The body is not a Stripe event: \(error)")
        }
        let object = event.data.object
        let metadata = object.metadata ?? object.parent?.subscription_details?.metadata ?? [:]
        return ProviderEventFacts(
            id: event.id,
            type: event.type,
            createdAt: Date(timeIntervalSince1970: Double(event.created)),
            appID: metadata[ProviderMetadata.appID].map(App.ID.init(rawValue:)),
            livemode: event.livemode,
            fact: fact(type: event.type, object)
        )
    }

    /// Stripe's event names, mapped onto the domain's facts: by the object an event is about
    /// (a charge or refund is about its payment intent; an invoice about its subscription), then
    /// by what the event says of it.
    static func fact(type: String, _ object: Envelope.Object) -> ProviderFact {
        func id(_ field: Expandable<StripeID>?) -> String? {
            switch field {
            case .id(let id): id
            case .object(let object): object.id
            case nil: nil
            }
        }
        switch object.object {
        case "subscription":
            guard let subscription = object.id else { return .unhandled }
            return type == "customer.subscription.trial_will_end"
                ? .trialEnding(subscription: subscription) : .subscriptionChanged(subscription: subscription)
        case "invoice":
            let subscription = id(object.parent?.subscription_details?.subscription) ?? id(object.subscription)
            // An invoice of ours Stripe collects (send_invoice): named by our id in its metadata.
            if subscription == nil, let invoiceID = object.id, object.metadata?[ProviderMetadata.objectID]?.hasPrefix("\(Invoice.idPrefix)_") == true
            {
                return type == "invoice.payment_failed"
                    ? .collectedInvoicePaymentFailed(invoice: invoiceID) : .collectedInvoiceChanged(invoice: invoiceID)
            }
            var invoice: ProviderInvoice?
            if let invoiceID = object.id, let status = object.status.flatMap(ProviderInvoice.Status.init(rawValue:)),
                let amount = object.amount_paid, let currency = object.currency.flatMap(Currency.init(rawValue:))
            {
                invoice = ProviderInvoice(
                    id: invoiceID,
                    status: status,
                    total: object.total ?? amount,
                    amountPaid: Money(amount, currency),
                    periodStart: object.period_start.map { Date(timeIntervalSince1970: Double($0)) },
                    periodEnd: object.period_end.map { Date(timeIntervalSince1970: Double($0)) },
                    lines: object.lines?.data.map(\.domain) ?? [],
                    hostedURL: object.hosted_invoice_url,
                    pdfURL: object.invoice_pdf
                )
            }
            switch type {
            case "invoice.paid", "invoice.payment_succeeded": return .invoicePaid(invoice, subscription: subscription)
            case "invoice.payment_failed": return .invoicePaymentFailed(invoice, subscription: subscription)
            default: return .invoiceChanged(invoice, subscription: subscription)
            }
        case "payment_intent", "charge", "refund":
            guard let payment = object.object == "payment_intent" ? object.id : id(object.payment_intent) else { return .unhandled }
            switch type {
            case "payment_intent.succeeded": return .paymentSucceeded(payment: payment)
            case "payment_intent.payment_failed": return .paymentFailed(payment: payment)
            case "charge.refunded", "refund.created", "refund.updated", "charge.refund.updated": return .paymentRefunded(payment: payment)
            default: return .paymentChanged(payment: payment)
            }
        case "checkout.session":
            guard let session = object.id else { return .unhandled }
            // Paid through the payment link made for an invoice of ours (the link's metadata is copied to its sessions).
            if let link = id(object.payment_link), object.metadata?[ProviderMetadata.objectID]?.hasPrefix("\(Invoice.idPrefix)_") == true {
                return .collectedInvoiceChanged(invoice: link)
            }
            return type == "checkout.session.completed" ? .checkoutCompleted(session: session) : .checkoutChanged(session: session)
        default:
            return .unhandled
        }
    }
}
