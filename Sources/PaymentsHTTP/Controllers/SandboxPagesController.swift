import Hummingbird
import PaymentsDomain
import PaymentsSandbox
import PaymentsServices
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sandbox provider's hosted pages: what Stripe Checkout and the billing portal are for a
/// real provider. Reached from a browser with no key; the unguessable session id is the only
/// capability, as with Stripe's hosted page URLs. Not part of the API (nor of its OpenAPI
/// document).
struct SandboxPagesController {
    let store: Store
    let directory: Providers.Directory
    let checkout: Checkout.Service
    let invoices: Invoices.Service

    func addRoutes(to router: Router<PaymentsRequestContext>) {
        HTMLPages.addAssetRoutes(to: router)
        let group = router.group("sandbox")
        group.get("checkout/:id", use: checkoutPage)
        group.post("checkout/:id/complete", use: complete)
        group.get("portal/:id", use: portalPage)
        group.get("invoices/:id", use: invoicePage)
        group.post("invoices/:id/pay", use: payInvoice)
    }

    /// The sandbox provider of the app that owns the page's object.
    private func sandbox(for id: String) async throws -> (App, SandboxProvider) {
        guard let owner = try await SandboxProvider.owner(of: id, backend: store.backend),
            let app = try await store.read({ try await $0.apps.find(owner) }),
            let sandbox = directory.sandbox(for: app) as? SandboxProvider
        else { throw PaymentsError.notFound(.pageNotFound, id: id) }
        return (app, sandbox)
    }

    /// What the buyer is asked for: the app's name, the plan and its price (formatted by
    /// currency, with its interval), the trial, the customer; a test payment method to pay with.
    @Sendable func checkoutPage(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let session = try await sandbox.retrieveCheckoutSession(id)
        var page = try await checkoutContext(app: app, providerID: id)
        page["open"] = session.status == .open
        page["status"] = session.status.rawValue
        return HTMLPages.page(BuyerPages.library, "checkout", page)
    }

    /// The checkout page's facts, from the session of ours the sandbox's was made for.
    private func checkoutContext(app: App, providerID: String) async throws -> [String: Any] {
        let found: (CheckoutSession, Plan, Customer?)? = try await store.read { session in
            guard let stored = try await session.checkoutSessions(app.id).find(providerID),
                let plan = try await session.plans(app.id).find(id: stored.planID)
            else { return nil }
            return (stored, plan, try await session.customers(app.id).find(id: stored.customerID))
        }
        guard let (stored, plan, customer) = found else { throw PaymentsError.notFound(.pageNotFound, id: providerID) }
        let base = plan.prices.filter { $0.id == stored.priceID }
        let metered = plan.prices.filter { $0.id != stored.priceID && $0.terms.kind == Price.Kind.metered }
        var prices: [[String: Any]] = base.map { ["text": HTMLPages.describe($0.terms, quantity: stored.quantity)] }
        prices += metered.map { ["text": HTMLPages.describe($0.terms)] }
        let subscribing = stored.mode == CheckoutSession.Mode.subscription
        var page: [String: Any] = [
            "title": subscribing ? "Subscribe to \(plan.name)" : "Pay for \(plan.name)", "seller": app.name, "testMode": true,
            "id": providerID, "plan": plan.name, "customer": stored.customerExternalID, "prices": prices,
            "successURL": stored.successURL.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: providerID),
        ]
        if let name = customer?.name { page["customerName"] = name }
        if let trial = stored.trialPeriodDays ?? plan.trialPeriodDays, trial > 0, subscribing { page["trial"] = trial }
        if let cancel = stored.cancelURL { page["cancelURL"] = cancel }
        return page
    }

    /// Pays (or starts the trial), records what the session made as the provider's webhook
    /// would, and confirms it with a link back to the app's `success_url`.
    @Sendable func complete(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let paymentMethod = try await HTMLPages.form(request, limit: 4096)["payment_method"] ?? "pm_sandbox_visa"
        let (session, _, failure) = try await sandbox.completeCheckout(id, paymentMethod: paymentMethod)
        var page = try await checkoutContext(app: app, providerID: id)
        if let failure {
            page["problem"] = "Payment declined: \(failure.message) (\(failure.declineCode ?? failure.code)). Try another payment method."
            page["open"] = true
            return HTMLPages.page(BuyerPages.library, "checkout", page, status: .init(code: 402, reasonPhrase: "Payment Required"))
        }
        _ = try await checkout.get(app: app, session.id, origin: Origin(actor: .system, requestID: context.requestID))
        page["title"] = page["trial"] != nil ? "Your trial has started" : "Payment confirmed"
        page["notice"] = "Thank you. \(app.name) has been told; you can return to it now."
        return HTMLPages.page(BuyerPages.library, "checkout-done", page)
    }

    /// The hosted invoice page: what the buyer is asked to pay, from our invoice (number,
    /// parties, lines, totals, status), and a test payment method to pay it with. Paying records
    /// nothing of ours here: the sandbox's event reaches the inbox, as a real provider's would.
    @Sendable func invoicePage(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let remote = try await sandbox.retrieveCollectedInvoice(id)
        let invoice = try await invoices.get(app: app.id, try await sandbox.ourInvoice(of: id))
        let payAt = remote.status == .open ? "/sandbox/invoices/\(id)/pay" : nil
        return HTMLPages.page(BuyerPages.library, "invoice", BuyerPages.invoiceContext(invoice, from: app.name, payAt: payAt, testMode: true))
    }

    @Sendable func payInvoice(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let paymentMethod = try await HTMLPages.form(request, limit: 4096)["payment_method"] ?? "pm_sandbox_visa"
        let (remote, failure) = try await sandbox.payCollectedInvoice(id, paymentMethod: paymentMethod)
        let invoice = try await invoices.get(app: app.id, try await sandbox.ourInvoice(of: id))
        if let failure {
            var page = BuyerPages.invoiceContext(invoice, from: app.name, payAt: "/sandbox/invoices/\(id)/pay", testMode: true)
            page["problem"] = "Payment declined: \(failure.message) (\(failure.declineCode ?? failure.code)). Try another payment method."
            return HTMLPages.page(BuyerPages.library, "invoice", page, status: .init(code: 402, reasonPhrase: "Payment Required"))
        }
        var page = BuyerPages.invoiceContext(invoice, from: app.name, payAt: nil, testMode: true)
        page["notice"] = remote.status == .paid ? "Paid. Thank you — a receipt is on its way." : "This invoice is \(remote.status.rawValue)."
        return HTMLPages.page(BuyerPages.library, "invoice", page)
    }

    /// The customer's subscriptions: plan, price, status, when the period ends; a link back.
    @Sendable func portalPage(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let view = try await sandbox.portal(id)
        // Each subscription with our plan's name and its price, where ours is known.
        let known: [String: (plan: String, price: String)] = try await store.read { session in
            var known: [String: (plan: String, price: String)] = [:]
            for line in view.subscriptions {
                guard let ours = try await session.subscriptions(app.id).find(provider: .sandbox, providerID: line.id),
                    let plan = try await session.plans(app.id).find(id: ours.planID)
                else { continue }
                known[line.id] = (
                    plan.name, plan.prices.first { $0.id == ours.priceID }.map { HTMLPages.describe($0.terms, quantity: ours.quantity) } ?? ""
                )
            }
            return known
        }
        let rows: [[String: Any]] = view.subscriptions.map { line in
            [
                "status": line.status, "periodEnd": HTMLPages.time(line.periodEnd), "cancelAtPeriodEnd": line.cancelAtPeriodEnd,
                "plan": known[line.id]?.plan ?? line.id, "price": known[line.id]?.price ?? "",
            ]
        }
        var page: [String: Any] = ["title": "Billing", "seller": app.name, "testMode": true, "subscriptions": rows]
        if let back = view.returnURL { page["returnURL"] = back }
        return HTMLPages.page(BuyerPages.library, "portal", page)
    }
}
