import PaymentsDomain

extension StripeProvider: AccountLister {
    /// Every subscription of the customer, whatever its status, page by page.
    public func listSubscriptions(customer: String) async throws(ProviderError) -> [ProviderSubscription] {
        try await all("/v1/subscriptions", customer: customer, extra: [("status", "all")], as: StripeSubscription.self).map(\.domain)
    }

    /// The customer's payment intents the service made (they carry its metadata; a subscription
    /// invoice's is no payment of ours), each with its latest charge's refunds.
    public func listPayments(customer: String) async throws(ProviderError) -> [ProviderPayment] {
        try await all("/v1/payment_intents", customer: customer, extra: [("expand[0]", "data.latest_charge")], as: StripePaymentIntent.self)
            .filter { $0.metadata?[ProviderMetadata.operationID] != nil || $0.metadata?[ProviderMetadata.objectID] != nil }
            .map { $0.domain() }
    }

    /// The customer's subscription invoices (their lines included in the list's objects).
    public func listInvoices(customer: String) async throws(ProviderError) -> [ProviderSubscriptionInvoice] {
        try await all("/v1/invoices", customer: customer, extra: [], as: StripeInvoice.self).compactMap(\.subscriptionInvoice)
    }

    /// Every page of a customer's list (100 a page, by `starting_after`).
    private func all<T: Decodable & Sendable>(
        _ path: String,
        customer: String,
        extra: [(String, String)],
        as type: T.Type
    ) async throws(ProviderError) -> [T] where T: StripeListed {
        var found: [T] = []
        var after: String?
        for _ in 0..<100 {
            let page = try await page(path, after: after, limit: 100, extra: [("customer", customer)] + extra, as: T.self)
            found += page.data
            guard page.has_more, let last = page.data.last?.id else { break }
            after = last
        }
        return found
    }
}

/// A listed Stripe object: its id continues the list.
protocol StripeListed { var id: String { get } }
extension StripeSubscription: StripeListed {}
extension StripePaymentIntent: StripeListed {}
extension StripeInvoice: StripeListed {}
