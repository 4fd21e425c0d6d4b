import PaymentsDomain

extension SandboxProvider: AccountLister {
    /// Every subscription the customer has in the sandbox.
    public func listSubscriptions(customer: String) async throws(ProviderError) -> [ProviderSubscription] {
        try await run {
            try await ledger.read { tx in try await tx.all(.subscription, parent: customer, as: SBSubscription.self).map(\.domain) }
        }
    }

    /// The customer's payments made through the service's API (not the charges of subscription
    /// invoices, which are no payments of ours).
    public func listPayments(customer: String) async throws(ProviderError) -> [ProviderPayment] {
        try await run {
            try await ledger.read { tx in
                try await tx.all(.payment, parent: customer, as: SBPayment.self).filter { $0.subscription == nil && $0.operationID != nil }
                    .map(\.domain)
            }
        }
    }

    /// The customer's subscription invoices (each subscription charge is one), with their subscription.
    public func listInvoices(customer: String) async throws(ProviderError) -> [ProviderSubscriptionInvoice] {
        try await run {
            try await ledger.read { tx in
                try await tx.all(.payment, parent: customer, as: SBPayment.self).compactMap { payment in
                    guard let subscription = payment.subscription, let invoice = payment.invoice else { return nil }
                    return ProviderSubscriptionInvoice(invoice: invoice, subscription: subscription)
                }
            }
        }
    }
}
