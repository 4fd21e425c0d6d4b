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

    @Sendable func checkoutPage(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (_, sandbox) = try await sandbox(for: id)
        let session = try await sandbox.retrieveCheckoutSession(id)
        let body: String
        if session.status == .open {
            body = """
                <h1>Sandbox checkout</h1>
                <p>No money moves here. Pick a test payment method.</p>
                <form method="post" action="/sandbox/checkout/\(HTMLPage.escape(id))/complete">
                <select name="payment_method">
                <option value="pm_sandbox_visa">pm_sandbox_visa — succeeds</option>
                <option value="pm_sandbox_declined">pm_sandbox_declined — declined</option>
                <option value="pm_sandbox_fails_later">pm_sandbox_fails_later — pays now, fails on renewal</option>
                </select>
                <button type="submit">Pay</button>
                </form>
                """
        } else {
            body = "<h1>Sandbox checkout</h1><p>This session is \(session.status.rawValue).</p>"
        }
        return HTMLPage.response(body)
    }

    @Sendable func complete(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let paymentMethod = Self.formValue("payment_method", try await request.body.collect(upTo: 4096)) ?? "pm_sandbox_visa"
        let (session, successURL, failure) = try await sandbox.completeCheckout(id, paymentMethod: paymentMethod)
        if let failure {
            return HTMLPage.response(
                "<h1>Payment declined</h1><p>\(HTMLPage.escape(failure.message)) (\(HTMLPage.escape(failure.declineCode ?? failure.code)))</p>"
                    + "<p><a href=\"/sandbox/checkout/\(HTMLPage.escape(id))\">Try another payment method</a></p>",
                status: .init(code: 402, reasonPhrase: "Payment Required")
            )
        }
        // Record what the session made now, as the provider's webhook would.
        _ = try await checkout.get(app: app, session.id, origin: Origin(actor: .system, requestID: context.requestID))
        let location = successURL.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: session.id)
        return Response(status: .seeOther, headers: [.location: location])
    }

    /// The hosted invoice page: what the buyer is asked to pay, from our invoice (number,
    /// parties, lines, totals, status), and a test payment method to pay it with. Paying records
    /// nothing of ours here: the sandbox's event reaches the inbox, as a real provider's would.
    @Sendable func invoicePage(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let remote = try await sandbox.retrieveCollectedInvoice(id)
        let invoice = try await invoices.get(app: app.id, try await sandbox.ourInvoice(of: id))
        return HTMLPage.response(
            InvoicePage.html(
                invoice,
                from: app.name,
                payAt: remote.status == .open ? "/sandbox/invoices/\(id)/pay" : nil,
                notice: nil,
                testMode: true
            )
        )
    }

    @Sendable func payInvoice(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (app, sandbox) = try await sandbox(for: id)
        let paymentMethod = Self.formValue("payment_method", try await request.body.collect(upTo: 4096)) ?? "pm_sandbox_visa"
        let (remote, failure) = try await sandbox.payCollectedInvoice(id, paymentMethod: paymentMethod)
        let invoice = try await invoices.get(app: app.id, try await sandbox.ourInvoice(of: id))
        if let failure {
            let notice = "Payment declined: \(failure.message) (\(failure.declineCode ?? failure.code)). Try another payment method."
            return HTMLPage.response(
                InvoicePage.html(invoice, from: app.name, payAt: "/sandbox/invoices/\(id)/pay", notice: notice, testMode: true),
                status: .init(code: 402, reasonPhrase: "Payment Required")
            )
        }
        let notice = remote.status == .paid ? "Paid. Thank you — a receipt is on its way." : "This invoice is \(remote.status.rawValue)."
        return HTMLPage.response(InvoicePage.html(invoice, from: app.name, payAt: nil, notice: notice, testMode: true))
    }

    /// A field of a form body (`application/x-www-form-urlencoded`).
    static func formValue(_ name: String, _ buffer: ByteBuffer) -> String? {
        let form = String(buffer: buffer)
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if parts.count == 2, parts[0] == name { return parts[1] }
        }
        return nil
    }

    @Sendable func portalPage(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (_, sandbox) = try await sandbox(for: id)
        let view = try await sandbox.portal(id)
        let rows = view.subscriptions.map {
            "<li>\(HTMLPage.escape($0.id)): \($0.status)\($0.cancelAtPeriodEnd ? " (cancels at period end)" : "")</li>"
        }.joined()
        let back = view.returnURL.map { "<p><a href=\"\(HTMLPage.escape($0))\">Return</a></p>" } ?? ""
        return HTMLPage.response("<h1>Sandbox billing portal</h1><ul>\(rows)</ul>\(back)")
    }
}
