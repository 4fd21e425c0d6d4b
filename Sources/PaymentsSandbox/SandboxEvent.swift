import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sandbox's events, in the envelope Stripe uses (`id`, `type`, `created`,
/// `data.object`), so they read the same way in the inbox.
struct SandboxEvent: Codable {
    struct Payload: Codable { let object: Object }
    struct Object: Codable {
        let id: String
        let object: String
        let metadata: [String: String]
        /// For charge and refund events: the payment they belong to.
        let payment_intent: String?
        /// For invoice events: the subscription billed, and what was paid for which period.
        let subscription: String?
        var amount_paid: Int64? = nil
        var currency: String? = nil
        var period_start: Int64? = nil
        var period_end: Int64? = nil
    }

    /// What an invoice event says of the invoice.
    struct Invoice {
        let amountPaid: Int64
        let currency: String
        let periodStart: Date
        let periodEnd: Date
    }

    let id: String
    let object: String
    let type: String
    let created: Int64
    let data: Payload

    init(id: String, type: String, objectID: String, appID: App.ID, created: Date, invoice: Invoice? = nil) {
        self.id = id
        self.object = "event"
        self.type = type
        self.created = Int64(created.timeIntervalSince1970.rounded(.down))
        let metadata = [ProviderMetadata.appID: appID.rawValue]
        let object: Object
        switch type.split(separator: ".").first ?? "" {
        case "customer": object = Object(id: objectID, object: "subscription", metadata: metadata, payment_intent: nil, subscription: nil)
        case "invoice":
            object = Object(
                id: "sbin_\(id)", object: "invoice", metadata: metadata, payment_intent: nil, subscription: objectID,
                amount_paid: invoice?.amountPaid, currency: invoice?.currency,
                period_start: invoice.map { Int64($0.periodStart.timeIntervalSince1970.rounded(.down)) },
                period_end: invoice.map { Int64($0.periodEnd.timeIntervalSince1970.rounded(.down)) })
        case "charge": object = Object(id: "sbch_\(id)", object: "charge", metadata: metadata, payment_intent: objectID, subscription: nil)
        case "checkout": object = Object(id: objectID, object: "checkout.session", metadata: metadata, payment_intent: nil, subscription: nil)
        default: object = Object(id: objectID, object: "payment_intent", metadata: metadata, payment_intent: nil, subscription: nil)
        }
        data = Payload(object: object)
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension SandboxProvider {
    /// Reads one of the sandbox's own events.
    public static let interpret: ProviderEventInterpreter = { payload throws(ProviderError) in
        let event: SandboxEvent
        do { event = try JSONDecoder().decode(SandboxEvent.self, from: Data(payload)) } catch {
            throw .invalidRequest("The body is not a sandbox event: \(error)")
        }
        let object = event.data.object
        let subject: ProviderEventFacts.Subject =
            switch object.object {
            case "subscription": .subscription(object.id)
            case "invoice": .invoice(subscription: object.subscription)
            case "charge": object.payment_intent.map { .payment($0) } ?? .other
            case "checkout.session": .checkoutSession(object.id)
            case "payment_intent": .payment(object.id)
            default: .other
            }
        var invoice: ProviderInvoice?
        if object.object == "invoice", let amount = object.amount_paid, let currency = object.currency.flatMap(Currency.init(rawValue:)) {
            invoice = ProviderInvoice(
                id: object.id, amountPaid: Money(amount, currency),
                periodStart: object.period_start.map { Date(timeIntervalSince1970: Double($0)) },
                periodEnd: object.period_end.map { Date(timeIntervalSince1970: Double($0)) })
        }
        return ProviderEventFacts(
            id: event.id, type: event.type, createdAt: Date(timeIntervalSince1970: Double(event.created)),
            appID: object.metadata[ProviderMetadata.appID].map(App.ID.init(rawValue:)), livemode: false, subject: subject,
            invoice: invoice)
    }
}
