import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsStore
import SQLKit
import Testing

/// The operator's dashboard over HTTP, as a browser uses it: a signed cookie, forms with their
/// CSRF token, pages that match the API's numbers, actions through the same services.
@Suite struct DashboardTests {
    /// A signed-in browser: its cookie, and the CSRF token its pages carry.
    struct Browser {
        let api: TestAPI
        let cookie: String

        func get(_ path: String) async throws -> TestAPI.Reply {
            try await api.request(.get, path, headers: [.cookie: cookie])
        }

        func post(_ path: String, _ fields: [String: String]) async throws -> TestAPI.Reply {
            let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&")
            return try await api.request(
                .post,
                path,
                json: body,
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            )
        }

        /// The page's CSRF token (every signed-in page carries it, in the sign-out form at least).
        func csrf(_ page: TestAPI.Reply) throws -> String {
            try #require(Self.field("csrf", in: page.text))
        }

        static func field(_ name: String, in html: String) -> String? {
            guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    static func signIn(_ api: TestAPI, token: String = adminToken) async throws -> (TestAPI.Reply, Browser?) {
        let reply = try await api.request(
            .post,
            "/dashboard/sign-in",
            json: "token=\(token)",
            headers: [.contentType: "application/x-www-form-urlencoded"]
        )
        guard let setCookie = reply.headers[.setCookie], let pair = setCookie.split(separator: ";").first else { return (reply, nil) }
        return (reply, Browser(api: api, cookie: String(pair)))
    }

    @Test(arguments: TestDatabase.engines) func onlyTheAdminTokenSignsInAndEveryFormCarriesItsSessionsToken(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            // Signed out: every page sends to the sign-in form, which says nothing more.
            let away = try await api.request(.get, "/dashboard")
            #expect(away.status == .seeOther && away.headers[.location] == "/dashboard/sign-in")
            let form = try await api.request(.get, "/dashboard/sign-in")
            #expect(form.status == .ok && form.text.contains("type=\"password\"") && !form.text.contains("Sign out"))

            // A wrong token: a clear message, no cookie, counted.
            let (wrong, none) = try await Self.signIn(api, token: "sk_test_guess")
            #expect(wrong.status == .unauthorized && wrong.text.contains("not the admin token") && none == nil)
            let metrics = try await api.request(.get, "/metrics")
            #expect(metrics.text.contains("dashboard_sign_in_failures_total 1"), "\(metrics.text.suffix(400))")

            // The right one: a session cookie that script cannot read and other sites do not send.
            let (signedIn, browser) = try await Self.signIn(api)
            let setCookie = try #require(signedIn.headers[.setCookie])
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/dashboard")
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Max-Age=28800"] {
                #expect(setCookie.contains(attribute), "\(attribute) in \(setCookie)")
            }
            #expect(!setCookie.contains("Secure"), "plain http here")
            let overHTTPS = try await api.request(
                .post,
                "/dashboard/sign-in",
                json: "token=\(adminToken)",
                headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Forwarded-Proto")!: "https"]
            )
            #expect(overHTTPS.headers[.setCookie]?.contains("; Secure") == true)
            let signed = try #require(browser)
            let overview = try await signed.get("/dashboard")
            #expect(overview.status == .ok && overview.text.contains("Overview"))
            let policy = try #require(overview.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"))
            #expect(overview.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(overview.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
            #expect(!overview.text.contains("<script>"), "no inline script")

            // A forged or altered cookie is no session.
            let value = signed.cookie.split(separator: "=", maxSplits: 1)[1]
            let forged = Browser(
                api: api,
                cookie: "payments_dashboard=9999999999.\(value.split(separator: ".")[1]).\(String(repeating: "0", count: 64))"
            )
            #expect(try await forged.get("/dashboard").status == .seeOther)

            // A form without the session's CSRF token changes nothing.
            let before = try await api.admin(.get, "/admin/v1/apps").data.count
            let refused = try await signed.post("/dashboard/apps", ["name": "Forged", "mode": "test"])
            #expect(refused.status == .forbidden && refused.text.contains("csrf_token_invalid"))
            #expect(try await api.admin(.get, "/admin/v1/apps").data.count == before)
            let made = try await signed.post("/dashboard/apps", ["name": "Trucking", "mode": "test", "csrf": try signed.csrf(overview)])
            #expect(made.status == .ok && made.text.contains("shown this once") && made.text.contains("sk_test_"), "\(made.text.prefix(600))")
            let apps = try await api.admin(.get, "/admin/v1/apps").data
            #expect(apps.count == before + 1 && apps.first?["name"] as? String == "Trucking")
            let audit = try await api.admin(.get, "/admin/v1/audit-logs?app_id=\(apps.first?["id"] as? String ?? "")&action_type=CREATE_APP")
            #expect(audit.data.first?["actor_id"] as? String == "admin")

            // Signing out ends the cookie.
            let out = try await signed.post("/dashboard/sign-out", ["csrf": try signed.csrf(overview)])
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }

    @Test(arguments: TestDatabase.engines) func theOverviewShowsWhatTheAPIShows(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await SandboxFlowTests.prepared(api)
            #expect(
                try await api.request(
                    .post,
                    "/v1/subscriptions",
                    key: key,
                    json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#
                )
                .status == .created
            )
            let paid = try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment)
            let paymentID = try #require(paid.string("id"))
            #expect(try await api.request(.post, "/v1/payments/\(paymentID)/refunds", key: key, json: #"{"amount":500}"#).status == .created)
            let declined = #"{"customer":"org_42","amount":700,"currency":"usd","payment_method":"pm_sandbox_declined"}"#
            #expect(try await api.request(.post, "/v1/payments", key: key, json: declined).status.code == 402)
            let (_, signed) = try await Self.signIn(api)
            let browser = try #require(signed)
            let page = try await browser.get("/dashboard").text
            let apps = try await api.admin(.get, "/admin/v1/apps").data
            let appID = try #require(apps.first?["id"] as? String)
            let row = try #require(page.components(separatedBy: "data-app=\"\(appID)\"").dropFirst().first?.components(separatedBy: "</tr>").first)
            func cell(_ key: String) -> String? {
                row.components(separatedBy: "data-k=\"\(key)\">").dropFirst().first?.components(separatedBy: "<").first
            }
            let active = try await api.request(.get, "/v1/subscriptions?status=active", key: key).data.count
            #expect(cell("active") == "\(active)" && active == 1)
            #expect(cell("mrr") == "29.00 USD", "the plan's monthly price")
            #expect(cell("payments") == "1 · 15.00 USD" && cell("refunds") == "1 · 5.00 USD" && cell("failed_payments") == "1", "\(row)")
            #expect(cell("in_grace") == "0" && cell("dead_deliveries") == "0")
            #expect(page.contains("<svg") && page.contains("Payments per day, USD"), "a server-drawn chart")
        }
    }

    @Test(arguments: TestDatabase.engines) func anOperatorFindsACustomerAndRefundsThroughTheConfirmStep(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await SandboxFlowTests.prepared(api)
            let paymentID = try #require(try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment).string("id"))
            let appID = try #require(try await api.admin(.get, "/admin/v1/apps").data.first?["id"] as? String)
            let (_, signed) = try await Self.signIn(api)
            let browser = try #require(signed)

            let found = try await browser.get("/dashboard/apps/\(appID)/customers?q=acm")
            #expect(found.text.contains("/customers/org_42"), "found by name, case-insensitive")
            #expect(!(try await browser.get("/dashboard/apps/\(appID)/customers?q=zzz")).text.contains("/customers/org_42"))
            let customer = try await browser.get("/dashboard/apps/\(appID)/customers/org_42")
            #expect(customer.status == .ok && customer.text.contains(paymentID) && customer.text.contains("15.00 USD"))
            let confirm = try await browser.get("/dashboard/apps/\(appID)/payments/\(paymentID)/refund")
            #expect(confirm.text.contains("Refund payment \(paymentID)"))
            let once = try #require(Browser.field("once", in: confirm.text))
            let fields = ["csrf": try browser.csrf(confirm), "amount": "600", "reason": "requested_by_customer", "once": once]
            let done = try await browser.post("/dashboard/apps/\(appID)/payments/\(paymentID)/refund", fields)
            #expect(done.status == .ok && done.text.contains("6.00 USD"), "\(done.text.prefix(800))")
            // The same form sent again refunds nothing more.
            _ = try await browser.post("/dashboard/apps/\(appID)/payments/\(paymentID)/refund", fields)
            let payment = try await api.request(.get, "/v1/payments/\(paymentID)", key: key)
            #expect(payment.json["amount_refunded"] as? Int == 600, "\(payment.text)")
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=CREATE_REFUND", key: key)
            #expect(audit.data.count == 1 && audit.data.first?["actor_id"] as? String == "admin", "\(audit.text)")
            let shown = try await browser.get("/dashboard/apps/\(appID)/customers/org_42")
            #expect(shown.text.contains("CREATE_REFUND"), "the customer's audit trail shows it")

            // Another app's payment through this app's pages: not found.
            let (otherID, otherKey) = try await api.createApp("other")
            _ = try await api.request(.put, "/v1/customers/org_7", key: otherKey, json: "{}")
            let theirs = try #require(
                try await api.request(
                    .post,
                    "/v1/payments",
                    key: otherKey,
                    json: #"{"customer":"org_7","amount":900,"currency":"usd","payment_method":"pm_sandbox_visa"}"#
                ).string("id")
            )
            #expect(try await browser.get("/dashboard/apps/\(appID)/payments/\(theirs)/refund").status == .notFound)
            #expect(try await browser.get("/dashboard/apps/\(appID)/customers/org_7").status == .notFound)
            #expect(try await browser.get("/dashboard/apps/\(otherID)/customers/org_7").status == .ok)
        }
    }

    @Test(arguments: TestDatabase.engines) func verifyShowsTheFirstBrokenLink(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            _ = try await SandboxFlowTests.prepared(api)
            let appID = try #require(try await api.admin(.get, "/admin/v1/apps").data.first?["id"] as? String)
            try await api.store.auditSealer.sealPending()
            let (_, signed) = try await Self.signIn(api)
            let browser = try #require(signed)
            let page = try await browser.get("/dashboard/audit?app=\(appID)")
            #expect(page.text.contains("<td>CREATE_APP</td>") && page.text.contains("<td>CREATE_CUSTOMER</td>"))
            let intact = try await browser.post("/dashboard/audit/verify", ["csrf": try browser.csrf(page), "app": appID])
            #expect(intact.text.contains("The chain verifies"), "\(intact.text.suffix(1200))")
            try await api.store.backend.transaction { db in
                try await db.raw("UPDATE audit_logs SET payload_snapshot = '{}' WHERE app_id = \(bind: appID) AND sequence = 2").run()
            }
            let broken = try await browser.post("/dashboard/audit/verify", ["csrf": try browser.csrf(page), "app": appID])
            #expect(broken.text.contains("Broken at entry 2"), "\(broken.text.suffix(1200))")
        }
    }

    @Test(arguments: TestDatabase.engines) func cancelResolveAndRetryGoThroughTheServicesAsAdmin(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await SandboxFlowTests.prepared(api)
            let appID = try #require(try await api.admin(.get, "/admin/v1/apps").data.first?["id"] as? String)
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            let subscriptionID = try #require(subscription.string("id"))
            #expect(try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#).status == .ok)
            let grace = try #require(try await api.request(.get, "/v1/grace-periods?status=open", key: key).data.first?["id"] as? String)
            let (_, signed) = try await Self.signIn(api)
            let browser = try #require(signed)
            let customer = try await browser.get("/dashboard/apps/\(appID)/customers/org_42")
            #expect(customer.text.contains("/grace-periods/\(grace)/resolve") && customer.text.contains("/subscriptions/\(subscriptionID)/cancel"))
            #expect(customer.text.contains("in_grace"), "the billing summary's status")

            // Resolve the grace period, with a reason.
            let confirmResolve = try await browser.get("/dashboard/apps/\(appID)/grace-periods/\(grace)/resolve")
            let resolved = try await browser.post(
                "/dashboard/apps/\(appID)/grace-periods/\(grace)/resolve",
                ["csrf": try browser.csrf(confirmResolve), "reason": "paid by bank transfer"]
            )
            #expect(resolved.text.contains("is resolved"), "\(resolved.text.suffix(600))")
            let period = try #require(try await api.request(.get, "/v1/grace-periods?status=resolved", key: key).data.first)
            #expect(period["id"] as? String == grace && period["resolution"] as? String == "paid by bank transfer", "\(period)")

            // Cancel at the period's end (the default choice).
            let confirmCancel = try await browser.get("/dashboard/apps/\(appID)/subscriptions/\(subscriptionID)/cancel")
            #expect(confirmCancel.text.contains("value=\"period_end\" checked"))
            let canceled = try await browser.post(
                "/dashboard/apps/\(appID)/subscriptions/\(subscriptionID)/cancel",
                ["csrf": try browser.csrf(confirmCancel), "when": "period_end"]
            )
            #expect(canceled.text.contains("cancels at the end of its period"), "\(canceled.text.suffix(600))")
            #expect(try await api.request(.get, "/v1/subscriptions/\(subscriptionID)", key: key).json["cancel_at_period_end"] as? Bool == true)

            // A dead delivery, sent again.
            _ = try await api.request(
                .post,
                "/v1/webhook-endpoints",
                key: key,
                json: #"{"url":"http://127.0.0.1:9/hooks","events":["customer.updated"]}"#
            )
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"Acme Ltd"}"#)
            // Sent once; then, as if every attempt of its schedule had failed, dead.
            #expect(try await api.services.deliveries.deliverDue() == 1)
            try await api.store.backend.transaction { db in
                try await db.raw("UPDATE event_deliveries SET status = 'dead', attempts = 13, next_attempt_at = NULL WHERE app_id = \(bind: appID)")
                    .run()
            }
            let overview = try await browser.get("/dashboard")
            #expect(overview.text.contains("data-k=\"dead_deliveries\">1<"), "the overview counts it")
            let dead = try await browser.get("/dashboard/deliveries?app=\(appID)")
            let delivery = try #require(dead.text.components(separatedBy: "data-delivery=\"").dropFirst().first?.prefix { $0 != "\"" })
            let confirmRetry = try await browser.get("/dashboard/apps/\(appID)/deliveries/\(delivery)/retry")
            let retried = try await browser.post("/dashboard/apps/\(appID)/deliveries/\(delivery)/retry", ["csrf": try browser.csrf(confirmRetry)])
            #expect(retried.text.contains("is pending"), "\(retried.text.suffix(600))")
            #expect(try await api.request(.get, "/v1/event-deliveries/\(delivery)", key: key).string("status") == "pending")

            for action in ["RESOLVE_GRACE_PERIOD", "CANCEL_SUBSCRIPTION", "RETRY_EVENT_DELIVERY"] {
                let audit = try await api.request(.get, "/v1/audit-logs?action_type=\(action)", key: key)
                #expect(audit.data.first?["actor_id"] as? String == "admin", "\(action): \(audit.text)")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func eventsUsageAndAFailedProviderEventReprocessed(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await UsageTests.prepared(api).key
            let appID = try #require(try await api.admin(.get, "/admin/v1/apps").data.first?["id"] as? String)
            let plan = try await api.request(.post, "/v1/plans", key: key, json: HybridBillingTests.scalePlan)
            #expect(plan.status == .created, "\(plan.text)")
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"scale","price":"base","payment_method":"pm_sandbox_visa"}"#
            )
            #expect(subscription.status == .created, "\(subscription.text)")
            #expect(
                try await api.request(
                    .post,
                    "/v1/usage-events",
                    key: key,
                    json: #"{"id":"c1","customer":"org_42","metric":"api_calls","value":1500}"#
                ).status == .created
            )
            try await api.services.inbox.settle()
            let (_, signed) = try await Self.signIn(api)
            let browser = try #require(signed)

            // Usage this period, against what the plan includes.
            let customer = try await browser.get("/dashboard/apps/\(appID)/customers/org_42")
            let usage = try #require(
                customer.text.components(separatedBy: "id=\"usage\"").dropFirst().first?.components(separatedBy: "</table>").first
            )
            #expect(usage.contains("<td>api_calls</td><td>1500</td>"), "\(usage)")

            // The outbound stream, by type.
            let events = try await browser.get("/dashboard/events?app=\(appID)&type=subscription.created")
            #expect(events.text.contains("<td>subscription.created</td>") && !events.text.contains("<td>customer.created</td>"))

            // A provider event that failed: listed with its error, processed again on request.
            let failed = try await api.store.read { session in
                try await session.providerEvents(app: App.ID(rawValue: appID), status: nil, try PageRequest(limit: 1)).data.first
            }
            let event = try #require(failed)
            try await api.store.backend.transaction { db in
                try await db.raw(
                    "UPDATE provider_events SET status = 'failed', last_error = 'boom: the provider did not answer' WHERE id = \(bind: event.id.rawValue)"
                ).run()
            }
            let overview = try await browser.get("/dashboard")
            #expect(overview.text.contains("data-k=\"failed_events\">1<"))
            let listed = try await browser.get("/dashboard/provider-events?app=\(appID)")
            #expect(listed.text.contains("data-provider-event=\"\(event.id.rawValue)\"") && listed.text.contains("boom: the provider did not answer"))
            let confirm = try await browser.get("/dashboard/apps/\(appID)/provider-events/\(event.id.rawValue)/reprocess")
            let done = try await browser.post(
                "/dashboard/apps/\(appID)/provider-events/\(event.id.rawValue)/reprocess",
                ["csrf": try browser.csrf(confirm)]
            )
            #expect(done.text.contains("queued to be processed again"), "\(done.text.suffix(600))")
            try await api.services.inbox.settle()
            let after = try await api.store.read {
                try await $0.providerEvents(app: App.ID(rawValue: appID), status: .failed, try PageRequest(limit: 5)).data
            }
            #expect(after.isEmpty, "processed again, and it went through")
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=REPROCESS_PROVIDER_EVENT", key: key)
            #expect(audit.data.first?["actor_id"] as? String == "admin" && audit.data.first?["target_id"] as? String == event.id.rawValue)
            // Another app's event is not this app's to reprocess.
            let (otherID, _) = try await api.createApp("other")
            let theirs = try await browser.post(
                "/dashboard/apps/\(otherID)/provider-events/\(event.id.rawValue)/reprocess",
                ["csrf": try browser.csrf(confirm)]
            )
            #expect(theirs.status == .notFound)
        }
    }

    /// Every page asks for the session; every form for its token; what customers type is text.
    @Test func everyPageNeedsTheSessionEveryFormItsTokenAndNamesAreText() async throws {
        try await TestAPI.run(.sqlite) { api in
            let key = try await SandboxFlowTests.prepared(api)
            let appID = try #require(try await api.admin(.get, "/admin/v1/apps").data.first?["id"] as? String)
            let paymentID = try #require(try await api.request(.post, "/v1/payments", key: key, json: CrashSafetyTests.payment).string("id"))
            let pages = [
                "/dashboard", "/dashboard/apps", "/dashboard/apps/\(appID)", "/dashboard/apps/\(appID)/customers?q=a",
                "/dashboard/apps/\(appID)/customers/org_42", "/dashboard/apps/\(appID)/payments/\(paymentID)/refund",
                "/dashboard/apps/\(appID)/subscriptions/sub_1/cancel", "/dashboard/apps/\(appID)/grace-periods/grace_1/resolve",
                "/dashboard/apps/\(appID)/deliveries/dlv_1/retry", "/dashboard/apps/\(appID)/keys/key_1/revoke",
                "/dashboard/apps/\(appID)/provider-events/pev_1/reprocess", "/dashboard/audit", "/dashboard/deliveries", "/dashboard/events",
                "/dashboard/provider-events",
            ]
            for page in pages {
                let reply = try await api.request(.get, page)
                #expect(reply.status == .seeOther && reply.headers[.location] == "/dashboard/sign-in", "\(page)")
            }
            let forms = [
                "/dashboard/sign-out", "/dashboard/apps", "/dashboard/apps/\(appID)/settings", "/dashboard/apps/\(appID)/keys",
                "/dashboard/apps/\(appID)/keys/key_1/revoke", "/dashboard/apps/\(appID)/payments/\(paymentID)/refund",
                "/dashboard/apps/\(appID)/subscriptions/sub_1/cancel", "/dashboard/apps/\(appID)/grace-periods/grace_1/resolve",
                "/dashboard/apps/\(appID)/deliveries/dlv_1/retry", "/dashboard/apps/\(appID)/provider-events/pev_1/reprocess",
                "/dashboard/audit/verify",
            ]
            for form in forms {
                let reply = try await api.request(.post, form, json: "x=1", headers: [.contentType: "application/x-www-form-urlencoded"])
                #expect(reply.status == .seeOther && reply.headers[.location] == "/dashboard/sign-in", "\(form) without a session")
            }
            let (_, signed) = try await Self.signIn(api)
            let browser = try #require(signed)
            for form in forms {
                let reply = try await browser.post(form, ["csrf": "0123", "app": appID, "name": "x", "mode": "test"])
                #expect(reply.status == .forbidden && reply.text.contains("csrf_token_invalid"), "\(form) without the token: \(reply.status)")
            }
            #expect(try await api.request(.get, "/v1/payments/\(paymentID)", key: key).json["amount_refunded"] as? Int == 0)

            // A customer's name with markup in it is shown as text.
            _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"<script>alert(1)</script><b>Acme</b>"}"#)
            for page in ["/dashboard/apps/\(appID)/customers?q=script", "/dashboard/apps/\(appID)/customers/org_42"] {
                let text = try await browser.get(page).text
                #expect(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Acme&lt;/b&gt;") && !text.contains("<script>alert"), "\(page)")
            }
        }
    }

    /// Keys are issued (shown once) and revoked behind a confirm step; lists page with the API's
    /// cursors; the audit log filters.
    @Test func keysPagesAndFilters() async throws {
        try await TestAPI.run(.sqlite) { api in
            let (appID, key) = try await api.createApp()
            let (_, signed) = try await Self.signIn(api)
            let browser = try #require(signed)
            let app = try await browser.get("/dashboard/apps/\(appID)")
            let issued = try await browser.post("/dashboard/apps/\(appID)/keys", ["csrf": try browser.csrf(app), "kind": "secret"])
            let secret = try #require(issued.text.components(separatedBy: "<code id=\"new-key\">").dropFirst().first?.prefix { $0 != "<" })
            #expect(secret.hasPrefix("sk_test_") && issued.text.contains("shown this once"))
            #expect(try await api.request(.get, "/v1/customers", key: String(secret)).status == .ok, "the new key works")
            #expect(!(try await browser.get("/dashboard/apps/\(appID)")).text.contains(String(secret)), "and is not shown again")
            let keys = try await api.admin(.get, "/admin/v1/apps/\(appID)/keys").data
            let newest = try #require(keys.first { ($0["expires_at"] as? String) == nil && $0["kind"] as? String == "secret" }?["id"] as? String)
            let confirm = try await browser.get("/dashboard/apps/\(appID)/keys/\(newest)/revoke")
            #expect(confirm.text.contains("Revoke key \(newest)"))
            let revoked = try await browser.post("/dashboard/apps/\(appID)/keys/\(newest)/revoke", ["csrf": try browser.csrf(confirm)])
            #expect(revoked.text.contains("Key \(newest) revoked."))
            #expect(try await api.request(.get, "/v1/customers", key: String(secret)).errorCode == "api_key_revoked")

            // Customers page by page, 50 at a time, with the API's cursor.
            for index in 0..<55 { _ = try await api.request(.put, "/v1/customers/org_\(index)", key: key, json: "{}") }
            let first = try await browser.get("/dashboard/apps/\(appID)/customers")
            #expect(first.text.components(separatedBy: "<tr><td><a href=").count - 1 == 50)
            let next = try #require(
                first.text.components(separatedBy: "href=\"/dashboard/apps/\(appID)/customers?q=&amp;starting_after=").dropFirst().first?.prefix {
                    $0 != "\""
                }
            )
            let second = try await browser.get("/dashboard/apps/\(appID)/customers?starting_after=\(next)")
            #expect(second.text.components(separatedBy: "<tr><td><a href=").count - 1 == 5 && !second.text.contains("Next page"))

            // Settings: the name and the default grace period, through the apps service.
            let settings = try await browser.post(
                "/dashboard/apps/\(appID)/settings",
                ["csrf": try browser.csrf(app), "name": "Trucking EU", "grace_period_days": "10"]
            )
            #expect(settings.text.contains("Saved."))
            let stored = try await api.admin(.get, "/admin/v1/apps/\(appID)")
            #expect(stored.string("name") == "Trucking EU" && stored.json["grace_period_days"] as? Int == 10, "\(stored.text)")
            let badGrace = try await browser.post(
                "/dashboard/apps/\(appID)/settings",
                ["csrf": try browser.csrf(app), "name": "x", "grace_period_days": "ten"]
            )
            #expect(badGrace.status == .badRequest && badGrace.text.contains("grace_period_days"))

            // A live app no provider serves stands out, on the overview and on its page.
            let (liveID, _) = try await api.createApp("Live one", mode: "live")
            let overview = try await browser.get("/dashboard")
            let liveRow = try #require(overview.text.components(separatedBy: "data-app=\"\(liveID)\"").first?.components(separatedBy: "<tr").last)
            #expect(liveRow.contains("class=\"attention\""), "\(liveRow)")
            #expect(overview.text.contains("none: configure a provider"))
            #expect(try await browser.get("/dashboard/apps/\(liveID)").text.contains("<tr class=\"attention\"><td>sandbox</td><td>no</td>"))

            // Customers by external id and by email too.
            _ = try await api.request(.put, "/v1/customers/org_7", key: key, json: #"{"name":"Seven","email":"ap@seven.test"}"#)
            #expect(try await browser.get("/dashboard/apps/\(appID)/customers?q=SEVEN.TEST").text.contains("/customers/org_7\""))
            #expect(try await browser.get("/dashboard/apps/\(appID)/customers?q=org_7").text.contains("/customers/org_7\""))

            // The audit log by action.
            let filtered = try await browser.get("/dashboard/audit?app=\(appID)&action=ROTATE_KEY")
            let rows = filtered.text.components(separatedBy: "<td>ROTATE_KEY</td>").count - 1
            #expect(rows == 1 && !filtered.text.contains("<td>CREATE_CUSTOMER</td>") && !filtered.text.contains("<td>CREATE_APP</td>"), "\(rows)")
        }
    }
}
