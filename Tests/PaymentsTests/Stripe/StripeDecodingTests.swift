import Foundation
import PaymentsDomain
import Testing

@testable import PaymentsStripe

/// The adapter reads Stripe's published example objects for the pinned API version
/// (`Fixtures/stripe/2026-10-28.endive`, taken from Stripe's `openapi` fixtures).
@Suite struct StripeDecodingTests {
    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stripe/2026-10-28.endive/\(name).json")
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    @Test func subscriptionsReadTheirPeriodFromTheirItems() throws {
        let subscription = try Self.fixture("subscription", as: StripeSubscription.self).domain
        #expect(subscription.id == "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")
        #expect(subscription.status == .active)
        #expect(subscription.price == "price_1PgafmB7WZ01zgkW6dKueIc5")
        #expect(subscription.quantity == 1)
        #expect(subscription.currentPeriodStart != nil && subscription.currentPeriodEnd != nil, "periods live on items in this API version")
        let item = try Self.fixture("subscription_item", as: StripeSubscription.Item.self)
        #expect(item.current_period_end != nil)
    }

    @Test func paymentsRefundsAndCharges() throws {
        let intent = try Self.fixture("payment_intent", as: StripePaymentIntent.self)
        let payment = intent.domain()
        #expect(payment.id == "pi_1PgafyB7WZ01zgkWSjxsAJo3" && payment.amount == Money(1099, .usd))
        // `requires_payment_method` with a `last_payment_error`: an attempt failed.
        #expect(intent.status == "requires_payment_method" && payment.status == .failed)
        #expect(payment.failure?.code == "payment_failed" && payment.amountRefunded == 0)
        let refund = try Self.fixture("refund", as: StripeRefund.self).domain
        #expect(refund.id == "re_1Pgc72B7WZ01zgkWqPvrRrPE" && refund.amount == 100 && refund.status == .succeeded)
        let charge = try Self.fixture("charge", as: StripeCharge.self)
        #expect(charge.id == "ch_1PgafuB7WZ01zgkWXYmPNZs8" && charge.amount_refunded == 0)
    }

    @Test func catalogObjects() throws {
        let price = try Self.fixture("price", as: StripePrice.self)
        #expect(price.type == "recurring" && price.unit_amount == 2000 && price.recurring?.interval == "month")
        let plan = try Self.fixture("plan", as: StripePlan.self)
        #expect(plan.amount == 2000 && plan.interval == "month" && plan.interval_count == 1)
        let product = try Self.fixture("product", as: StripeProduct.self)
        #expect(product.id.hasPrefix("prod_"))
        let customer = try Self.fixture("customer", as: StripeID.self)
        #expect(customer.id.hasPrefix("cus_"))
    }

    @Test func checkoutAndPortalSessions() throws {
        let session = try Self.fixture("checkout.session", as: StripeCheckoutSession.self).domain
        #expect(session.status == .open)
        #expect(session.url?.hasPrefix("https://checkout.stripe.com/") == true)
        #expect(session.payment == "pi_1PgafyB7WZ01zgkWSjxsAJo3")
        let portal = try Self.fixture("billing_portal.session", as: StripePortalSession.self)
        #expect(portal.url.hasPrefix("https://"))
    }

    @Test func invoicesAndEvents() throws {
        let invoice = try Self.fixture("invoice", as: StripeInvoice.self)
        #expect(invoice.id == "in_1Pgc6tB7WZ01zgkWu9fdqL6I" && invoice.amount_due == 1000 && invoice.status == "draft")
        #expect(invoice.subscriptionID == "subscription", "the subscription is named under parent.subscription_details")
        let event = try Self.fixture("event", as: StripeEvent.self)
        #expect(event.id == "evt_1Pgc76B7WZ01zgkWwyRHS12y" && event.data.object.object == "plan")
    }
}
