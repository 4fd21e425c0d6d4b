import Foundation
import HTTPTypes
import PaymentsDomain
import PaymentsHTTP
import PaymentsStore
import Testing

/// Another app's objects answer exactly as objects that do not exist.
@Suite struct TenancyTests {
    @Test(arguments: TestDatabase.engines) func everyAppRouteHidesAnotherAppsObjects(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (ownerAppID, ownerKey) = try await api.createApp("owner")
            let (_, otherKey) = try await api.createApp("other")
            let endpoint = try await api.request(.post, "/v1/webhook-endpoints", key: ownerKey, json: #"{"url":"http://127.0.0.1:9/hook"}"#)
            #expect(endpoint.status == .created)
            let customer = try await api.request(.put, "/v1/customers/org_secret", key: ownerKey, json: #"{"name":"Secret"}"#)
            _ = try await api.request(.put, "/v1/customers/org_42", key: ownerKey, json: "{}")
            _ = try await api.request(.post, "/v1/plans", key: ownerKey, json: SandboxFlowTests.plan)
            #expect(
                try await api.request(.put, "/v1/customers/org_secret/entitlements/sso", key: ownerKey, json: #"{"enabled":true,"reason":"deal"}"#)
                    .status == .created
            )
            #expect(
                try await api.request(.put, "/v1/entitlements/features/sso", key: ownerKey, json: #"{"user_roles":["admin"]}"#).status == .created
            )
            let metric = try await api.request(
                .post,
                "/v1/metrics",
                key: ownerKey,
                json: #"{"key":"owner_calls","name":"Calls","aggregation":"sum"}"#
            )
            #expect(metric.status == .created)
            let payment = try await api.request(
                .post,
                "/v1/payments",
                key: ownerKey,
                json: #"{"customer":"org_42","amount":100,"currency":"usd","payment_method":"pm_sandbox_visa"}"#
            )
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: ownerKey,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#
            )
            let checkout = try await api.request(
                .post,
                "/v1/checkout-sessions",
                key: ownerKey,
                json: #"{"customer":"org_42","mode":"payment","plan":"pro","success_url":"https://app.test/ok"}"#
            )
            let invoice = try await api.request(
                .post,
                "/v1/invoices",
                key: ownerKey,
                json: #"{"customer":"org_42","currency":"usd","lines":[{"description":"Haul","unit_amount":5000}]}"#
            )
            #expect(invoice.status == .created)
            let invoiceLine = try #require((invoice.json["lines"] as? [[String: Any]])?.first?["id"] as? String)
            // A failed renewal opens a grace period for the owner's customer.
            let failing = try await api.request(
                .post,
                "/v1/subscriptions",
                key: ownerKey,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            #expect(failing.status == .created)
            _ = try await api.request(.post, "/v1/test-clock/advance", key: ownerKey, json: #"{"seconds":2764800}"#)
            let grace = try #require(try await api.request(.get, "/v1/grace-periods", key: ownerKey).data.first.map { TestAPI.Reply.object($0) })
            let event = try #require(try await api.request(.get, "/v1/events", key: ownerKey).data.first.map { TestAPI.Reply.object($0) })
            let delivery = try #require(
                try await api.request(.get, "/v1/event-deliveries", key: ownerKey).data.first.map { TestAPI.Reply.object($0) }
            )
            let ownerApp = try await api.services.apps.get(App.ID(rawValue: ownerAppID))
            let run = try #require(try await api.services.drift.run(app: ownerApp, since: nil, fix: false, origin: .system))
            // One real id of the owner's for each path parameter an app route takes, and one of
            // the same shape that exists nowhere.
            func ownerID(_ route: RouteTable.Entry, _ name: String) throws -> (String, String)? {
                switch (name, route.path.split(separator: "/")[1]) {
                case ("external_id", _): return ("org_secret", "org_missing")
                case ("key", "plans"): return ("pro", "missing_plan")
                case ("key", "metrics"): return ("owner_calls", "missing_metric")
                case ("metric", _): return ("owner_calls", "missing_metric")
                case ("id", "payments"): return (try #require(payment.string("id")), "pay_01m8000000000000000000000a")
                case ("id", "subscriptions"): return (try #require(subscription.string("id")), "sub_01m8000000000000000000000a")
                case ("id", "checkout-sessions"): return (try #require(checkout.string("id")), "cs_01m8000000000000000000000a")
                case ("id", "grace-periods"): return (try #require(grace.string("id")), "grace_01m8000000000000000000000a")
                case ("id", "webhook-endpoints"): return (try #require(endpoint.string("id")), "we_01m8000000000000000000000a")
                case ("id", "events"): return (try #require(event.string("id")), "evt_01m8000000000000000000000a")
                case ("id", "event-deliveries"): return (try #require(delivery.string("id")), "dlv_01m8000000000000000000000a")
                case ("id", "invoices"): return (try #require(invoice.string("id")), "inv_01m8000000000000000000000a")
                case ("id", "reconciliation-runs"): return (run.id.rawValue, "rcr_01m8000000000000000000000a")
                case ("line_id", "invoices"): return (invoiceLine, "il_01m8000000000000000000000a")
                case ("feature", "customers"): return ("sso", "missing_feature")
                case ("feature", "entitlements"): return ("sso", "missing_feature")
                case ("provider", _): return nil  // a provider name, not an object: checked below
                default: return nil
                }
            }

            let appRoutes = api.table.routes.filter { $0.path.hasPrefix("/v1/") }
            #expect(!appRoutes.isEmpty)
            var checked = 0
            // Reads first: the PUT below creates the other app's own object under the same external id.
            // (Setting a gauge is a PUT that creates nothing: it goes with the reads.)
            // (Setting a gauge or an override of the owner's customer is a PUT that creates nothing in the caller's
            // namespace either: they go with the reads. A feature's rule is checked below.)
            let creates = { (route: RouteTable.Entry) in route.method == "PUT" && route.path == "/v1/customers/{external_id}" }
            let rule = "/v1/entitlements/features/{feature}"
            let ordered = appRoutes.filter { !creates($0) } + appRoutes.filter(creates)
            for route in ordered where route.path.contains("{") && !route.path.contains("{provider}") {
                let parameters = route.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
                var path = route.path
                var missingPath = route.path
                for name in parameters {
                    let (id, missing) = try #require(try ownerID(route, name), "no owner id for {\(name)} of \(route): add one to this test")
                    path = path.replacingOccurrences(of: "{\(name)}", with: id)
                    missingPath = missingPath.replacingOccurrences(of: "{\(name)}", with: missing)
                }
                let method = HTTPRequest.Method(route.method)!
                if route.path == rule {
                    // A rule is the caller's own, by feature: another app's never shows, changes or goes.
                    if method == .put {
                        let reply = try await api.request(method, path, key: otherKey, json: #"{"app_types":["intruder"]}"#)
                        #expect(reply.status == .created, "\(route) created the other app's own rule")
                    } else if method == .get {
                        let reply = try await api.request(method, path, key: otherKey)
                        // Its own rule if it made one already, else none: never the owner's.
                        #expect(reply.status == .notFound || reply.text.contains("intruder"), "\(reply.text)")
                        #expect(!reply.text.contains("admin"))
                    } else {
                        #expect(try await api.request(method, missingPath, key: otherKey).status == .notFound)
                    }
                    let owners = try await api.request(.get, path, key: ownerKey)
                    #expect(
                        owners.text.contains(#""user_roles":["admin"]"#) && !owners.text.contains("intruder"),
                        "\(route) touched the owner's rule"
                    )
                } else if creates(route) {
                    // PUT creates in the caller's own namespace: it must never touch the owner's object.
                    let reply = try await api.request(method, path, key: otherKey, json: #"{"name":"Intruder"}"#)
                    #expect(reply.status == .created, "\(route) created the other app's own object")
                    #expect(reply.string("id") != customer.string("id"))
                } else {
                    let body =
                        method == .get || method == .delete
                        ? nil
                        : route.path.contains("/usage")
                            ? #"{"value":1}"#
                            : route.path.contains("/entitlements/")
                                ? #"{"enabled":true,"reason":"x"}"#
                                : route.path.hasSuffix("/mark-paid")
                                    ? #"{"reference":"x"}"# : route.path.hasSuffix("/pay") ? #"{"payment_method":"pm_sandbox_visa"}"# : "{}"
                    let reply = try await api.request(method, path, key: otherKey, json: body)
                    let missing = try await api.request(method, missingPath, key: otherKey, json: body)
                    #expect(reply.status == .notFound, "\(route) answered \(reply.status) to another app")
                    #expect(
                        reply.errorCode == missing.errorCode && reply.status == missing.status,
                        "\(route): another app's id answers like a missing one"
                    )
                }
                checked += 1
            }
            #expect(checked >= 10)
            // The provider account route sets the caller's own account only.
            _ = try await api.request(
                .put,
                "/v1/provider-accounts/stripe",
                key: otherKey,
                json: #"{"secret_key":"sk_test_other0000","webhook_secrets":["whsec_x"]}"#
            )
            let ownerProviders = try await api.request(.get, "/v1/providers", key: ownerKey)
            #expect(!ownerProviders.text.contains("0000"), "another app's account never shows")
            for list in [
                "/v1/payments", "/v1/invoices", "/v1/subscriptions", "/v1/plans", "/v1/metrics", "/v1/grace-periods", "/v1/webhook-endpoints",
                "/v1/event-deliveries",
            ] {
                let reply = try await api.request(.get, list, key: otherKey)
                #expect(reply.status == .ok && reply.data.isEmpty, "\(list) shows only the caller's objects")
            }

            // Checks: the owner's customer does not exist for the other app; its decisions and policy are its own.
            let probe = try await api.request(.post, "/v1/entitlements/check", key: otherKey, json: #"{"customer":"org_42","feature":"sso"}"#)
            let nowhere = try await api.request(.post, "/v1/entitlements/check", key: otherKey, json: #"{"customer":"org_nowhere","feature":"sso"}"#)
            #expect(probe.status == .notFound && probe.errorCode == nowhere.errorCode)
            _ = try await api.request(.post, "/v1/entitlements/check", key: ownerKey, json: #"{"customer":"org_42","feature":"sso"}"#)
            _ = try await api.request(.patch, "/v1/entitlements/policy", key: otherKey, json: #"{"rollout":"monitor"}"#)
            #expect(try await api.request(.get, "/v1/entitlements/policy", key: ownerKey).string("rollout") == "enforce")
            let decisions = try await api.request(.get, "/v1/entitlements/decisions", key: otherKey)
            #expect(decisions.status == .ok && !decisions.text.contains("org_42") && !decisions.text.contains("sso"), "\(decisions.text)")
            #expect(try await api.request(.get, "/v1/entitlements/features", key: otherKey).text.contains("admin") == false)
            let owner = try await api.request(.get, "/v1/customers/org_secret", key: ownerKey)
            #expect(owner.string("name") == "Secret", "the owner's object is untouched")

            let list = try await api.request(.get, "/v1/customers", key: otherKey)
            #expect(!list.text.contains(customer.string("id")!), "lists show only the caller's objects")
            let events = try await api.request(.get, "/v1/events?limit=100", key: otherKey)
            #expect(events.status == .ok && !events.text.contains(customer.string("id")!), "events show only the caller's own")
            let audit = try await api.request(.get, "/v1/audit-logs", key: otherKey)
            #expect(!audit.text.contains(customer.string("id")!), "the audit log shows only the caller's entries")
        }
    }

    @Test(arguments: TestDatabase.engines) func theAppComesFromTheKeyNeverFromTheRequest(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (ownerID, _) = try await api.createApp("owner")
            let (_, otherKey) = try await api.createApp("other")
            let reply = try await api.request(.put, "/v1/customers/org_1", key: otherKey, json: #"{"app_id":"\#(ownerID)"}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.errorParam == "app_id")
            let query = try await api.request(.get, "/v1/customers?app_id=\(ownerID)", key: otherKey)
            #expect(query.status == .badRequest && query.errorParam == "app_id")
        }
    }
}
