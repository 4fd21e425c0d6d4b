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
        /// For invoice events: the subscription billed.
        let subscription: String?
    }

    let id: String
    let object: String
    let type: String
    let created: Int64
    let data: Payload

    init(id: String, type: String, objectID: String, appID: App.ID, created: Date) {
        self.id = id
        self.object = "event"
        self.type = type
        self.created = Int64(created.timeIntervalSince1970.rounded(.down))
        let metadata = [ProviderMetadata.appID: appID.rawValue]
        let object: Object
        switch type.split(separator: ".").first ?? "" {
        case "customer": object = Object(id: objectID, object: "subscription", metadata: metadata, payment_intent: nil, subscription: nil)
        case "invoice": object = Object(id: "sbin_\(id)", object: "invoice", metadata: metadata, payment_intent: nil, subscription: objectID)
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
        return ProviderEventFacts(
            id: event.id, type: event.type, createdAt: Date(timeIntervalSince1970: Double(event.created)),
            appID: object.metadata[ProviderMetadata.appID].map(App.ID.init(rawValue:)), subject: subject)
    }
}
