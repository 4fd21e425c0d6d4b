import PaymentsDomain

/// What an import reads from a Stripe account: every page of its catalog, customers,
/// subscriptions, payment intents (with their refunds) and invoices, by `starting_after`.
extension StripeProvider: AccountDirectory {
    /// `GET /v1/customers`, a page at a time.
    public func listCustomers(after: String?, limit: Int) async throws(ProviderError) -> (customers: [ProviderCustomerRecord], more: Bool) {
        let page = try await page("/v1/customers", after: after, limit: limit, as: StripeCustomerRecord.self).page(\.record)
        return (page.objects, page.more)
    }

    public func productsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderProductRecord> {
        try await page("/v1/products", after: after, limit: limit, as: StripeProduct.self).page(\.record)
    }

    /// `GET /v1/prices`; where the API predates prices (localstripe's dialect) its recurring
    /// prices are read as plans (`GET /v1/plans`), as ``verifyLinkedPrice(_:)`` reads them.
    public func pricesPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderPriceRecord> {
        do {
            return try await page("/v1/prices", after: after, limit: limit, as: StripePrice.self).page(\.record)
        } catch {
            guard error.isNotFound else { throw error }
            return try await page("/v1/plans", after: after, limit: limit, as: StripePlan.self).page(\.record)
        }
    }

    public func subscriptionsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderSubscription>>
    {
        try await page("/v1/subscriptions", after: after, limit: limit, extra: [("status", "all")], as: StripeSubscription.self).page {
            ProviderAccountObject($0.domain, customer: $0.customer?.id)
        }
    }

    /// Payment intents with their latest charge; the refunds of one with any refunded are read
    /// by `GET /v1/refunds?payment_intent=`.
    public func paymentsPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderPaymentRecord>> {
        let intents = try await page(
            "/v1/payment_intents",
            after: after,
            limit: limit,
            extra: [("expand[0]", "data.latest_charge")],
            as: StripePaymentIntent.self
        )
        var refunds: [String: [ProviderRefund]] = [:]
        for intent in intents.data where intent.domain().amountRefunded > 0 { refunds[intent.id] = try await listRefunds(payment: intent.id) }
        return intents.page { intent in
            ProviderAccountObject(
                ProviderPaymentRecord(
                    payment: intent.domain(),
                    description: intent.description,
                    metadata: intent.metadata ?? [:],
                    refunds: refunds[intent.id] ?? []
                ),
                customer: intent.customer?.id
            )
        }
    }

    /// Invoices, a subscription's or not (one in a currency or status the service does not know
    /// is left out of the page; the cursor still moves past it).
    public func invoicesPage(after: String?, limit: Int) async throws(ProviderError) -> ProviderPage<ProviderAccountObject<ProviderInvoice>> {
        try await page("/v1/invoices", after: after, limit: limit, as: StripeInvoice.self).page { invoice in
            invoice.domain.map { ProviderAccountObject($0, customer: invoice.customer?.id, subscription: invoice.subscriptionID) }
        }
    }

    /// One page of a list (account-wide, or narrowed by `extra`, e.g. a customer).
    func page<T: Decodable & Sendable>(
        _ path: String,
        after: String?,
        limit: Int,
        extra: [(String, String)] = [],
        as type: T.Type
    ) async throws(ProviderError) -> StripeList<T> {
        var query = FormBody()
        for (name, value) in extra { query.add(name, value) }
        query.add("limit", limit)
        if let after { query.add("starting_after", after) }
        return try await client.get(path, query: query, as: StripeList<T>.self)
    }
}

extension StripeList where Element: StripeListed {
    /// The page in the domain's words; the last listed object's id continues the list.
    func page<Object>(_ transform: (Element) -> Object?) -> ProviderPage<Object> {
        ProviderPage(objects: data.compactMap(transform), last: data.last?.id, more: has_more)
    }
}

struct StripeCustomerRecord: Decodable, Sendable, StripeListed {
    let id: String
    let name: String?
    let email: String?
    let metadata: [String: String]?

    var record: ProviderCustomerRecord { ProviderCustomerRecord(id: id, name: name, email: email, metadata: metadata ?? [:]) }
}

extension StripeProduct: StripeListed {
    var record: ProviderProductRecord {
        ProviderProductRecord(id: id, name: name ?? id, description: description, active: active ?? true, metadata: metadata ?? [:])
    }
}

extension StripePrice: StripeListed {
    var record: ProviderPriceRecord {
        ProviderPriceRecord(
            id: id,
            product: product?.id ?? "",
            active: active,
            currency: currency,
            unitAmount: unit_amount,
            interval: recurring?.interval,
            intervalCount: recurring?.interval_count,
            usageType: recurring?.usage_type,
            lookupKey: lookup_key,
            metadata: metadata ?? [:]
        )
    }
}

extension StripePlan: StripeListed {
    /// A recurring price in the Plans API's words.
    var record: ProviderPriceRecord {
        ProviderPriceRecord(
            id: id,
            product: product?.id ?? "",
            active: active,
            currency: currency,
            unitAmount: amount,
            interval: interval,
            intervalCount: interval_count,
            usageType: usage_type,
            lookupKey: nil,
            metadata: metadata ?? [:]
        )
    }
}
