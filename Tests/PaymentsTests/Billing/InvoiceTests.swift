import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import SQLKit
import Testing

/// Invoices of the app's own: drafts, lines, totals, numbering, and what follows finalization.
@Suite struct InvoiceTests {
    static func setUp(_ api: TestAPI) async throws -> String {
        let (_, key) = try await api.createApp()
        #expect(try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"Acme Haulage"}"#).status == .created)
        #expect(try await api.request(.post, "/v1/plans", key: key, json: SandboxFlowTests.plan).status == .created)
        return key
    }

    static func lines(_ reply: TestAPI.Reply) -> [[String: Any]] { reply.json["lines"] as? [[String: Any]] ?? [] }
    static func int(_ reply: TestAPI.Reply, _ key: String) -> Int? { reply.json[key] as? Int }

    @Test(arguments: TestDatabase.engines) func aDraftIsFilledTotalledFinalizedAndPaid(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.setUp(api)
            let plans = try await api.request(.get, "/v1/plans/pro", key: key)
            let price = try #require((plans.json["prices"] as? [[String: Any]])?.first { $0["type"] as? String == "recurring" })
            let priceID = try #require(price["id"] as? String)
            let priceAmount = try #require(price["amount"] as? Int)
            let draft = try await api.request(
                .post,
                "/v1/invoices",
                key: key,
                json: #"""
                    {"customer":"org_42","currency":"usd","location_id":"depot_7","days_until_due":30,"memo":"Thanks",
                     "metadata":{"job":"J-1"},
                     "lines":[{"description":"Haul, Leeds to York","quantity":3,"unit_amount":12500,
                               "period":{"start":"2026-11-01T00:00:00Z","end":"2026-11-02T00:00:00Z"}},
                              {"description":"Loyalty discount","unit_amount":-2500,"location_id":"depot_9"},
                              {"price":"\#(priceID)"}]}
                    """#
            )
            #expect(draft.status == .created, "\(draft.text)")
            let id = try #require(draft.string("id"))
            #expect(draft.string("status") == "draft" && draft.json["number"] is NSNull)
            // Totals by the service: 3 × 12500 − 2500 + the price's amount.
            let expected = 3 * 12500 - 2500 + priceAmount
            for field in ["subtotal", "total", "amount_due", "amount_remaining"] { #expect(Self.int(draft, field) == expected, "\(field)") }
            #expect(Self.int(draft, "amount_paid") == 0)
            let lines = Self.lines(draft)
            #expect(lines.map { $0["amount"] as? Int } == [37500, -2500, priceAmount])
            #expect(lines.map { $0["location_id"] as? String } == ["depot_7", "depot_9", "depot_7"], "a line takes the invoice's location")
            #expect(lines[2]["price_id"] as? String == priceID && (lines[2]["description"] as? String)?.isEmpty == false)
            #expect((lines[0]["period"] as? [String: Any])?["start"] as? String == "2026-11-01T00:00:00Z")

            // Lines change while it is a draft.
            let added = try await api.request(
                .post,
                "/v1/invoices/\(id)/lines",
                key: key,
                json: #"{"description":"Waiting time","quantity":2,"unit_amount":1000}"#
            )
            #expect(added.status == .created && Self.int(added, "total") == expected + 2000, "\(added.text)")
            let waiting = try #require(Self.lines(added).last?["id"] as? String)
            let changed = try await api.request(.patch, "/v1/invoices/\(id)/lines/\(waiting)", key: key, json: #"{"quantity":3,"period":null}"#)
            #expect(changed.status == .ok && Self.int(changed, "total") == expected + 3000, "\(changed.text)")
            let removed = try await api.request(.delete, "/v1/invoices/\(id)/lines/\(waiting)", key: key)
            #expect(removed.status == .ok && Self.int(removed, "total") == expected && Self.lines(removed).count == 3)
            let patched = try await api.request(.patch, "/v1/invoices/\(id)", key: key, json: #"{"memo":null,"metadata":{"job":"J-2"}}"#)
            #expect(patched.status == .ok && patched.json["memo"] is NSNull && (patched.json["metadata"] as? [String: String]) == ["job": "J-2"])

            // Finalized: numbered, due, frozen.
            let finalized = try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key)
            #expect(finalized.status == .ok, "\(finalized.text)")
            #expect(finalized.string("status") == "open" && finalized.string("number") == "INV-000001")
            let finalizedAt = try #require(finalized.string("finalized_at").flatMap(RFC3339.parse))
            let due = try #require(finalized.string("due_date").flatMap(RFC3339.parse))
            #expect(due.timeIntervalSince(finalizedAt) == 30 * 86_400)
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/v1/invoices/\(id)/lines", #"{"description":"More","unit_amount":1}"#),
                (.patch, "/v1/invoices/\(id)", #"{"memo":"late"}"#),
                (.delete, "/v1/invoices/\(id)", nil),
                (.post, "/v1/invoices/\(id)/finalize", nil),
            ] {
                let refused = try await api.request(method, path, key: key, json: body)
                #expect(refused.status == .conflict && refused.errorCode == "invoice_not_draft", "\(method) \(path): \(refused.text)")
            }

            // Printable.
            let printable = try await api.request(.get, "/v1/invoices/\(id)/html", key: key)
            #expect(printable.status == .ok && printable.headers[.contentType]?.hasPrefix("text/html") == true)
            for text in ["INV-000001", "funnel", "org_42", "Haul, Leeds to York", "375.00 USD", "-25.00 USD", "open", "depot_7"] {
                #expect(printable.text.contains(text), "\(text) on the printable page")
            }
            #expect(!printable.text.contains("TEST MODE") && !printable.text.contains("<form"))

            // Paid out of band.
            let paid = try await api.request(.post, "/v1/invoices/\(id)/mark-paid", key: key, json: #"{"reference":"Cheque 100234"}"#)
            #expect(paid.status == .ok && paid.string("status") == "paid" && paid.string("payment_reference") == "Cheque 100234")
            #expect(Self.int(paid, "amount_paid") == expected && Self.int(paid, "amount_remaining") == 0)
            let again = try await api.request(.post, "/v1/invoices/\(id)/mark-paid", key: key, json: #"{"reference":"again"}"#)
            #expect(again.status == .conflict && again.errorCode == "invoice_not_open")

            // The next ones: numbered in turn, voided, written off and paid after all.
            func finalizedInvoice(_ amount: Int) async throws -> String {
                let made = try await api.request(
                    .post,
                    "/v1/invoices",
                    key: key,
                    json: #"{"customer":"org_42","currency":"usd","lines":[{"description":"Job","unit_amount":\#(amount)}]}"#
                )
                let id = try #require(made.string("id"))
                #expect(try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key).status == .ok)
                return id
            }
            let voided = try await finalizedInvoice(900)
            let void = try await api.request(.post, "/v1/invoices/\(voided)/void", key: key)
            #expect(void.status == .ok && void.string("status") == "void" && void.string("number") == "INV-000002")
            #expect(Self.int(void, "amount_remaining") == 0)
            let writtenOff = try await finalizedInvoice(700)
            let uncollectible = try await api.request(.post, "/v1/invoices/\(writtenOff)/mark-uncollectible", key: key)
            #expect(uncollectible.status == .ok && uncollectible.string("status") == "uncollectible")
            let late = try await api.request(.post, "/v1/invoices/\(writtenOff)/mark-paid", key: key, json: #"{"reference":"Transfer 88"}"#)
            #expect(late.string("status") == "paid" && late.string("number") == "INV-000003")
            // A zero total is paid as it is finalized.
            let free = try await api.request(
                .post,
                "/v1/invoices",
                key: key,
                json: #"{"customer":"org_42","currency":"usd","lines":[{"description":"Goodwill","unit_amount":0}]}"#
            )
            let freeID = try #require(free.string("id"))
            let freeFinal = try await api.request(.post, "/v1/invoices/\(freeID)/finalize", key: key)
            #expect(freeFinal.string("status") == "paid" && freeFinal.string("number") == "INV-000004")

            // Lists and filters.
            let all = try await api.request(.get, "/v1/invoices?customer=org_42", key: key)
            #expect(all.data.count == 4 && all.data.allSatisfy { ($0["lines"] as? [Any])?.isEmpty == false })
            #expect(try await api.request(.get, "/v1/invoices?status=void", key: key).data.map { $0["id"] as? String } == [voided])
            #expect(try await api.request(.get, "/v1/invoices?location_id=depot_7", key: key).data.map { $0["id"] as? String } == [id])
            let dueLater = try await api.request(.get, "/v1/invoices?due_date[gte]=\(RFC3339.format(due.addingTimeInterval(-1)))", key: key)
            #expect(dueLater.data.map { $0["id"] as? String } == [id])
            let now = RFC3339.format(api.clock.now)
            #expect(try await api.request(.get, "/v1/invoices?created[gte]=\(now)", key: key).data.count == 4)
            #expect(try await api.request(.get, "/v1/invoices?created[lt]=\(now)", key: key).data.isEmpty)
            let page = try await api.request(.get, "/v1/invoices?limit=2", key: key)
            #expect(page.data.count == 2 && page.json["has_more"] as? Bool == true)

            // Each step announced and audited.
            let events = try await api.request(.get, "/v1/events?limit=100", key: key)
            let kinds = events.data.compactMap { $0["type"] as? String }.filter { $0.hasPrefix("invoice.") }
            #expect(kinds.filter { $0 == "invoice.created" }.count == 4)
            #expect(kinds.filter { $0 == "invoice.finalized" }.count == 4)
            #expect(kinds.filter { $0 == "invoice.paid" }.count == 3)
            #expect(kinds.contains("invoice.voided") && kinds.contains("invoice.marked_uncollectible"))
            let paidEvent = try #require(
                try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data.first { event in
                    ((event["data"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String == id
                }
            )
            let object = try #require((paidEvent["data"] as? [String: Any])?["object"] as? [String: Any])
            #expect(object["number"] as? String == "INV-000001" && object["amount_paid"] as? Int == expected)
            for (target, action) in [(voided, "VOID_INVOICE"), (writtenOff, "MARK_INVOICE_UNCOLLECTIBLE"), (writtenOff, "MARK_INVOICE_PAID")] {
                let entries = try await api.request(.get, "/v1/audit-logs?target_id=\(target)&action_type=\(action)", key: key)
                #expect(entries.data.count == 1, "\(action) audited")
            }
            let audit = try await api.request(.get, "/v1/audit-logs?target_id=\(id)&limit=100", key: key)
            let actions = Set(audit.data.compactMap { $0["action_type"] as? String })
            #expect(
                actions.isSuperset(of: [
                    "CREATE_INVOICE", "ADD_INVOICE_LINE", "UPDATE_INVOICE_LINE", "DELETE_INVOICE_LINE", "UPDATE_INVOICE", "FINALIZE_INVOICE",
                    "MARK_INVOICE_PAID",
                ]),
                "\(actions)"
            )
        }
    }

    @Test(arguments: TestDatabase.engines) func badInvoicesAreRefusedWithTheParameterNamed(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.setUp(api)
            let metered = try await api.request(.post, "/v1/metrics", key: key, json: #"{"key":"hauls","name":"Hauls","aggregation":"count"}"#)
            #expect(metered.status == .created)
            let plan = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: #"""
                    {"key":"eu","name":"EU","prices":[{"key":"m","type":"recurring","amount":900,"currency":"eur","interval":"month"},
                     {"key":"hauls","type":"metered","metric":"hauls","unit_amount":5,"currency":"usd","interval":"month"}]}
                    """#
            )
            #expect(plan.status == .created, "\(plan.text)")
            let prices = try #require(plan.json["prices"] as? [[String: Any]])
            let euro = try #require(prices.first { $0["key"] as? String == "m" }?["id"] as? String)
            let perHaul = try #require(prices.first { $0["key"] as? String == "hauls" }?["id"] as? String)
            let base = #""customer":"org_42","currency":"usd""#
            for (body, code, param) in [
                (#"{"currency":"usd"}"#, "parameter_missing", "customer"),
                (#"{"customer":"org_42","currency":"usx"}"#, "parameter_invalid", "currency"),
                (#"{"customer":"org_nobody","currency":"usd"}"#, "customer_not_found", "customer"),
                (#"{\#(base),"due_date":"2027-01-01T00:00:00Z","days_until_due":3}"#, "parameter_invalid", "days_until_due"),
                (#"{\#(base),"days_until_due":400}"#, "parameter_invalid", "days_until_due"),
                (#"{\#(base),"collection":"cash"}"#, "parameter_invalid", "collection"),
                (#"{\#(base),"lines":[{"unit_amount":100}]}"#, "parameter_missing", "lines[0][description]"),
                (#"{\#(base),"lines":[{"description":"x"}]}"#, "parameter_missing", "lines[0][unit_amount]"),
                (#"{\#(base),"lines":[{"description":"x","unit_amount":1,"quantity":0}]}"#, "parameter_invalid", "lines[0][quantity]"),
                (#"{\#(base),"lines":[{"description":"x","unit_amount":100000000}]}"#, "parameter_invalid", "lines[0][unit_amount]"),
                (#"{\#(base),"lines":[{"price":"\#(euro)"}]}"#, "parameter_invalid", "lines[0][price]"),
                (#"{\#(base),"lines":[{"price":"\#(perHaul)"}]}"#, "parameter_invalid", "lines[0][price]"),
                (#"{\#(base),"lines":[{"price":"price_01m8000000000000000000000a"}]}"#, "price_not_found", "lines[0][price]"),
                (#"{\#(base),"lines":[{"price":"\#(euro)","unit_amount":5}]}"#, "parameter_invalid", "lines[0][unit_amount]"),
                (
                    #"{\#(base),"lines":[{"description":"x","unit_amount":1,"period":{"start":"2026-11-02T00:00:00Z","end":"2026-11-01T00:00:00Z"}}]}"#,
                    "parameter_invalid", "lines[0][period][end]"
                ),
                (#"{\#(base),"app_id":"app_other"}"#, "parameter_unknown", "app_id"),
            ] {
                let reply = try await api.request(.post, "/v1/invoices", key: key, json: body)
                #expect(reply.status.code / 100 == 4, "\(body): \(reply.text)")
                #expect(reply.errorCode == code && reply.errorParam == param, "\(body): \(reply.text)")
            }
            // A total beyond the largest amount, a negative total, no lines, a currency change under lines.
            let big = (0..<2).map { _ in #"{"description":"x","quantity":1000000,"unit_amount":99999999}"# }.joined(separator: ",")
            let tooBig = try await api.request(.post, "/v1/invoices", key: key, json: #"{\#(base),"lines":[\#(big)]}"#)
            #expect(tooBig.status == .badRequest && tooBig.errorParam == "lines", "\(tooBig.text)")
            let empty = try #require(try await api.request(.post, "/v1/invoices", key: key, json: "{\(base)}").string("id"))
            let noLines = try await api.request(.post, "/v1/invoices/\(empty)/finalize", key: key)
            #expect(noLines.status == .badRequest && noLines.errorCode == "invoice_no_lines")
            #expect(try await api.request(.post, "/v1/invoices/\(empty)/void", key: key).errorCode == "invoice_not_open")
            let credit = try await api.request(.post, "/v1/invoices/\(empty)/lines", key: key, json: #"{"description":"Credit","unit_amount":-500}"#)
            #expect(credit.status == .created && Self.int(credit, "total") == -500 && Self.int(credit, "amount_remaining") == 0)
            let negative = try await api.request(.post, "/v1/invoices/\(empty)/finalize", key: key)
            #expect(negative.status == .badRequest && negative.errorCode == "invoice_total_negative")
            let currency = try await api.request(.patch, "/v1/invoices/\(empty)", key: key, json: #"{"currency":"eur"}"#)
            #expect(currency.status == .badRequest && currency.errorParam == "currency")
            let eurLine = try await api.request(.post, "/v1/invoices/\(empty)/lines", key: key, json: #"{"price":"\#(euro)"}"#)
            #expect(eurLine.status == .badRequest && eurLine.errorParam == "price")
            let missingLine = try await api.request(.delete, "/v1/invoices/\(empty)/lines/il_01m8000000000000000000000a", key: key)
            #expect(missingLine.status == .notFound && missingLine.errorCode == "invoice_line_not_found")
            // Neither failed finalize took a number.
            #expect(try await api.request(.get, "/v1/invoice-settings", key: key).json["next_number"] as? Int == 1)
            // A draft is deleted; a prefix must be capitals and digits.
            #expect(try await api.request(.delete, "/v1/invoices/\(empty)", key: key).status == .ok)
            #expect(try await api.request(.get, "/v1/invoices/\(empty)", key: key).errorCode == "invoice_not_found")
            for prefix in ["inv", "", "TOO-LONG", "ABCDEFGHIJKLM"] {
                let reply = try await api.request(.patch, "/v1/invoice-settings", key: key, json: #"{"number_prefix":"\#(prefix)"}"#)
                #expect(reply.status == .badRequest && reply.errorParam == "number_prefix", "\(prefix)")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func numbersFollowThePrefixAndNeverSkip(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.setUp(api)
            let settings = try await api.request(.patch, "/v1/invoice-settings", key: key, json: #"{"number_prefix":"ACME"}"#)
            #expect(settings.string("number_prefix") == "ACME" && settings.json["next_number"] as? Int == 1)
            var numbers: [String] = []
            for index in 0..<3 {
                if index == 2 { _ = try await api.request(.patch, "/v1/invoice-settings", key: key, json: #"{"number_prefix":"AC2"}"#) }
                let id = try #require(
                    try await api.request(
                        .post,
                        "/v1/invoices",
                        key: key,
                        json: #"{"customer":"org_42","currency":"usd","lines":[{"description":"x","unit_amount":100}]}"#
                    ).string("id")
                )
                numbers.append(try #require(try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key).string("number")))
            }
            #expect(numbers == ["ACME-000001", "ACME-000002", "AC2-000003"])
            #expect(Invoice.number(prefix: "X", 1_234_567) == "X-1234567")
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=UPDATE_INVOICE_SETTINGS", key: key)
            #expect(audit.data.count == 2)
        }
    }

    /// A one-line draft for org_42 in USD. - Returns: its id.
    static func draft(_ api: TestAPI, _ key: String, collection: String, amount: Int) async throws -> String {
        let draft = try await api.request(
            .post,
            "/v1/invoices",
            key: key,
            json: #"{"customer":"org_42","currency":"usd","collection":"\#(collection)","lines":[{"description":"x","unit_amount":\#(amount)}]}"#
        )
        return try #require(draft.string("id"), "\(draft.text)")
    }

    static func finalized(
        _ api: TestAPI,
        _ key: String,
        collection: String = "manual",
        lines: String = #"[{"description":"Haul","quantity":2,"unit_amount":15000}]"#
    ) async throws -> String {
        let draft = try await api.request(
            .post,
            "/v1/invoices",
            key: key,
            json: #"{"customer":"org_42","currency":"usd","collection":"\#(collection)","lines":\#(lines)}"#
        )
        let id = try #require(draft.string("id"), "\(draft.text)")
        #expect(try await api.request(.post, "/v1/invoices/\(id)/finalize", key: key).status == .ok)
        return id
    }

    @Test(arguments: TestDatabase.engines) func anInvoiceIsChargedToASavedCardAndShowsItsRefunds(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.setUp(api)
            let id = try await Self.finalized(api, key)
            let draft = try #require(
                try await api.request(.post, "/v1/invoices", key: key, json: #"{"customer":"org_42","currency":"usd"}"#).string("id")
            )
            let notOpen = try await api.request(.post, "/v1/invoices/\(draft)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(notOpen.status == .conflict && notOpen.errorCode == "invoice_not_open")
            let missing = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: "{}")
            #expect(missing.status == .badRequest && missing.errorParam == "payment_method")

            // Declined: 402, the invoice stays open with the failed payment, invoice.payment_failed.
            let declined = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_declined"}"#)
            #expect(declined.status.code == 402 && declined.errorCode == "card_declined", "\(declined.text)")
            let afterDecline = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(afterDecline.string("status") == "open" && Self.int(afterDecline, "amount_remaining") == 30000)
            let failedPayment = try #require(afterDecline.string("payment_id"))
            #expect(try await api.request(.get, "/v1/payments/\(failedPayment)", key: key).string("status") == "failed")
            let failedEvents = try await api.request(.get, "/v1/events?type=invoice.payment_failed", key: key)
            #expect(failedEvents.data.count == 1)

            // Paid with another card: the invoice links the payment that paid it.
            let paid = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(paid.status == .ok && paid.string("status") == "paid", "\(paid.text)")
            #expect(Self.int(paid, "amount_paid") == 30000 && Self.int(paid, "amount_remaining") == 0)
            let payment = try #require(paid.string("payment_id"))
            #expect(payment != failedPayment)
            let charged = try await api.request(.get, "/v1/payments/\(payment)", key: key)
            #expect(charged.string("status") == "succeeded" && charged.json["amount"] as? Int == 30000)
            #expect(charged.string("description") == "Invoice INV-000001")
            let again = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(again.status == .conflict && again.errorCode == "invoice_not_open")
            #expect(try await api.request(.get, "/v1/payments?customer=org_42", key: key).data.count == 2, "one declined, one paid")
            #expect(try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data.count == 1)

            // A refund goes through the payment's own route; the invoice shows it.
            let refund = try await api.request(.post, "/v1/payments/\(payment)/refunds", key: key, json: #"{"amount":5000}"#)
            #expect(refund.status == .created, "\(refund.text)")
            let refunded = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(Self.int(refunded, "amount_refunded") == 5000 && refunded.string("status") == "paid")
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=PAY_INVOICE&target_id=\(id)", key: key)
            #expect(audit.data.count >= 3, "each attempt and each outcome")
        }
    }

    /// Collected by the sandbox: a hosted page shows the invoice and takes a test card; the
    /// invoice follows the provider's events through the inbox, never the page's answer.
    @Test(arguments: TestDatabase.engines) func aSandboxCollectedInvoiceIsPaidOnItsPageThroughTheInbox(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.setUp(api)
            func pay(_ page: String, _ method: String) async throws -> TestAPI.Reply {
                try await api.request(
                    .post,
                    "\(page)/pay",
                    json: "payment_method=\(method)",
                    headers: [.contentType: "application/x-www-form-urlencoded"]
                )
            }
            let id = try await Self.finalized(
                api,
                key,
                collection: "sandbox",
                lines: #"[{"description":"Haul, Leeds to York","quantity":2,"unit_amount":15000},{"description":"Discount","unit_amount":-1050}]"#
            )
            let open = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(open.string("status") == "open" && open.string("provider") == "sandbox" && open.string("number") == "INV-000001")
            let url = try #require(open.string("hosted_invoice_url"))
            let page = try #require(url.range(of: "/sandbox/invoices/").map { String(url[$0.lowerBound...]) })
            #expect(open.string("provider_invoice_id").map { page.hasSuffix($0) } == true)

            // The page: test mode, the parties, the number, the lines and totals by currency.
            let shown = try await api.request(.get, page)
            #expect(shown.status == .ok && shown.headers[.contentType]?.hasPrefix("text/html") == true)
            for text in [
                "TEST MODE", "INV-000001", "funnel", "org_42", "Haul, Leeds to York", "150.00 USD", "-10.50 USD", "289.50 USD", "pm_sandbox_visa",
            ] {
                #expect(shown.text.contains(text), "\(text) on the page")
            }

            // Declined on the page: the provider's event says so; the invoice stays open.
            let declined = try await pay(page, "pm_sandbox_declined")
            #expect(declined.status.code == 402 && declined.text.contains("declined"))
            try await api.services.inbox.settle()
            #expect(try await api.request(.get, "/v1/events?type=invoice.payment_failed", key: key).data.count == 1)
            #expect(try await api.request(.get, "/v1/invoices/\(id)", key: key).string("status") == "open")

            // Paid on the page: nothing of ours changes until the provider's event is processed.
            let paid = try await pay(page, "pm_sandbox_visa")
            #expect(paid.status == .ok && paid.text.contains("Paid"), "\(paid.text)")
            #expect(try await api.request(.get, "/v1/invoices/\(id)", key: key).string("status") == "open", "never the page's answer")
            try await api.services.inbox.settle()
            let settled = try await api.request(.get, "/v1/invoices/\(id)", key: key)
            #expect(settled.string("status") == "paid" && Self.int(settled, "amount_paid") == 28950, "\(settled.text)")
            let payment = try #require(settled.string("payment_id"))
            let charge = try await api.request(.get, "/v1/payments/\(payment)", key: key)
            #expect(charge.string("status") == "succeeded" && charge.json["amount"] as? Int == 28950 && charge.string("customer") == "org_42")
            #expect(try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data.count == 1)
            #expect(try await pay(page, "pm_sandbox_visa").text.contains("paid"), "a paid invoice is not paid twice")
            let again = try await api.request(.post, "/v1/invoices/\(id)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(again.status == .conflict && again.errorCode == "invoice_not_open", "paid: not charged again")
            // Its refund is the payment's; the invoice shows it.
            #expect(try await api.request(.post, "/v1/payments/\(payment)/refunds", key: key, json: #"{"amount":950}"#).status == .created)
            #expect(Self.int(try await api.request(.get, "/v1/invoices/\(id)", key: key), "amount_refunded") == 950)

            // Charged by the app with the customer's saved card: at the provider, so its page is closed.
            let charged = try await Self.finalized(api, key, collection: "sandbox")
            let chargedPage = try #require(
                try await api.request(.get, "/v1/invoices/\(charged)", key: key).string("hosted_invoice_url")
                    .flatMap { url in url.range(of: "/sandbox/invoices/").map { String(url[$0.lowerBound...]) } }
            )
            let declined2 = try await api.request(.post, "/v1/invoices/\(charged)/pay", key: key, json: #"{"payment_method":"pm_sandbox_declined"}"#)
            #expect(declined2.status.code == 402 && declined2.errorCode == "card_declined", "\(declined2.text)")
            try await api.services.inbox.settle()
            let stillOpen = try await api.request(.get, "/v1/invoices/\(charged)", key: key)
            #expect(stillOpen.string("status") == "open")
            #expect(try await api.request(.get, "/v1/events?type=invoice.payment_failed", key: key).data.count == 2, "the provider's event says so")
            let chargedNow = try await api.request(.post, "/v1/invoices/\(charged)/pay", key: key, json: #"{"payment_method":"pm_sandbox_visa"}"#)
            #expect(chargedNow.status == .ok && chargedNow.string("status") == "paid" && chargedNow.string("payment_id") != nil, "\(chargedNow.text)")
            #expect(try await pay(chargedPage, "pm_sandbox_visa").text.contains("paid"), "its page shows it paid, not a second charge")
            try await api.services.inbox.settle()
            let chargedPaid = try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data
            #expect(chargedPaid.filter { (($0["data"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String == charged }.count == 1)

            // Voided: its page can no longer be paid.
            let second = try await Self.finalized(api, key, collection: "sandbox")
            let secondPage = try #require(
                try await api.request(.get, "/v1/invoices/\(second)", key: key).string("hosted_invoice_url")
                    .flatMap { url in url.range(of: "/sandbox/invoices/").map { String(url[$0.lowerBound...]) } }
            )
            #expect(try await api.request(.post, "/v1/invoices/\(second)/void", key: key).string("status") == "void")
            let late = try await pay(secondPage, "pm_sandbox_visa")
            #expect(late.text.contains("void") && !late.text.contains("Paid."), "\(late.text)")
            try await api.services.inbox.settle()
            #expect(try await api.request(.get, "/v1/invoices/\(second)", key: key).string("status") == "void")

            // Paid by cheque: the sandbox's page is closed first, and its event changes nothing more.
            let third = try await Self.finalized(api, key, collection: "sandbox")
            let thirdPage = try #require(
                try await api.request(.get, "/v1/invoices/\(third)", key: key).string("hosted_invoice_url")
                    .flatMap { url in url.range(of: "/sandbox/invoices/").map { String(url[$0.lowerBound...]) } }
            )
            let cheque = try await api.request(.post, "/v1/invoices/\(third)/mark-paid", key: key, json: #"{"reference":"Cheque 9"}"#)
            #expect(cheque.string("status") == "paid" && cheque.string("payment_reference") == "Cheque 9", "\(cheque.text)")
            let closed = try await api.request(.get, thirdPage)
            #expect(closed.text.contains("paid") && !closed.text.contains("<form"), "its page can no longer be paid")
            try await api.services.inbox.settle()
            let paidEvents = try await api.request(.get, "/v1/events?type=invoice.paid", key: key).data
            #expect(paidEvents.filter { (($0["data"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String == third }.count == 1)

            // A collection the app's provider does not offer: refused, the draft a draft, no number used.
            let draft = try #require(
                try await api.request(
                    .post,
                    "/v1/invoices",
                    key: key,
                    json: #"{"customer":"org_42","currency":"usd","collection":"stripe_invoice","lines":[{"description":"x","unit_amount":1}]}"#
                ).string("id")
            )
            let refused = try await api.request(.post, "/v1/invoices/\(draft)/finalize", key: key)
            #expect(refused.status == .badRequest && refused.errorParam == "collection", "\(refused.text)")
            #expect(try await api.request(.patch, "/v1/invoices/\(draft)", key: key, json: #"{"collection":"sandbox"}"#).status == .ok)
            #expect(try await api.request(.post, "/v1/invoices/\(draft)/finalize", key: key).string("number") == "INV-000005")
        }
    }

    /// Two instances, each with its own connections to one PostgreSQL, finalize drafts at once:
    /// every number from 1 up is used exactly once.
    @Test func twoInstancesFinalizingAtOnceNeverSkipOrReuseANumber() async throws {
        try await TestAPI.run(.postgres) { api in
            let key = try await Self.setUp(api)
            let app = try #require(try await api.store.read { try await $0.apps.list(try PageRequest(limit: 10)).data.first })
            var drafts: [String] = []
            for _ in 0..<40 {
                drafts.append(
                    try #require(
                        try await api.request(
                            .post,
                            "/v1/invoices",
                            key: key,
                            json: #"{"customer":"org_42","currency":"usd","lines":[{"description":"x","unit_amount":100}]}"#
                        ).string("id")
                    )
                )
            }
            let database = try #require(
                try await api.store.read { try await $0.db.raw("SELECT current_database() AS name").first()?.decode(column: "name", as: String.self) }
            )
            let backend = try await PostgresBackend.connect(
                url: PostgresAdmin.url(try TestDatabase.postgresURL(), database: database),
                maximumConnections: 8,
                logger: testLogger
            )
            let elsewhere = Store(backend: backend, clock: api.clock.clock)
            let customers = Customers.Service(store: elsewhere)
            let other = Invoices.Service(
                store: elsewhere,
                customers: customers,
                payments: Payments.Service(store: elsewhere, directory: api.providers, customers: customers, logger: testLogger),
                directory: api.providers
            )
            let instances = [api.services.invoices, other]
            let origin = Origin(actor: .system, requestID: nil)
            let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
                for (index, draft) in drafts.enumerated() {
                    group.addTask { try await instances[index % 2].finalize(app: app, draft, origin: origin).number }
                }
                return try await group.reduce(into: [String]()) { $0.append(try #require($1)) }
            }
            try await backend.shutdown()
            #expect(numbers.sorted() == (1...40).map { Invoice.number(prefix: "INV", Int64($0)) })
            #expect(try await api.request(.get, "/v1/invoice-settings", key: key).json["next_number"] as? Int == 41)
        }
    }
}
