import AsyncHTTPClient
import Foundation
import PaymentsDomain
import Testing

@testable import PaymentsStripe

/// Opt-in: the adapter against real Stripe in test mode, when `STRIPE_TEST_SECRET_KEY` is set
/// (an `sk_test_` key of an account you can litter). Skipped otherwise: the test command has no
/// network, and no key is committed. What it makes is tagged with metadata `payments_app_id`
/// = `app_live_test`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["STRIPE_TEST_SECRET_KEY"]?.hasPrefix("sk_test_") == true))
struct LiveStripeTests {
    @Test func theWholeAdapterAgainstStripeTestMode() async throws {
        let key = try #require(ProcessInfo.processInfo.environment["STRIPE_TEST_SECRET_KEY"])
        let stripe = StripeProvider(
            secretKey: Secret(key),
            account: "platform",
            transport: .live(client: HTTPClient.shared, baseURL: "https://api.stripe.com"),
            logger: testLogger
        )
        try await stripe.checkCredentials()
        let run = String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        let app = App.ID(rawValue: "app_live_test")
        let customer = try await stripe.createCustomer(
            Customer(
                id: Customer.ID(rawValue: "cus_live\(run)"),
                appID: app,
                externalID: "org_live_\(run)",
                name: "Live test",
                email: nil,
                legalName: nil,
                metadata: [:],
                createdAt: Date(),
                updatedAt: Date()
            ),
            idempotencyKey: "live-customer-\(run)"
        )
        let monthly = Price(
            id: Price.ID(rawValue: "price_live\(run)m"),
            key: "monthly",
            terms: .recurring(Money(1500, .usd), BillingInterval(.month)),
            linkedProviderPriceID: nil,
            active: true,
            createdAt: Date()
        )
        let setup = Price(
            id: Price.ID(rawValue: "price_live\(run)s"),
            key: "setup",
            terms: .oneTime(Money(900, .usd)),
            linkedProviderPriceID: nil,
            active: true,
            createdAt: Date()
        )
        let plan = Plan(
            id: Plan.ID(rawValue: "plan_live\(run)"),
            appID: app,
            key: "live",
            name: "Live test plan",
            description: nil,
            prices: [monthly, setup],
            trialPeriodDays: nil,
            gracePeriodDays: nil,
            features: [],
            limits: [:],
            metadata: [:],
            active: true,
            createdAt: Date(),
            updatedAt: Date()
        )
        let stripeMonthly = try await stripe.syncPrice(monthly, of: plan)
        #expect(try await stripe.syncPrice(monthly, of: plan) == stripeMonthly)
        let stripeSetup = try await stripe.syncPrice(setup, of: plan)
        #expect(try await stripe.syncPrice(setup, of: plan) == stripeSetup, "found again by lookup_key")

        let paid = try await stripe.createPayment(
            ProviderPaymentRequest(
                operationID: "op_live\(run)",
                ourID: "pay_live",
                customer: customer,
                amount: Money(900, .usd),
                paymentMethod: "pm_card_visa",
                description: "live test",
                metadata: [ProviderMetadata.operationID: "op_live\(run)"]
            ),
            idempotencyKey: "live-pay-\(run)"
        )
        #expect(paid.status == .succeeded)
        #expect(try await stripe.findPayment(customer: customer, operationID: "op_live\(run)")?.id == paid.id)
        _ = try await stripe.createRefund(
            ProviderRefundRequest(operationID: "op_liver\(run)", ourID: "re_live", payment: paid.id, amount: 400, reason: .requestedByCustomer),
            idempotencyKey: "live-refund-\(run)"
        )
        #expect(try await stripe.retrievePayment(paid.id).amountRefunded == 400)
        do {
            _ = try await stripe.createPayment(
                ProviderPaymentRequest(
                    operationID: "op_lived\(run)",
                    ourID: "pay_live2",
                    customer: customer,
                    amount: Money(900, .usd),
                    paymentMethod: "pm_card_chargeDeclined",
                    description: nil,
                    metadata: [:]
                ),
                idempotencyKey: "live-decline-\(run)"
            )
            Issue.record("a declining card was charged")
        } catch {
            #expect(error.isCardDeclined)
        }

        let subscription = try await stripe.createSubscription(
            ProviderSubscriptionRequest(
                operationID: "op_lives\(run)",
                ourID: "sub_live",
                customer: customer,
                items: [ProviderItemRequest(price: stripeMonthly, quantity: 1)],
                trialPeriodDays: 7,
                paymentMethod: "pm_card_visa"
            ),
            idempotencyKey: "live-sub-\(run)"
        )
        #expect(subscription.status == .trialing && subscription.trialEnd != nil)
        let session = try await stripe.createCheckoutSession(
            ProviderCheckoutRequest(
                ourID: "cs_live",
                mode: .subscription,
                customer: customer,
                items: [ProviderItemRequest(price: stripeMonthly, quantity: 1)],
                trialPeriodDays: 7,
                successURL: "https://example.com/ok",
                cancelURL: "https://example.com/no",
                metadata: [:]
            ),
            idempotencyKey: "live-cs-\(run)"
        )
        #expect(session.url?.hasPrefix("https://checkout.stripe.com/") == true)
        let canceled = try await stripe.cancelSubscription(subscription.id, atPeriodEnd: false, idempotencyKey: "live-cancel-\(run)")
        #expect(canceled.status == .canceled)
        try await stripe.deactivatePrice(providerPriceID: stripeMonthly)
        try await stripe.deactivatePrice(providerPriceID: stripeSetup)
    }
}
