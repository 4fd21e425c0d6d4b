import Foundation
import PaymentsDomain
import Testing

@testable import PaymentsSandbox
@testable import PaymentsStripe

/// Each adapter says what its events mean in the domain's words; the services never see a
/// provider's name for an event.
@Suite struct ProviderFactTests {
    /// A Stripe event around one of Stripe's published objects for the pinned API version.
    static func stripeEvent(_ type: String, _ fixture: String, _ overrides: [String: Any] = [:]) throws -> ProviderEventFacts {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stripe/2026-10-28.endive/\(fixture).json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object.merge(overrides) { _, new in new }
        let event: [String: Any] = [
            "id": "evt_1", "object": "event", "type": type, "created": 1_790_000_000, "livemode": false,
            "data": ["object": object],
        ]
        return try StripeWebhooks.interpret(Array(try JSONSerialization.data(withJSONObject: event)))
    }

    @Test func stripesEventNamesBecomeFacts() throws {
        let cases: [(String, String, ProviderFact)] = [
            ("customer.subscription.created", "subscription", .subscriptionChanged(subscription: "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")),
            ("customer.subscription.deleted", "subscription", .subscriptionChanged(subscription: "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")),
            ("customer.subscription.trial_will_end", "subscription", .trialEnding(subscription: "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")),
            ("payment_intent.succeeded", "payment_intent", .paymentSucceeded(payment: "pi_1PgafyB7WZ01zgkWSjxsAJo3")),
            ("payment_intent.payment_failed", "payment_intent", .paymentFailed(payment: "pi_1PgafyB7WZ01zgkWSjxsAJo3")),
            ("payment_intent.canceled", "payment_intent", .paymentChanged(payment: "pi_1PgafyB7WZ01zgkWSjxsAJo3")),
            (
                "checkout.session.completed", "checkout.session",
                .checkoutCompleted(session: "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY")
            ),
            (
                "checkout.session.expired", "checkout.session",
                .checkoutChanged(session: "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY")
            ),
            ("customer.created", "customer", .unhandled),
        ]
        for (type, fixture, expected) in cases {
            let facts = try Self.stripeEvent(type, fixture)
            #expect(facts.fact == expected, "\(type)")
            #expect(facts.type == type, "the provider's name is kept for people")
        }
        // a paid invoice carries what was paid; both of Stripe's names for it mean the same
        for type in ["invoice.paid", "invoice.payment_succeeded"] {
            guard case .invoicePaid(let invoice?, let subscription) = try Self.stripeEvent(type, "invoice").fact else {
                Issue.record("\(type) is not a paid invoice")
                continue
            }
            #expect(invoice.id == "in_1Pgc6tB7WZ01zgkWu9fdqL6I" && invoice.amountPaid == Money(0, .usd) && subscription == "subscription")
            #expect(invoice.total == 1000 && invoice.lines.map(\.amount) == [1000], "the total and lines as Stripe priced them")
        }
        // every invoice event carries the invoice as it stands: its status, total and links
        let open: [String: Any] = [
            "status": "open", "hosted_invoice_url": "https://invoice.stripe.com/i/1", "invoice_pdf": "https://pay.stripe.com/1/pdf",
        ]
        guard case .invoicePaymentFailed(let failed?, "subscription") = try Self.stripeEvent("invoice.payment_failed", "invoice", open).fact,
            case .invoiceChanged(let finalized?, "subscription") = try Self.stripeEvent("invoice.finalized", "invoice", open).fact,
            case .invoiceChanged(let voided?, _) = try Self.stripeEvent("invoice.voided", "invoice", ["status": "void"]).fact,
            case .invoiceChanged(let draft?, _) = try Self.stripeEvent("invoice.created", "invoice").fact
        else {
            Issue.record("an invoice event lost its invoice")
            return
        }
        #expect(failed.status == .open && failed.hostedURL == "https://invoice.stripe.com/i/1" && failed.pdfURL == "https://pay.stripe.com/1/pdf")
        #expect(finalized == failed && voided.status == .void && draft.status == .draft)
        // a refund is about its payment intent; a charge without one is nothing we made
        #expect(try Self.stripeEvent("refund.created", "refund", ["payment_intent": "pi_9"]).fact == .paymentRefunded(payment: "pi_9"))
        #expect(try Self.stripeEvent("charge.refunded", "charge", ["payment_intent": ["id": "pi_9"]]).fact == .paymentRefunded(payment: "pi_9"))
        #expect(try Self.stripeEvent("charge.refunded", "charge").fact == .unhandled)
    }

    @Test func theSandboxsOwnNamesBecomeTheSameFacts() throws {
        let invoice = SandboxEvent.Invoice(
            id: "sbin_1",
            amountPaid: 2900,
            currency: "usd",
            periodStart: Date(timeIntervalSince1970: 1_790_000_000),
            periodEnd: Date(timeIntervalSince1970: 1_792_600_000)
        )
        let cases: [(SandboxEvent.Kind, ProviderFact)] = [
            (.subscriptionCanceled, .subscriptionChanged(subscription: "sbsub_1")),
            (.trialEnding, .trialEnding(subscription: "sbsub_1")),
            (
                .invoicePaid,
                .invoicePaid(
                    ProviderInvoice(
                        id: "sbin_1",
                        status: .paid,
                        total: 2900,
                        amountPaid: Money(2900, .usd),
                        periodStart: invoice.periodStart,
                        periodEnd: invoice.periodEnd
                    ),
                    subscription: "sbsub_1"
                )
            ),
            (.invoicePaymentFailed, .invoicePaymentFailed(nil, subscription: "sbsub_1")),
            (.paymentRefunded, .paymentRefunded(payment: "sbsub_1")),
            (.checkoutCompleted, .checkoutCompleted(session: "sbsub_1")),
        ]
        for (kind, expected) in cases {
            let event = SandboxEvent(
                id: "sbevt_1",
                type: kind,
                created: Date(timeIntervalSince1970: 1_790_000_000),
                appID: App.ID(rawValue: "app_1"),
                object: "sbsub_1",
                invoice: kind == .invoicePaid ? invoice : nil
            )
            let facts = try SandboxProvider.interpret(Array(try event.encoded().utf8))
            #expect(facts.fact == expected, "\(kind)")
            #expect(facts.livemode == false && facts.appID == App.ID(rawValue: "app_1"))
        }
    }

    /// The services act on facts only: no provider's event name appears in their code.
    @Test func theServicesNeverNameAProvidersEvent() throws {
        let services = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/PaymentsServices")
        let files = try FileManager.default.subpathsOfDirectory(atPath: services.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10)
        let stripeNames = ["\"customer.subscription", "\"invoice.payment_", "\"payment_intent.", "\"charge.", "\"checkout.session."]
        for file in files {
            let text = try String(contentsOf: services.appendingPathComponent(file), encoding: .utf8)
            for name in stripeNames { #expect(!text.contains(name), "\(file) names \(name)") }
        }
    }
}
