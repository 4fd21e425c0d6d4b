import PaymentsDomain

/// What an import reads from a Stripe account: every page of its catalog, customers,
/// subscriptions, payment intents (with their refunds) and invoices, by `starting_after`.
extension StripeProvider: AccountDirectory {
    /// `GET /v1/customers`, a page at a time.
    public func listCustomers(after: String?, limit: Int) async throws(ProviderError) -> (customers: [ProviderCustomerRecord], more: Bool) {
        let page = try await page("/v1/customers", after: after, limit: limit, as: StripeCustomerRecord.self)
        return (page.data.map { ProviderCustomerRecord(id: $0.id, name: $0.name, email: $0.email, metadata: $0.metadata ?? [:]) }, page.has_more)
    }

    public func productsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderProductRecord> {
        let page = try await page("/v1/products", after: after, limit: limit, as: StripeProduct.self)
        return ProviderPage(
            objects: page.data.map {
                ProviderProductRecord(
                    id: $0.id,
                    name: $0.name ?? $0.id,
                    description: $0.description,
                    active: $0.active ?? true,
                    metadata: $0.metadata ?? [:]
                )
            },
            last: page.data.last?.id,
            more: page.has_more
        )
    }

    /// `GET /v1/prices`; where the API predates prices (localstripe's dialect) its recurring
    /// prices are read as plans (`GET /v1/plans`), as ``verifyLinkedPrice(_:)`` reads them.
    public func pricesPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderPriceRecord> {
        let prices: StripeList<StripePrice>
        do {
            prices = try await page("/v1/prices", after: after, limit: limit, as: StripePrice.self)
        } catch {
            guard error.isNotFound else { throw error }
            let plans = try await page("/v1/plans", after: after, limit: limit, as: StripePlan.self)
            return ProviderPage(
                objects: plans.data.map {
                    ProviderPriceRecord(
                        id: $0.id,
                        product: $0.product?.id ?? "",
                        active: $0.active,
                        currency: $0.currency,
                        unitAmount: $0.amount,
                        interval: $0.interval,
                        intervalCount: $0.interval_count,
                        usageType: $0.usage_type,
                        lookupKey: nil,
                        metadata: $0.metadata ?? [:]
                    )
                },
                last: plans.data.last?.id,
                more: plans.has_more
            )
        }
        return ProviderPage(
            objects: prices.data.map {
                ProviderPriceRecord(
                    id: $0.id,
                    product: $0.product?.id ?? "",
                    active: $0.active,
                    currency: $0.currency,
                    unitAmount: $0.unit_amount,
                    interval: $0.recurring?.interval,
                    intervalCount: $0.recurring?.interval_count,
                    usageType: $0.recurring?.usage_type,
                    lookupKey: $0.lookup_key,
                    metadata: $0.metadata ?? [:]
                )
            },
            last: prices.data.last?.id,
            more: prices.has_more
        )
    }

    public func subscriptionsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderSubscription>>
    {
        let page = try await page("/v1/subscriptions", after: after, limit: limit, extra: [("status", "all")], as: StripeSubscription.self)
        return ProviderPage(
            objects: page.data.map { ProviderAccountObject($0.domain, customer: $0.customer?.id) },
            last: page.data.last?.id,
            more: page.has_more
        )
    }

    /// Payment intents with their latest charge; the refunds of one with any refunded are read
    /// by `GET /v1/refunds?payment_intent=`.
    public func paymentsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderPaymentRecord>> {
        let page = try await page(
            "/v1/payment_intents",
            after: after,
            limit: limit,
            extra: [("expand[0]", "data.latest_charge")],
            as: StripePaymentIntent.self
        )
        var objects: [ProviderAccountObject<ProviderPaymentRecord>] = []
        for intent in page.data {
            let payment = intent.domain()
            var refunds: [ProviderRefund] = []
            if payment.amountRefunded > 0 { refunds = try await listRefunds(payment: intent.id) }
            objects.append(
                ProviderAccountObject(
                    ProviderPaymentRecord(payment: payment, description: intent.description, metadata: intent.metadata ?? [:], refunds: refunds),
                    customer: intent.customer?.id
                )
            )
        }
        return ProviderPage(objects: objects, last: page.data.last?.id, more: page.has_more)
    }

    public func invoicesPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderInvoice>> {
        let page = try await page("/v1/invoices", after: after, limit: limit, as: StripeInvoice.self)
        return ProviderPage(
            objects: page.data.compactMap { invoice in
                invoice.domain.map { ProviderAccountObject($0, customer: invoice.customer?.id, subscription: invoice.subscriptionID) }
            },
            last: page.data.last?.id,
            more: page.has_more
        )
    }

    /// One page of an account-wide list.
    private func page<T: Decodable & Sendable>(
        _ path: String,
        after: String?,
        limit: Int,
        extra: [(String, String)] = [],
        as type: T.Type
    ) async throws(ProviderError) -> StripeList<T> {
        var query = FormBody()
        query.add("limit", limit)
        for (name, value) in extra { query.add(name, value) }
        if let after { query.add("starting_after", after) }
        return try await client.get(path, query: query, as: StripeList<T>.self)
    }
}

struct StripeCustomerRecord: Decodable, Sendable {
    let id: String
    let name: String?
    let email: String?
    let metadata: [String: String]?
}
