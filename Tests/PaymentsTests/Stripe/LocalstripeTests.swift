import AsyncHTTPClient
import Foundation
import Logging
import PaymentsDomain
import Testing

@testable import PaymentsStripe

/// The Stripe adapter against localstripe (PyPI 1.15.10), a stateful fake Stripe nobody here
/// wrote, started on 127.0.0.1 by the test command (`LOCALSTRIPE_URL`).
///
/// localstripe speaks an old dialect: customers, plans, single-item subscriptions, payment
/// intents, charges, refunds. What the adapter sends to endpoints it lacks — one-time prices
/// (`/v1/prices`), Checkout (`/v1/checkout/sessions`), the billing portal
/// (`/v1/billing_portal/sessions`) and listing payment intents by customer (reconciliation) — is
/// covered instead by `StripeRequestShapeTests` (every parameter checked against the official
/// `stripe` library's definitions) and `StripeDecodingTests` (Stripe's published objects).
@Suite(.serialized) struct LocalstripeTests {
    static func provider() throws -> StripeProvider? {
        guard let base = ProcessInfo.processInfo.environment["LOCALSTRIPE_URL"] else {
            Issue.record("LOCALSTRIPE_URL is not set: run the tests with scripts/test.sh, which starts localstripe")
            return nil
        }
        var options = StripeProvider.Options()
        options.maxRetries = 0
        options.timeout = .seconds(10)
        return StripeProvider(
            secretKey: Secret("sk_test_localstripe"),
            account: "platform",
            transport: .live(client: HTTPClient.shared, baseURL: base),
            options: options,
            logger: testLogger
        )
    }

    static let app = App.ID(rawValue: "app_01m8000000000000000000test")

    static func customer(_ external: String) -> Customer {
        Customer(
            id: Customer.ID(rawValue: "cus_01m80000000000000000000\(external.count)"),
            appID: app,
            externalID: external,
            name: "Acme",
            email: "billing@acme.test",
            legalName: nil,
            metadata: [:],
            createdAt: Date(),
            updatedAt: Date()
        )
    }

    static func plan(amount: Int64) -> (Plan, Price) {
        let suffix = String(UInt64.random(in: 0..<UInt64.max), radix: 32)
        let price = Price(
            id: Price.ID(rawValue: "price_ls\(suffix)"),
            key: "monthly",
            terms: .recurring(Money(amount, .usd), BillingInterval(.month)),
            linkedProviderPriceID: nil,
            active: true,
            createdAt: Date()
        )
        let plan = Plan(
            id: Plan.ID(rawValue: "plan_ls\(suffix)"),
            appID: app,
            key: "pro",
            name: "Pro",
            description: nil,
            prices: [price],
            trialPeriodDays: nil,
            gracePeriodDays: nil,
            features: [],
            limits: [:],
            metadata: [:],
            active: true,
            createdAt: Date(),
            updatedAt: Date()
        )
        return (plan, price)
    }

    @Test func customersPlansAndASubscription() async throws {
        guard let stripe = try Self.provider() else { return }
        // setup
        let customer = try await stripe.createCustomer(Self.customer("org_1"), idempotencyKey: UUID().uuidString)
        #expect(customer.hasPrefix("cus_"))
        let (plan, price) = Self.plan(amount: 2900)

        // MUT: sync twice; the second finds the first's plan
        let synced = try await stripe.syncPrice(price, of: plan)
        let again = try await stripe.syncPrice(price, of: plan)

        // validate
        #expect(synced == "payments_\(price.id.rawValue)")
        #expect(again == synced)
        try await stripe.verifyLinkedPrice(
            Price(id: price.id, key: "monthly", terms: price.terms, linkedProviderPriceID: synced, active: true, createdAt: Date())
        )
        await #expect(throws: ProviderError.self) {
            try await stripe.verifyLinkedPrice(
                Price(
                    id: price.id,
                    key: "monthly",
                    terms: .recurring(Money(100, .usd), BillingInterval(.month)),
                    linkedProviderPriceID: synced,
                    active: true,
                    createdAt: Date()
                )
            )
        }

        let subscription = try await stripe.createSubscription(
            ProviderSubscriptionRequest(
                operationID: "op_ls1",
                ourID: "sub_ours",
                customer: customer,
                items: [ProviderItemRequest(price: synced, quantity: 1)],
                trialPeriodDays: nil,
                paymentMethod: "pm_card_visa"
            ),
            idempotencyKey: UUID().uuidString
        )
        #expect(subscription.status == .active)
        #expect(subscription.price == synced)
        #expect(subscription.currentPeriodEnd != nil)
        let fetched = try await stripe.retrieveSubscription(subscription.id)
        #expect(fetched.id == subscription.id && fetched.ourID == "sub_ours")
        let found = try await stripe.findSubscription(customer: customer, operationID: "op_ls1")
        #expect(found?.id == subscription.id, "an operation's subscription is found by its metadata")

        let trial = try await stripe.createSubscription(
            ProviderSubscriptionRequest(
                operationID: "op_ls2",
                ourID: "sub_trial",
                customer: customer,
                items: [ProviderItemRequest(price: synced, quantity: 2)],
                trialPeriodDays: 14,
                paymentMethod: nil
            ),
            idempotencyKey: UUID().uuidString
        )
        // localstripe takes trial_period_days but does not model trials (no `trialing`, no
        // `trial_end`); it leaves the subscription incomplete and invoices nothing.
        #expect(trial.quantity == 2 && trial.status != .active)

        let atEnd = try await stripe.cancelSubscription(subscription.id, atPeriodEnd: true, idempotencyKey: UUID().uuidString)
        #expect(atEnd.cancelAtPeriodEnd && atEnd.status == .active)
        let now = try await stripe.cancelSubscription(trial.id, atPeriodEnd: false, idempotencyKey: UUID().uuidString)
        #expect(now.status == .canceled)

        await #expect(throws: ProviderError.self) { try await stripe.retrieveSubscription("sub_missing") }
    }

    @Test func paymentsDeclinesAndRefunds() async throws {
        guard let stripe = try Self.provider() else { return }
        let customer = try await stripe.createCustomer(Self.customer("org_22"), idempotencyKey: UUID().uuidString)
        func pay(_ method: String, _ amount: Int64) async throws(ProviderError) -> ProviderPayment {
            try await stripe.createPayment(
                ProviderPaymentRequest(
                    operationID: "op_\(amount)",
                    ourID: "pay_\(amount)",
                    customer: customer,
                    amount: Money(amount, .usd),
                    paymentMethod: method,
                    description: nil,
                    metadata: [ProviderMetadata.operationID: "op_\(amount)"]
                ),
                idempotencyKey: UUID().uuidString
            )
        }

        let paid = try await pay("pm_card_visa", 5000)
        #expect(paid.status == .succeeded && paid.amount == Money(5000, .usd))

        do {
            _ = try await pay("pm_card_chargeCustomerFail", 700)
            Issue.record("a failing card was charged")
        } catch {
            #expect(error.isCardDeclined, "\(error)")
        }

        let partial = try await stripe.createRefund(
            ProviderRefundRequest(operationID: "op_r1", ourID: "re_1", payment: paid.id, amount: 2000, reason: nil),
            idempotencyKey: UUID().uuidString
        )
        #expect(partial.amount == 2000 && partial.status == .succeeded)
        let rest = try await stripe.createRefund(
            ProviderRefundRequest(operationID: "op_r2", ourID: "re_2", payment: paid.id, amount: 3000, reason: nil),
            idempotencyKey: UUID().uuidString
        )
        #expect(rest.status == .succeeded)
        let refunded = try await stripe.retrievePayment(paid.id)
        #expect(refunded.amountRefunded == 5000)
        let found = try await stripe.findRefund(payment: paid.id, operationID: "op_r2")
        #expect(found?.id == rest.id, "an operation's refund is found by its metadata")

        let whole = try await pay("pm_card_visa", 1200)
        let full = try await stripe.createRefund(
            ProviderRefundRequest(operationID: "op_r3", ourID: "re_3", payment: whole.id, amount: 1200, reason: nil),
            idempotencyKey: UUID().uuidString
        )
        #expect(full.amount == 1200)
        #expect(try await stripe.retrievePayment(whole.id).amountRefunded == 1200)
    }

    @Test func aWrongKeyIsAnAuthenticationError() async throws {
        guard let base = ProcessInfo.processInfo.environment["LOCALSTRIPE_URL"] else {
            Issue.record("LOCALSTRIPE_URL is not set")
            return
        }
        let stripe = StripeProvider(
            secretKey: Secret(""),
            account: "platform",
            transport: .live(client: HTTPClient.shared, baseURL: base),
            logger: testLogger
        )
        do {
            try await stripe.checkCredentials()
            Issue.record("an empty key was accepted")
        } catch {
            #expect(error.paymentsError.code.rawValue == "provider_authentication_failed", "\(error)")
        }
    }
}
