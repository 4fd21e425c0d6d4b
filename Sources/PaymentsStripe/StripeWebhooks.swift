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
            // Invoices
            let amount_paid: Int64?
            let currency: String?
            let period_start: Int64?
            let period_end: Int64?
        }

        let id: String
        let type: String
        let created: Int64
        let livemode: Bool?
        let data: Payload
    }

    struct Header: Decodable {
        let id: String
        let type: String
        let created: Int64
    }

    /// Reads only the event's id, type and time (see ``ProviderWebhooks/identify``).
    public static let identify: ProviderWebhooks.Identifier = { payload throws(ProviderError) in
        do {
            let header = try JSONDecoder().decode(Header.self, from: Data(payload))
            return ProviderEventHeader(id: header.id, type: header.type, createdAt: Date(timeIntervalSince1970: Double(header.created)))
        } catch {
            throw .invalidRequest("The body is not a Stripe event: \(error)")
        }
    }

    public static let interpret: ProviderEventInterpreter = { payload throws(ProviderError) in
        let event: Envelope
        do {
            event = try JSONDecoder().decode(Envelope.self, from: Data(payload))
        } catch {
            throw .invalidRequest("The body is not a Stripe event: \(error)")
        }
        let object = event.data.object
        func id(_ field: Expandable<StripeID>?) -> String? {
            switch field {
            case .id(let id): id
            case .object(let object): object.id
            case nil: nil
            }
        }
        let subject: ProviderEventFacts.Subject
        switch object.object {
        case "subscription": subject = object.id.map { .subscription($0) } ?? .other
        case "payment_intent": subject = object.id.map { .payment($0) } ?? .other
        case "charge", "refund": subject = id(object.payment_intent).map { .payment($0) } ?? .other
        case "checkout.session": subject = object.id.map { .checkoutSession($0) } ?? .other
        case "invoice": subject = .invoice(subscription: id(object.parent?.subscription_details?.subscription) ?? id(object.subscription))
        default: subject = .other
        }
        let metadata = object.metadata ?? object.parent?.subscription_details?.metadata ?? [:]
        var invoice: ProviderInvoice?
        if object.object == "invoice", let id = object.id, let amount = object.amount_paid,
            let currency = object.currency.flatMap(Currency.init(rawValue:))
        {
            invoice = ProviderInvoice(
                id: id, amountPaid: Money(amount, currency),
                periodStart: object.period_start.map { Date(timeIntervalSince1970: Double($0)) },
                periodEnd: object.period_end.map { Date(timeIntervalSince1970: Double($0)) })
        }
        return ProviderEventFacts(
            id: event.id, type: event.type, createdAt: Date(timeIntervalSince1970: Double(event.created)),
            appID: metadata[ProviderMetadata.appID].map(App.ID.init(rawValue:)), livemode: event.livemode, subject: subject,
            invoice: invoice)
    }
}
