import Mustache
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The pages a buyer sees: the sandbox's hosted checkout, billing portal and invoice (with a clear
/// TEST MODE banner: no money moves), and an invoice to print. Mustache templates on one layout,
/// the dashboard's stylesheet; amounts formatted by currency.
enum BuyerPages {
    static let library = HTMLPages.library([
        "buyer": layout, "checkout": checkout, "checkout-done": checkoutDone, "portal": portal, "invoice": invoice,
    ])

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{seller}}</title><link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js" defer></script></head>
        <body>
        {{#testMode}}<p class="test-mode" role="note">TEST MODE — the sandbox provider: no money moves, no card is charged.</p>{{/testMode}}
        <main><p class="muted">{{seller}}</p><h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}{{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{$body}}{{/body}}
        </main></body></html>
        """

    /// The test payment methods the sandbox takes.
    static let methods = """
        <label>Test payment method <select name="payment_method">
        <option value="pm_sandbox_visa">pm_sandbox_visa — succeeds</option>
        <option value="pm_sandbox_declined">pm_sandbox_declined — declined</option>
        <option value="pm_sandbox_fails_later">pm_sandbox_fails_later — pays now, fails on renewal</option>
        </select></label>
        """

    static let checkout = """
        {{<buyer}}{{$body}}
        <section class="card">
        <h2>{{plan}}</h2>
        {{#prices}}<p class="price">{{text}}</p>{{/prices}}
        {{#trial}}<p>{{trial}}-day free trial: nothing is charged today.</p>{{/trial}}
        <p>For {{customer}}{{#customerName}} ({{customerName}}){{/customerName}}</p>
        {{#open}}<form method="post" action="/sandbox/checkout/{{id}}/complete">
        \(methods)
        <button type="submit">{{#trial}}Start the trial{{/trial}}{{^trial}}Pay{{/trial}}</button>
        {{#cancelURL}}<a href="{{cancelURL}}">Cancel and go back</a>{{/cancelURL}}</form>{{/open}}
        {{^open}}<p>This checkout session is {{status}}.</p>{{/open}}
        </section>
        {{/body}}{{/buyer}}
        """

    static let checkoutDone = """
        {{<buyer}}{{$body}}
        <section class="card"><p>{{plan}}: {{#prices}}{{text}} {{/prices}}</p>
        <p><a href="{{successURL}}" id="continue">Continue to {{seller}}</a></p></section>
        {{/body}}{{/buyer}}
        """

    static let portal = """
        {{<buyer}}{{$body}}
        <table><tr><th>Plan</th><th>Price</th><th>Status</th><th>Period ends</th></tr>
        {{#subscriptions}}<tr><td>{{plan}}</td><td>{{price}}</td><td>{{status}}{{#cancelAtPeriodEnd}} (cancels at period end){{/cancelAtPeriodEnd}}</td>
        <td><time datetime="{{periodEnd}}">{{periodEnd}}</time></td></tr>{{/subscriptions}}</table>
        {{^subscriptions}}<p>No subscriptions.</p>{{/subscriptions}}
        {{#returnURL}}<p><a href="{{returnURL}}">Return to {{seller}}</a></p>{{/returnURL}}
        {{/body}}{{/buyer}}
        """

    static let invoice = """
        {{<buyer}}{{$body}}
        <p>From {{seller}} to {{customer}}</p>
        <p>Status: {{status}}{{#due}} · due <time datetime="{{due}}">{{due}}</time>{{/due}}{{#location}} · location {{location}}{{/location}}</p>
        {{#memo}}<p>{{memo}}</p>{{/memo}}
        <div class="scroll"><table><tr><th>Description</th><th>Quantity</th><th>Unit price</th><th>Amount</th></tr>
        {{#lines}}<tr><td>{{description}}</td><td>{{quantity}}</td><td>{{unit}}</td><td>{{amount}}</td></tr>{{/lines}}</table></div>
        <table class="totals"><tr><th>Subtotal</th><td>{{subtotal}}</td></tr><tr><th>Total</th><td>{{total}}</td></tr>
        <tr><th>Amount paid</th><td>{{paid}}</td></tr><tr><th>Amount remaining</th><td>{{remaining}}</td></tr></table>
        {{#pdf}}<p><a href="{{pdf}}">The provider's PDF</a></p>{{/pdf}}
        {{#payAt}}<form method="post" action="{{payAt}}" class="card">
        \(methods)
        <button type="submit">Pay {{remaining}}</button></form>{{/payAt}}
        {{/body}}{{/buyer}}
        """

    /// An invoice as a person reads it: number, parties, status, due date, lines and totals in
    /// the currency's major units.
    /// - Parameters:
    ///   - payAt: where the pay form posts, when it can be paid here.
    ///   - testMode: whether to say that no money moves (the sandbox's pages).
    static func invoiceContext(_ invoice: Invoice, from seller: String, payAt: String?, testMode: Bool) -> [String: Any] {
        func money(_ amount: Int64) -> String { Money(amount, invoice.currency).display }
        var context: [String: Any] = [
            "title": "Invoice \(invoice.number ?? "(draft)")", "seller": seller, "customer": invoice.customerExternalID,
            "status": invoice.status.rawValue, "testMode": testMode,
            "lines": invoice.lines.map { line -> [String: Any] in
                [
                    "description": line.description, "quantity": line.quantity, "unit": line.unitAmount.map(money) ?? "",
                    "amount": money(line.amount),
                ]
            },
            "subtotal": money(invoice.subtotal), "total": money(invoice.total), "paid": money(invoice.amountPaid),
            "remaining": money(invoice.amountRemaining),
        ]
        if let due = invoice.dueDate { context["due"] = HTMLPages.time(due) }
        if let location = invoice.locationID { context["location"] = location }
        if let memo = invoice.memo { context["memo"] = memo }
        if let pdf = invoice.pdfURL { context["pdf"] = pdf }
        if let payAt { context["payAt"] = payAt }
        return context
    }
}
