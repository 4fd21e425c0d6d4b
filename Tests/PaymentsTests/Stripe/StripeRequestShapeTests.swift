import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsStripe

/// A stand-in that answers every request the adapter can make with a plausible object, keeps
/// what was created (so re-syncs find it), and records every request.
final class RecordingStripe: Sendable {
    let requests = NIOLockedValueBox<[StripeTransport.Request]>([])
    private let created = NIOLockedValueBox<Set<String>>([])
    /// What `sub_1` reports now (a test may move it on, as Stripe would).
    let subscriptionStatus = NIOLockedValueBox("active")
    /// The amounts of the invoice items added to the last invoice made, as Stripe computes them: `amount`, or
    /// `quantity` × `unit_amount_decimal`.
    let invoiceItems = NIOLockedValueBox<[Int64]>([])
    /// Whether `plink_1` is still active, and whether a Checkout session it made is complete.
    let paymentLink = NIOLockedValueBox((active: true, paid: false))

    /// Invoices made so far: the last is `in_{count}`.
    let invoiceCount = NIOLockedValueBox(0)

    static func invoice(_ status: String, total: Int64, paid: Bool = false, id: Int = 1) -> String {
        let payments = paid ? #","payments":{"data":[{"payment":{"type":"payment_intent","payment_intent":"pi_1"},"status":"paid"}]}"# : ""
        return
            #"{"id":"in_\#(id)","object":"invoice","status":"\#(status)","currency":"usd","amount_due":\#(total),"amount_paid":\#(paid ? total : 0),"total":\#(total),"hosted_invoice_url":"https://invoice.stripe.com/i/acct_1/test_1","invoice_pdf":"https://pay.stripe.com/invoice/acct_1/test_1/pdf"\#(payments)}"#
    }

    static let subscription =
        #"{"id":"sub_1","status":"active","metadata":{"payments_operation_id":"op_sub"},"cancel_at_period_end":false,"items":{"data":[{"id":"si_1","price":{"id":"payments_price_1"},"quantity":1,"current_period_start":1790000000,"current_period_end":1792600000}],"has_more":false}}"#
    static let intent =
        #"{"id":"pi_1","status":"succeeded","amount":500,"currency":"usd","metadata":{"payments_operation_id":"op_pay"},"latest_charge":{"id":"ch_1","amount_refunded":0}}"#
    static let refund = #"{"id":"re_1","amount":100,"status":"succeeded","metadata":{"payments_operation_id":"op_re"}}"#
    static let session = #"{"id":"cs_test_1","url":"https://checkout.stripe.com/c/pay/cs_test_1","status":"open","expires_at":1790086400}"#
    static let notFound = #"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such object"}}"#

    var transport: StripeTransport {
        StripeTransport { [self] request, _ in
            requests.withLockedValue { $0.append(request) }
            // The last invoice made answers as `in_N`.
            let last = invoiceCount.withLockedValue { $0 }
            let path = (request.path.split(separator: "?").first.map(String.init) ?? request.path)
                .replacingOccurrences(of: "/v1/invoices/in_\(last)", with: "/v1/invoices/in_N")
            func ok(_ body: String) -> StripeTransport.Response {
                .init(status: 200, headers: ["content-type": "application/json"], body: Array(body.utf8))
            }
            let missing = StripeTransport.Response(status: 404, headers: ["content-type": "application/json"], body: Array(Self.notFound.utf8))
            switch (request.method, path) {
            case ("GET", "/v1/balance"): return ok(#"{"object":"balance"}"#)
            case ("POST", let p) where p.hasPrefix("/v1/customers"): return ok(#"{"id":"cus_1"}"#)
            case ("GET", "/v1/customers"):
                return ok(#"{"data":[{"id":"cus_1","name":"Acme","email":null,"metadata":{"payments_external_id":"org_42"}}],"has_more":false}"#)
            case ("GET", "/v1/products"):
                return ok(#"{"data":[{"id":"prod_1","name":"Pro","active":true,"metadata":{}}],"has_more":false}"#)
            case ("GET", let p) where p.hasPrefix("/v1/products/"):
                return created.withLockedValue { $0.contains(p) } ? ok(#"{"id":"\#(p.split(separator: "/").last!)"}"#) : missing
            case ("POST", "/v1/products"):
                created.withLockedValue { _ = $0.insert("/v1/products/payments_plan_1") }
                return ok(#"{"id":"payments_plan_1"}"#)
            case ("GET", let p) where p.hasPrefix("/v1/plans/"):
                return created.withLockedValue { $0.contains(p) }
                    ? ok(
                        #"{"id":"\#(p.split(separator: "/").last!)","active":true,"amount":2900,"currency":"usd","interval":"month","interval_count":1}"#
                    ) : missing
            case ("POST", "/v1/plans"):
                let id = (request.body ?? "").split(separator: "&").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) } ?? "?"
                created.withLockedValue { _ = $0.insert("/v1/plans/\(id)") }
                return ok(#"{"id":"\#(id)","active":true,"amount":2900,"currency":"usd","interval":"month","interval_count":1}"#)
            case ("GET", "/v1/billing/meters"):
                return created.withLockedValue { $0.contains("meter") }
                    ? ok(#"{"data":[{"id":"mtr_1","event_name":"payments_app_1_api_calls"}],"has_more":false}"#)
                    : ok(#"{"data":[{"id":"mtr_0","event_name":"someone_elses"}],"has_more":false}"#)
            case ("POST", "/v1/billing/meters"):
                created.withLockedValue { _ = $0.insert("meter") }
                return ok(#"{"id":"mtr_1","event_name":"payments_app_1_api_calls"}"#)
            case ("POST", let p) where p.hasPrefix("/v1/plans/") || p.hasPrefix("/v1/prices/"): return ok(#"{"id":"x"}"#)
            case ("GET", "/v1/prices"):
                return created.withLockedValue { $0.contains("lookup") }
                    ? ok(#"{"data":[{"id":"price_9","active":true,"currency":"usd","unit_amount":5000,"type":"one_time"}],"has_more":false}"#)
                    : ok(#"{"data":[],"has_more":false}"#)
            case ("POST", "/v1/prices"):
                created.withLockedValue { _ = $0.insert("lookup") }
                return ok(#"{"id":"price_9","active":true,"currency":"usd","unit_amount":5000,"type":"one_time"}"#)
            case ("GET", let p) where p.hasPrefix("/v1/prices/"): return missing
            case ("POST", "/v1/payment_intents"), ("GET", "/v1/payment_intents/pi_1"): return ok(Self.intent)
            case ("GET", "/v1/payment_intents"): return ok(#"{"data":[\#(Self.intent)],"has_more":false}"#)
            case ("POST", "/v1/refunds"): return ok(Self.refund)
            case ("GET", "/v1/refunds"): return ok(#"{"data":[\#(Self.refund)],"has_more":false}"#)
            case ("POST", let p) where p.hasPrefix("/v1/payment_methods/"): return ok(#"{"id":"pm_1"}"#)
            case ("POST", "/v1/subscriptions"), ("GET", "/v1/subscriptions/sub_1"), ("POST", "/v1/subscriptions/sub_1"),
                ("DELETE", "/v1/subscriptions/sub_1"):
                let status = subscriptionStatus.withLockedValue { $0 }
                return ok(Self.subscription.replacingOccurrences(of: #""status":"active""#, with: #""status":"\#(status)""#))
            case ("GET", "/v1/subscriptions"): return ok(#"{"data":[\#(Self.subscription)],"has_more":false}"#)
            case ("POST", "/v1/checkout/sessions"), ("GET", "/v1/checkout/sessions/cs_test_1"): return ok(Self.session)
            case ("GET", "/v1/invoices"):
                return ok(
                    #"{"data":[{"id":"in_sub","object":"invoice","status":"paid","currency":"usd","amount_due":2900,"amount_paid":2900,"total":2900,"period_start":1790000000,"period_end":1792600000,"parent":{"subscription_details":{"subscription":"sub_1"}},"lines":{"data":[{"amount":2900,"quantity":1}],"has_more":false}},{"id":"in_own","object":"invoice","status":"open","currency":"usd","amount_due":100,"amount_paid":0,"total":100}],"has_more":false}"#
                )
            case ("POST", "/v1/invoices"):
                // One invoice at a time: a new one starts with no items.
                invoiceItems.withLockedValue { $0 = [] }
                return ok(
                    Self.invoice(
                        "draft",
                        total: 0,
                        id: invoiceCount.withLockedValue {
                            $0 += 1
                            return $0
                        }
                    )
                )
            case ("POST", "/v1/invoiceitems"):
                let form = Dictionary(
                    (request.body ?? "").split(separator: "&").map { pair in
                        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                        return (parts[0], parts.count > 1 ? parts[1] : "")
                    },
                    uniquingKeysWith: { first, _ in first }
                )
                let amount =
                    form["amount"].flatMap { Int64($0) } ?? (Int64(form["quantity"] ?? "1") ?? 1) * (Int64(form["unit_amount_decimal"] ?? "0") ?? 0)
                invoiceItems.withLockedValue { $0.append(amount) }
                return ok(#"{"id":"ii_1","object":"invoiceitem","amount":\#(amount)}"#)
            case ("POST", "/v1/invoices/in_N/finalize"):
                return ok(Self.invoice("open", total: invoiceItems.withLockedValue { $0.reduce(0, +) }, id: last))
            case ("GET", "/v1/invoices/in_N"):
                return ok(Self.invoice("paid", total: invoiceItems.withLockedValue { $0.reduce(0, +) }, paid: true, id: last))
            case ("POST", "/v1/invoices/in_N/pay"): return ok(Self.invoice("paid", total: invoiceItems.withLockedValue { $0.reduce(0, +) }, id: last))
            case ("POST", "/v1/invoices/in_N/void"):
                return ok(Self.invoice("void", total: invoiceItems.withLockedValue { $0.reduce(0, +) }, id: last))
            case ("POST", "/v1/payment_links"): return ok(#"{"id":"plink_1","url":"https://buy.stripe.com/test_1","active":true}"#)
            case ("POST", "/v1/payment_links/plink_1"):
                paymentLink.withLockedValue { $0.active = false }
                return ok(#"{"id":"plink_1","url":"https://buy.stripe.com/test_1","active":false}"#)
            case ("GET", "/v1/payment_links/plink_1"):
                let active = paymentLink.withLockedValue { $0.active }
                return ok(
                    #"{"id":"plink_1","url":"https://buy.stripe.com/test_1","active":\#(active),"line_items":{"data":[{"amount_total":500}],"has_more":false}}"#
                )
            case ("GET", "/v1/checkout/sessions"):
                let paid = paymentLink.withLockedValue { $0.paid }
                return ok(
                    paid
                        ? #"{"data":[{"id":"cs_test_2","status":"complete","payment_intent":"pi_1"}],"has_more":false}"#
                        : #"{"data":[],"has_more":false}"#
                )
            case ("POST", "/v1/billing_portal/sessions"): return ok(#"{"id":"bps_1","url":"https://billing.stripe.com/p/session/1"}"#)
            case ("POST", "/v1/billing/meter_events"):
                let identifier = (request.body ?? "").split(separator: "&").first { $0.hasPrefix("identifier=") }.map { String($0.dropFirst(11)) }
                return ok(#"{"object":"billing.meter_event","identifier":"\#(identifier ?? "")","event_name":"payments_app_1_api_calls"}"#)
            default: return missing
            }
        }
    }
}

extension RecordingStripe {
    /// The webhook signing secret of the app's own account in ``run(_:_:)``.
    static let ownSecret = "whsec_own_account_secret"

    /// Runs `body` with a test-mode app on its own Stripe account, answered by this stand-in.
    func run(_ engine: SQLEngine, _ body: @Sendable @escaping (TestAPI, _ appID: String, _ key: String) async throws -> Void) async throws {
        try await Self.withOwnAccount(engine, transport: transport, body)
    }

    /// Runs `body` with a test-mode app on its own Stripe account (`sk_test_own`, signing with
    /// ``ownSecret``), reached through `transport`.
    static func withOwnAccount(
        _ engine: SQLEngine,
        transport: StripeTransport,
        _ body: @Sendable @escaping (TestAPI, _ appID: String, _ key: String) async throws -> Void
    ) async throws {
        try await withAccount(engine, platform: false, transport: transport, body)
    }

    /// Runs `body` with a test-mode app on its own Stripe account or, `platform`, on the
    /// platform's (`sk_test_platform`: its webhooks then come to `/webhooks/stripe`, signed with
    /// InboxTests' secret), reached through `transport`.
    static func withAccount(
        _ engine: SQLEngine,
        platform: Bool,
        transport: StripeTransport,
        _ body: @Sendable @escaping (TestAPI, _ appID: String, _ key: String) async throws -> Void
    ) async throws {
        try await TestAPI.run(
            engine,
            configure: { dependencies in
                dependencies.providers = Providers.Directory(
                    store: dependencies.store,
                    secrets: dependencies.secrets,
                    platformStripe: platform ? .init(secretKey: Secret("sk_test_platform"), webhookSecrets: [InboxTests.secret]) : nil,
                    makeStripe: { credentials, account in
                        StripeProvider(secretKey: credentials.secretKey, account: account, transport: transport, logger: testLogger)
                    },
                    makeSandbox: { _, _ in fatalError("the app is served by a Stripe account") }
                )
            }
        ) { api in
            let (appID, key) = try await api.createApp()
            if !platform {
                let account = try await api.request(
                    .put,
                    "/v1/provider-accounts/stripe",
                    key: key,
                    json: #"{"secret_key":"sk_test_own","webhook_secrets":["\#(Self.ownSecret)"]}"#
                )
                #expect(account.status == .created, "\(account.text)")
            }
            try await body(api, appID, key)
        }
    }

    /// Posts `body` to the app's own webhook endpoint, signed as Stripe signs it.
    static func deliver(_ body: String, to api: TestAPI, app appID: String) async throws -> TestAPI.Reply {
        let header = StripeWebhookSignature.header(
            payload: Array(body.utf8),
            secret: Secret(ownSecret),
            timestamp: Int64(api.clock.now.timeIntervalSince1970)
        )
        return try await api.request(.post, "/webhooks/stripe/\(appID)", json: body, headers: [HTTPField.Name("Stripe-Signature")!: header])
    }
}

/// Drives every request the Stripe adapter can send and keeps them for the test command's
/// check against the official `stripe` library's parameter definitions
/// (`scripts/stripe_params_check.py`, reading the file named by `STRIPE_REQUEST_LOG`).
@Suite struct StripeRequestShapeTests {
    @Test func everyRequestTheAdapterCanSend() async throws {
        let fake = RecordingStripe()
        let stripe = StripeProvider(secretKey: Secret("sk_test_shape"), account: "platform", transport: fake.transport, logger: testLogger)
        let app = App.ID(rawValue: "app_1")
        let recurring = Price(
            id: Price.ID(rawValue: "price_1"),
            key: "monthly",
            terms: .recurring(Money(2900, .usd), BillingInterval(.month)),
            linkedProviderPriceID: nil,
            active: true,
            createdAt: Date()
        )
        let oneTime = Price(
            id: Price.ID(rawValue: "price_2"),
            key: "setup",
            terms: .oneTime(Money(5000, .usd)),
            linkedProviderPriceID: nil,
            active: true,
            createdAt: Date()
        )
        let plan = Plan(
            id: Plan.ID(rawValue: "plan_1"),
            appID: app,
            key: "pro",
            name: "Pro",
            description: nil,
            prices: [recurring, oneTime],
            trialPeriodDays: 14,
            gracePeriodDays: nil,
            features: [],
            limits: [:],
            metadata: [:],
            active: true,
            createdAt: Date(),
            updatedAt: Date()
        )
        let customer = Customer(
            id: Customer.ID(rawValue: "cus_ours"),
            appID: app,
            externalID: "org_1",
            name: "Acme",
            email: "a@acme.test",
            legalName: nil,
            metadata: [:],
            createdAt: Date(),
            updatedAt: Date()
        )

        try await stripe.checkCredentials()
        #expect(try await stripe.createCustomer(customer, idempotencyKey: "k1") == "cus_1")
        #expect(try await stripe.syncPrice(recurring, of: plan) == "payments_price_1")
        #expect(try await stripe.syncPrice(recurring, of: plan) == "payments_price_1", "a re-sync finds the plan")
        #expect(try await stripe.syncPrice(oneTime, of: plan) == "price_9")
        #expect(try await stripe.syncPrice(oneTime, of: plan) == "price_9", "a re-sync finds the price by lookup key")
        let metered = Price(
            id: Price.ID(rawValue: "price_3"),
            key: "calls",
            terms: .metered(
                Metered(
                    metric: "api_calls",
                    currency: .usd,
                    interval: BillingInterval(.month),
                    unitAmount: nil,
                    tiers: .init(
                        mode: .graduated,
                        tiers: [.init(upTo: 1000, unitAmount: 2, flatAmount: 100), .init(upTo: nil, unitAmount: 1, flatAmount: 0)]
                    ),
                    includedQuantity: 500
                )
            ),
            linkedProviderPriceID: nil,
            active: true,
            createdAt: Date()
        )
        #expect(try await stripe.syncPrice(metered, of: plan) == "payments_price_3")
        let perUnit = Price(
            id: Price.ID(rawValue: "price_4"),
            key: "seats",
            terms: .metered(
                Metered(metric: "api_calls", currency: .usd, interval: BillingInterval(.month), unitAmount: 3, tiers: nil, includedQuantity: 0)
            ),
            linkedProviderPriceID: nil,
            active: true,
            createdAt: Date()
        )
        #expect(try await stripe.syncPrice(perUnit, of: plan) == "payments_price_4", "the meter is found, not made again")
        try await stripe.deactivatePrice(providerPriceID: "payments_price_1")
        try await stripe.deactivatePrice(providerPriceID: "price_9")
        try await stripe.verifyLinkedPrice(
            Price(
                id: recurring.id,
                key: "monthly",
                terms: recurring.terms,
                linkedProviderPriceID: "payments_price_1",
                active: true,
                createdAt: Date()
            )
        )
        let paid = try await stripe.createPayment(
            ProviderPaymentRequest(
                operationID: "op_pay",
                ourID: "pay_1",
                customer: "cus_1",
                amount: Money(500, .usd),
                paymentMethod: "pm_card_visa",
                description: "Setup",
                metadata: [ProviderMetadata.operationID: "op_pay"]
            ),
            idempotencyKey: "k2"
        )
        #expect(paid.status == .succeeded)
        _ = try await stripe.retrievePayment("pi_1")
        #expect(try await stripe.findPayment(customer: "cus_1", operationID: "op_pay")?.id == "pi_1")
        _ = try await stripe.createRefund(
            ProviderRefundRequest(operationID: "op_re", ourID: "re_ours", payment: "pi_1", amount: 100, reason: .requestedByCustomer),
            idempotencyKey: "k3"
        )
        #expect(try await stripe.findRefund(payment: "pi_1", operationID: "op_re")?.id == "re_1")
        _ = try await stripe.createSubscription(
            ProviderSubscriptionRequest(
                operationID: "op_sub",
                ourID: "sub_ours",
                customer: "cus_1",
                items: [ProviderItemRequest(price: "payments_price_1", quantity: 2)],
                trialPeriodDays: 14,
                paymentMethod: "pm_card_visa"
            ),
            idempotencyKey: "k4"
        )
        _ = try await stripe.createSubscription(
            ProviderSubscriptionRequest(
                operationID: "op_sub2",
                ourID: "sub_ours2",
                customer: "cus_1",
                items: [ProviderItemRequest(price: "price_linked", quantity: 1)],
                trialPeriodDays: nil,
                paymentMethod: nil
            ),
            idempotencyKey: "k5"
        )
        _ = try await stripe.retrieveSubscription("sub_1")
        #expect(try await stripe.findSubscription(customer: "cus_1", operationID: "op_sub")?.id == "sub_1")
        // What drift reconciliation reads: every subscription and every payment of ours of a customer.
        #expect(try await stripe.listSubscriptions(customer: "cus_1").map(\.id) == ["sub_1"])
        #expect(try await stripe.listPayments(customer: "cus_1").map(\.id) == ["pi_1"], "it carries our operation id")
        let customers = try await stripe.listCustomers(after: "cus_0", limit: 100)
        #expect(customers.customers.map(\.metadata) == [["payments_external_id": "org_42"]] && !customers.more)
        let invoices = try await stripe.listInvoices(customer: "cus_1")
        #expect(invoices.map(\.invoice.id) == ["in_sub"] && invoices.first?.subscription == "sub_1", "a subscription's invoices only")
        #expect(invoices.first?.invoice.lines.map(\.amount) == [2900] && invoices.first?.invoice.status == .paid)
        let listed = fake.requests.withLockedValue { $0 }.suffix(4).prefix(2).map(\.path)
        #expect(listed.first?.contains("status=all") == true && listed.last?.contains("expand[0]=data.latest_charge") == true, "\(listed)")
        _ = try await stripe.updateSubscription(
            "sub_1",
            ProviderSubscriptionChange(
                items: [ProviderItemChange(id: "si_1", price: "payments_price_1", quantity: 3)],
                prorationBehavior: .alwaysInvoice
            ),
            idempotencyKey: "k6"
        )
        // A hybrid subscription: the base price with a quantity, the metered one without.
        _ = try await stripe.createSubscription(
            ProviderSubscriptionRequest(
                operationID: "op_sub3",
                ourID: "sub_hybrid",
                customer: "cus_1",
                items: [ProviderItemRequest(price: "payments_price_1", quantity: 2), ProviderItemRequest(price: "payments_price_3", quantity: nil)],
                trialPeriodDays: nil,
                paymentMethod: nil
            ),
            idempotencyKey: "k5h"
        )
        _ = try await stripe.updateSubscription(
            "sub_1",
            ProviderSubscriptionChange(
                items: [
                    ProviderItemChange(id: "si_1", price: nil, quantity: 4),
                    ProviderItemChange(id: "si_2", price: nil, quantity: nil, deleted: true),
                    ProviderItemChange(id: nil, price: "payments_price_4", quantity: nil),
                ],
                prorationBehavior: .createProrations
            ),
            idempotencyKey: "k6h"
        )
        try await stripe.reportUsage(
            ProviderUsageReport(
                identifier: "app_1-cus_ours-api_calls-1790000000-1",
                appID: app,
                customer: "cus_1",
                metric: "api_calls",
                value: 1601,
                timestamp: Date(timeIntervalSince1970: 1_790_000_100)
            )
        )
        _ = try await stripe.cancelSubscription("sub_1", atPeriodEnd: true, idempotencyKey: "k7")
        _ = try await stripe.cancelSubscription("sub_1", atPeriodEnd: false, idempotencyKey: "k8")
        for mode in CheckoutSession.Mode.allCases {
            let session = try await stripe.createCheckoutSession(
                ProviderCheckoutRequest(
                    ourID: "cs_ours",
                    mode: mode,
                    customer: "cus_1",
                    items: mode == .payment
                        ? [ProviderItemRequest(price: "price_9", quantity: 1)]
                        : [
                            ProviderItemRequest(price: "payments_price_1", quantity: 1),
                            ProviderItemRequest(price: "payments_price_3", quantity: nil),
                        ],
                    trialPeriodDays: mode == .subscription ? 7 : nil,
                    successURL: "https://app.test/ok",
                    cancelURL: "https://app.test/no",
                    metadata: [ProviderMetadata.appID: "app_1"]
                ),
                idempotencyKey: "k9-\(mode)"
            )
            #expect(session.url?.hasPrefix("https://checkout.stripe.com/") == true)
        }
        _ = try await stripe.retrieveCheckoutSession("cs_test_1")
        #expect(
            try await stripe.createPortalSession(customer: "cus_1", returnURL: "https://app.test/account", idempotencyKey: "k10").hasPrefix(
                "https://billing.stripe.com/"
            )
        )

        // An invoice of ours, collected with Stripe Invoicing: a discount line, a due date.
        let invoiceRequest = ProviderInvoiceRequest(
            ourID: "inv_1",
            appID: app,
            collection: .stripeInvoice,
            customer: "cus_1",
            currency: .usd,
            lines: [.init(description: "Haul", quantity: 3, unitAmount: 12500), .init(description: "Discount", quantity: 1, unitAmount: -2500)],
            dueDate: nil,
            daysUntilDue: 30,
            memo: "Thanks"
        )
        let collected = try await stripe.collectInvoice(invoiceRequest, idempotencyKey: "invoice/inv_1/collect")
        #expect(collected.status == .open && collected.total == invoiceRequest.total && collected.total == 35000, "Stripe's total is ours")
        #expect(collected.hostedURL?.hasPrefix("https://invoice.stripe.com/") == true && collected.pdfURL != nil)
        let invoiceRequests = fake.requests.withLockedValue { $0 }.filter { $0.method == "POST" && $0.path.hasPrefix("/v1/invoice") }
        #expect(
            invoiceRequests.map { $0.headers["Idempotency-Key"] } == [
                "invoice/inv_1/collect/invoice", "invoice/inv_1/collect/line/0", "invoice/inv_1/collect/line/1", "invoice/inv_1/collect/finalize",
            ],
            "each request under a key of its own, derived from the core's"
        )
        #expect(invoiceRequests.first?.body?.contains("collection_method=send_invoice") == true)
        #expect(invoiceRequests.first?.body?.contains("metadata[payments_object_id]=inv_1") == true)
        #expect(try await stripe.chargeCollectedInvoice("in_1", paymentMethod: "pm_card_visa", idempotencyKey: "invoice/inv_1/1").status == .paid)
        #expect(fake.requests.withLockedValue { $0 }.last?.body == "payment_method=pm_card_visa&off_session=true")
        let paidInvoice = try await stripe.retrieveCollectedInvoice("in_1")
        #expect(paidInvoice.status == .paid && paidInvoice.payment?.id == "pi_1" && paidInvoice.amountPaid == 35000)
        #expect(try await stripe.markCollectedInvoicePaidOutOfBand("in_1").status == .paid)
        #expect(fake.requests.withLockedValue { $0 }.last { $0.path == "/v1/invoices/in_1/pay" }?.body == "paid_out_of_band=true")
        #expect(try await stripe.voidCollectedInvoice("in_1").status == .void)
        // Or a Payment Link for the total.
        let linkRequest = ProviderInvoiceRequest(
            ourID: "inv_2",
            appID: app,
            collection: .paymentLink,
            customer: "cus_1",
            currency: .usd,
            lines: [.init(description: "Setup", quantity: 1, unitAmount: 500)],
            dueDate: nil,
            daysUntilDue: nil,
            memo: nil
        )
        let link = try await stripe.collectInvoice(linkRequest, idempotencyKey: "invoice/inv_2/collect")
        #expect(link.id == "plink_1" && link.status == .open && link.hostedURL == "https://buy.stripe.com/test_1" && link.total == 500)
        let linkBody = try #require(fake.requests.withLockedValue { $0 }.first { $0.path == "/v1/payment_links" }?.body)
        #expect(linkBody.contains("line_items[0][price_data][unit_amount]=500") && linkBody.contains("restrictions[completed_sessions][limit]=1"))
        #expect(linkBody.contains("payment_intent_data[metadata][payments_object_id]=inv_2"))
        #expect(try await stripe.retrieveCollectedInvoice("plink_1").status == .open)
        #expect(try await stripe.voidCollectedInvoice("plink_1").status == .void)
        // What an import reads, page by page.
        #expect(try await stripe.productsPage(after: "prod_0", limit: 100).objects.map(\.id) == ["prod_1"])
        let prices = try await stripe.pricesPage(after: "price_0", limit: 100).objects
        #expect(prices.map(\.id) == ["price_9"] && prices.first?.interval == nil, "the one-time price made above: \(prices)")
        #expect(try await stripe.subscriptionsPage(after: "sub_0", limit: 100).objects.first?.customer == nil)
        let intents = try await stripe.paymentsPage(after: "pi_0", limit: 100)
        #expect(intents.objects.first?.object.refunds.isEmpty == true, "no refunds read for an intent with none refunded")
        #expect(try await stripe.invoicesPage(after: "in_0", limit: 100).objects.map(\.subscription) == ["sub_1", nil])
        #expect(try await stripe.listCustomers(after: "cus_0", limit: 100).customers.map(\.metadata) == [["payments_external_id": "org_42"]])
        let requests = fake.requests.withLockedValue { $0 }
        for request in requests {
            #expect(request.headers["Stripe-Version"] == "2026-10-28.endive")
            #expect(
                (request.method == "GET") == (request.headers["Idempotency-Key"] == nil),
                "\(request.method) \(request.path): a key on every write and only there"
            )
        }
        let meterCreations = requests.filter { $0.method == "POST" && $0.path == "/v1/billing/meters" }
        #expect(meterCreations.count == 1, "one meter per app and metric")
        let meteredPlan = try #require(
            requests.first { $0.method == "POST" && $0.path == "/v1/plans" && ($0.body ?? "").contains("id=payments_price_3") }
        )
        #expect(
            meteredPlan.body?.contains(
                "usage_type=metered&meter=mtr_1&billing_scheme=tiered&tiers_mode=graduated&tiers[0][up_to]=500&tiers[0][unit_amount]=0&tiers[1][up_to]=1500&tiers[1][unit_amount]=2&tiers[1][flat_amount]=100&tiers[2][up_to]=inf&tiers[2][unit_amount]=1"
            ) == true,
            "\(meteredPlan.body ?? "")"
        )
        let hybrid = try #require(requests.first { $0.method == "POST" && $0.path == "/v1/subscriptions" && ($0.body ?? "").contains("items[1]") })
        #expect(
            hybrid.body?.contains("items[0][plan]=payments_price_1&items[0][quantity]=2&items[1][plan]=payments_price_3&payment_behavior") == true,
            "a metered item has no quantity: \(hybrid.body ?? "")"
        )
        let meterEvent = try #require(requests.first { $0.path == "/v1/billing/meter_events" })
        #expect(
            meterEvent.body
                == "event_name=payments_app_1_api_calls&identifier=app_1-cus_ours-api_calls-1790000000-1&timestamp=1790000100&payload[stripe_customer_id]=cus_1&payload[value]=1601",
            "\(meterEvent.body ?? "")"
        )
        #expect(
            requests.contains { $0.method == "DELETE" && $0.path == "/v1/subscriptions/sub_1?invoice_now=true" },
            "an immediate cancellation asks for the final invoice of the metered usage"
        )
        let kinds = Set(requests.map { "\($0.method) \($0.path.split(separator: "?")[0])" })
        #expect(kinds.count >= 25, "\(kinds.sorted())")

        if let path = ProcessInfo.processInfo.environment["STRIPE_REQUEST_LOG"] {
            let records = requests.map { request -> [String: Any] in
                // GET and DELETE carry their parameters in the query, POST in the body.
                let form = request.method == "POST" ? (request.body ?? "") : String(request.path.split(separator: "?").dropFirst().first ?? "")
                let params = form.split(separator: "&").map { pair -> [String] in
                    let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                    return [parts[0], parts.count > 1 ? parts[1] : ""]
                }
                return ["method": request.method.lowercased(), "path": String(request.path.split(separator: "?")[0]), "params": params]
            }
            try JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        }
    }
}
