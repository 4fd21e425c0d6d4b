import Hummingbird
import PaymentsDomain

/// An invoice as a person reads it: number, parties, status, due date, lines and totals in the
/// currency's major units. The hosted sandbox page shows it with a test card to pay with;
/// `GET /v1/invoices/{id}/html` shows it to print.
enum InvoicePage {
    /// - Parameters:
    ///   - payAt: where the pay form posts, when it can be paid here.
    ///   - testMode: whether to say that no money moves (the sandbox's pages).
    static func html(_ invoice: Invoice, from seller: String, payAt: String?, notice: String?, testMode: Bool) -> String {
        let escape = HTMLPage.escape
        func money(_ amount: Int64) -> String { escape(Money(amount, invoice.currency).display) }
        let rows = invoice.lines.map { line in
            "<tr><td>\(escape(line.description))</td><td>\(line.quantity)</td><td>\(line.unitAmount.map(money) ?? "")</td><td>\(money(line.amount))</td></tr>"
        }.joined()
        let due = invoice.dueDate.map { "<p>Due \(escape(RFC3339.format($0)))</p>" } ?? ""
        let memo = invoice.memo.map { "<p>\(escape($0))</p>" } ?? ""
        let location = invoice.locationID.map { "<p>Location \(escape($0))</p>" } ?? ""
        let form =
            payAt.map { action in
                """
                <form method="post" action="\(escape(action))">
                <select name="payment_method">
                <option value="pm_sandbox_visa">pm_sandbox_visa — succeeds</option>
                <option value="pm_sandbox_declined">pm_sandbox_declined — declined</option>
                </select>
                <button type="submit">Pay \(money(invoice.amountRemaining))</button>
                </form>
                """
            } ?? ""
        return """
            \(testMode ? "<p><strong>TEST MODE</strong> — the sandbox provider: no money moves.</p>" : "")
            <h1>Invoice \(escape(invoice.number ?? "(draft)"))</h1>
            <p>From \(escape(seller)) to \(escape(invoice.customerExternalID))</p>
            \(notice.map { "<p><strong>\(escape($0))</strong></p>" } ?? "")
            <p>Status: \(escape(invoice.status.rawValue))</p>\(due)\(location)\(memo)
            <table><tr><th>Description</th><th>Quantity</th><th>Unit price</th><th>Amount</th></tr>\(rows)</table>
            <p>Subtotal \(money(invoice.subtotal))<br>Total \(money(invoice.total))<br>Amount paid \(money(invoice.amountPaid))<br>
            Amount remaining \(money(invoice.amountRemaining))</p>
            \(form)
            """
    }
}

/// The service's few HTML pages (the sandbox's hosted pages, a printable invoice): one document
/// shape and one escaping.
enum HTMLPage {
    static func response(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "<!doctype html><meta charset=utf-8><title>Sandbox</title>\(body)"))
        )
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
