import Foundation
import Logging
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import PaymentsWorkers
import ServiceLifecycle
import Testing

/// Overrides, the policy and rules, what monitor mode reports, and a cache that never answers
/// from before a change: on this instance at once, on another within a second.
@Suite struct EntitlementTests {
    /// An app with `org_42` on plan `pro` (sso and exports, 10 seats, 100 api_calls), paid.
    static func subscribed(_ api: TestAPI, paymentMethod: String = "pm_sandbox_visa") async throws -> String {
        let key = try await SandboxFlowTests.prepared(api)
        for metric in [#"{"key":"seats","name":"Seats","aggregation":"last"}"#, #"{"key":"api_calls","name":"Calls","aggregation":"sum"}"#] {
            #expect(try await api.request(.post, "/v1/metrics", key: key, json: metric).status == .created)
        }
        let limits = try await api.request(.patch, "/v1/plans/pro", key: key, json: #"{"limits":{"seats":10,"api_calls":100}}"#)
        #expect(limits.status == .ok, "\(limits.text)")
        // A bigger plan: what pro lacks is known to the app, not in the customer's plan.
        let max = try await api.request(
            .post,
            "/v1/plans",
            key: key,
            json:
                #"{"key":"max","name":"Max","features":["sso","exports","audit_log"],"prices":[{"key":"m","type":"recurring","amount":9900,"currency":"usd","interval":"month"}]}"#
        )
        #expect(max.status == .created, "\(max.text)")
        let subscription = try await api.request(
            .post,
            "/v1/subscriptions",
            key: key,
            json: #"{"customer":"org_42","plan":"pro","payment_method":"\#(paymentMethod)"}"#
        )
        #expect(subscription.string("status") == "active", "\(subscription.text)")
        return key
    }

    static func check(_ api: TestAPI, _ key: String, _ feature: String, _ extra: String = "") async throws -> TestAPI.Reply {
        let reply = try await api.request(.post, "/v1/entitlements/check", key: key, json: #"{"customer":"org_42","feature":"\#(feature)"\#(extra)}"#)
        #expect(reply.status == .ok, "\(reply.text)")
        return reply
    }

    @Test(arguments: TestDatabase.engines) func overridesAreAuditedAnnouncedAndRefusedWhenBad(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.subscribed(api)
            #expect(try await Self.check(api, key, "audit_export").string("reason") == "feature_unknown")
            let path = "/v1/customers/org_42/entitlements/audit_export"
            let created = try await api.request(.put, path, key: key, json: #"{"enabled":true,"reason":"Enterprise pilot"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created["enabled"] as? Bool == true && created.string("reason") == "Enterprise pilot" && created["deleted"] as? Bool == false)
            #expect(try await Self.check(api, key, "audit_export").string("reason") == "override_granted")
            let replaced = try await api.request(.put, path, key: key, json: #"{"enabled":false,"reason":"Pilot over"}"#)
            #expect(replaced.status == .ok)
            #expect(try await Self.check(api, key, "audit_export")["allowed"] as? Bool == false)
            #expect(try await api.request(.get, path, key: key).string("reason") == "Pilot over")

            let audit = try await api.request(.get, "/v1/audit-logs?action_type=SET_ENTITLEMENT_OVERRIDE", key: key)
            #expect(audit.data.count == 2)
            let snapshot = audit.data.first?["payload_snapshot"] as? [String: Any]
            #expect(snapshot?["enabled"] as? Bool == false && (snapshot?["before"] as? [String: Any])?["enabled"] as? Bool == true)
            let changed = try await api.request(.get, "/v1/events?type=entitlements.changed", key: key)
            let latest = (changed.data.first?["data"] as? [String: Any])?["object"] as? [String: Any]
            let features = latest?["features"] as? [[String: Any]] ?? []
            #expect(features.first { $0["feature"] as? String == "audit_export" }?["reason"] as? String == "override_revoked", "\(changed.text)")

            let deleted = try await api.request(.delete, path, key: key)
            #expect(deleted.status == .ok && deleted["deleted"] as? Bool == true)
            #expect(try await api.request(.get, path, key: key).errorCode == "entitlement_override_not_found")
            #expect(try await api.request(.delete, path, key: key).status == .notFound)
            #expect(try await api.request(.get, "/v1/audit-logs?action_type=DELETE_ENTITLEMENT_OVERRIDE", key: key).data.count == 1)
            #expect(try await Self.check(api, key, "audit_export").string("reason") == "feature_unknown")

            // Bad input: a clear 400 naming the parameter, nothing written.
            let bad: [(String, String, String)] = [
                (path, #"{"enabled":true}"#, "reason"),
                (path, #"{"reason":"nothing"}"#, "enabled"),
                (path, #"{"enabled":true,"reason":"x","expires_at":1000}"#, "expires_at"),
                (path, #"{"limit":-1,"reason":"x"}"#, "limit"),
                (path, #"{"enabled":"yes","reason":"x"}"#, "enabled"),
                ("/v1/customers/org_42/entitlements/bad%20key", #"{"enabled":true,"reason":"x"}"#, "feature"),
            ]
            for (target, body, param) in bad {
                let reply = try await api.request(.put, target, key: key, json: body)
                #expect(reply.status == .badRequest && reply.errorParam == param, "\(body): \(reply.text)")
            }
            #expect(
                try await api.request(.put, "/v1/customers/org_nobody/entitlements/sso", key: key, json: #"{"enabled":true,"reason":"x"}"#).status
                    == .notFound
            )
            let checks: [(String, String)] = [
                (#"{"customer":"org_42"}"#, "feature"),
                (#"{"customer":"org_42","feature":"sso","quantity":-1}"#, "quantity"),
                (#"{"customer":"org_42","feature":"sso","context":{"user_role":""}}"#, "context[user_role]"),
                (#"{"customer":"org_42","feature":"sso","context":{"tenant":"other"}}"#, "context[tenant]"),
                (#"{"customer":"org_42","feature":"sso","app_id":"app_x"}"#, "app_id"),
            ]
            for (body, param) in checks {
                let reply = try await api.request(.post, "/v1/entitlements/check", key: key, json: body)
                #expect(reply.status == .badRequest && reply.errorParam == param, "\(body): \(reply.text)")
            }
            #expect(
                try await api.request(.post, "/v1/entitlements/check", key: key, json: #"{"customer":"org_nobody","feature":"sso"}"#).status
                    == .notFound
            )
        }
    }

    @Test(arguments: TestDatabase.engines) func theNextCheckSeesEachChange(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.subscribed(api, paymentMethod: "pm_sandbox_fails_later")
            let events = { try await api.request(.get, "/v1/events?type=entitlements.changed&limit=100", key: key).data.count }
            // Warm: answered from the cache from now on.
            #expect(try await Self.check(api, key, "exports").string("reason") == "included_in_plan")
            #expect(try await Self.check(api, key, "exports").string("reason") == "included_in_plan")

            // A plan change.
            var announced = try await events()
            #expect(try await api.request(.patch, "/v1/plans/pro", key: key, json: #"{"features":["sso"]}"#).status == .ok)
            #expect(try await Self.check(api, key, "exports").string("reason") == "not_in_plan")
            #expect(try await events() == announced + 1, "the plan's subscriber hears of it")

            // A new plan makes its features known to the app; a new metric makes a limit count usage.
            #expect(try await Self.check(api, key, "webhooks").string("reason") == "feature_unknown")
            let team = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json:
                    #"{"key":"team","name":"Team","features":["webhooks"],"prices":[{"key":"m","type":"recurring","amount":500,"currency":"usd","interval":"month"}]}"#
            )
            #expect(team.status == .created)
            #expect(try await Self.check(api, key, "webhooks").string("reason") == "not_in_plan")
            _ = try await api.request(.patch, "/v1/plans/pro", key: key, json: #"{"limits":{"seats":10,"api_calls":100,"projects":2}}"#)
            _ = try await api.request(.post, "/v1/usage-events", key: key, json: #"{"id":"p0","customer":"org_42","metric":"api_calls","value":1}"#)
            #expect(try await Self.check(api, key, "projects", #","quantity":2"#)["allowed"] as? Bool == true, "no metric: the quantity alone")
            _ = try await api.request(.post, "/v1/metrics", key: key, json: #"{"key":"projects","name":"Projects","aggregation":"last"}"#)
            _ = try await api.request(.put, "/v1/customers/org_42/usage/projects", key: key, json: #"{"value":1}"#)
            #expect(try await Self.check(api, key, "projects", #","quantity":2"#).string("reason") == "limit_exceeded", "now it counts")

            // An override.
            announced = try await events()
            _ = try await api.request(.put, "/v1/customers/org_42/entitlements/sso", key: key, json: #"{"enabled":false,"reason":"abuse"}"#)
            #expect(try await Self.check(api, key, "sso").string("reason") == "override_revoked")
            #expect(try await events() == announced + 1)

            // A quota crossed: 100 calls allowed, 99 used, then 2 more.
            #expect(try await Self.check(api, key, "api_calls", #","quantity":1"#)["allowed"] as? Bool == true)
            _ = try await api.request(.post, "/v1/usage-events", key: key, json: #"{"id":"a","customer":"org_42","metric":"api_calls","value":98}"#)
            let near = try await Self.check(api, key, "api_calls", #","quantity":2"#)
            #expect(near.string("reason") == "limit_exceeded" && near["usage"] as? Double == 99 && near["remaining"] as? Double == 1)
            announced = try await events()
            _ = try await api.request(.post, "/v1/usage-events", key: key, json: #"{"id":"b","customer":"org_42","metric":"api_calls","value":2}"#)
            let over = try await Self.check(api, key, "api_calls", #","quantity":0"#)
            #expect(over.string("reason") == "limit_exceeded" && over["usage"] as? Double == 101, "\(over.text)")
            #expect(try await events() > announced, "the crossing is announced")

            // A seat gauge against its limit.
            _ = try await api.request(.put, "/v1/customers/org_42/usage/seats", key: key, json: #"{"value":10}"#)
            #expect(try await Self.check(api, key, "seats").string("reason") == "limit_exceeded")
            #expect(try await Self.check(api, key, "seats", #","quantity":0"#)["allowed"] as? Bool == true)

            // A failed renewal: past due with a grace period open.
            #expect(try await Self.check(api, key, "seats", #","quantity":0"#)["billing_status"] as? String == "active")
            announced = try await events()
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)
            let afterRenewal = try await api.request(.get, "/v1/events?type=entitlements.changed&limit=1", key: key)
            let latest = (afterRenewal.data.first?["data"] as? [String: Any])?["object"] as? [String: Any]
            #expect(try await events() > announced && latest?["billing_status"] as? String == "in_grace", "the grace period is announced")
            let graced = try await Self.check(api, key, "seats", #","quantity":0"#)
            #expect(graced["billing_status"] as? String == "in_grace" && graced.string("reason") == "in_grace", "\(graced.text)")
            // A new period: the seat gauge, not set in it, holds what it was last set to.
            #expect(graced["usage"] as? Double == 10, "\(graced.text)")
            // The app's policy: no access in grace.
            _ = try await api.request(.patch, "/v1/entitlements/policy", key: key, json: #"{"allowed_statuses":["active","trialing"]}"#)
            let denied = try await Self.check(api, key, "seats", #","quantity":0"#)
            #expect(denied["allowed"] as? Bool == false && denied.string("reason") == "in_grace")
        }
    }

    @Test func aSecondInstanceSeesChangesWithinASecond() async throws {
        try await TestAPI.run(.postgres) { api in
            let key = try await Self.subscribed(api, paymentMethod: "pm_sandbox_fails_later")
            let app = try #require(try await api.store.read { try await $0.apps.list(try PageRequest(limit: 10)).data.first })
            // The second instance: its own store (and so its own change feed) and service over the
            // same database, listening as a server does.
            let elsewhere = Store(backend: api.store.backend, clock: api.clock.clock)
            let other = Entitlements.Service(store: elsewhere, usage: Usage.Service(store: elsewhere, customers: Customers.Service(store: elsewhere)))
            let listening = Task { try await elsewhere.listenForEntitlementChanges() }
            defer { listening.cancel() }
            try await Task.sleep(for: .milliseconds(200))
            func answer(_ feature: String, quantity: Int64 = 1) async throws -> Entitlement.Decision {
                try await other.check(app: app.id, Entitlements.Check(customer: "org_42", feature: feature, quantity: quantity)).decision
            }
            /// How long the second instance takes to answer as `done` says after `change` on the first.
            func seen(
                _ feature: String,
                quantity: Int64 = 1,
                _ done: (Entitlement.Decision) -> Bool,
                after change: () async throws -> Void
            ) async throws -> Duration {
                #expect(!done(try await answer(feature, quantity: quantity)), "\(feature) answered so before the change")  // and cached there
                try await change()
                let start = ContinuousClock.now
                while !done(try await answer(feature, quantity: quantity)) {
                    #expect(ContinuousClock.now - start < .seconds(2), "\(feature) never changed there")
                    if ContinuousClock.now - start > .seconds(2) { break }
                    try await Task.sleep(for: .milliseconds(5))
                }
                return ContinuousClock.now - start
            }
            #expect(try await answer("exports").reason == .includedInPlan)
            // No limit counts usage for now: nothing ages out, only notifications reach there.
            _ = try await api.request(.patch, "/v1/plans/pro", key: key, json: #"{"limits":{"projects":3}}"#)
            let plan = try await seen("exports", { $0.reason == .notInPlan }) {
                _ = try await api.request(.patch, "/v1/plans/pro", key: key, json: #"{"features":["sso"]}"#)
            }
            let override = try await seen("sso", { $0.reason == .overrideRevoked }) {
                _ = try await api.request(.put, "/v1/customers/org_42/entitlements/sso", key: key, json: #"{"enabled":false,"reason":"x"}"#)
            }
            // Usage is not notified (the customer's usage ages out within a second there); crossing a limit is.
            _ = try await api.request(.patch, "/v1/plans/pro", key: key, json: #"{"features":["sso"],"limits":{"api_calls":100,"projects":3}}"#)
            let quota = try await seen("api_calls", quantity: 0, { $0.reason == .limitExceeded }) {
                _ = try await api.request(
                    .post,
                    "/v1/usage-events",
                    key: key,
                    json: #"{"id":"q","customer":"org_42","metric":"api_calls","value":101}"#
                )
            }
            // A failed renewal opens a grace period.
            let grace = try await seen("projects", quantity: 0, { $0.reason == .inGrace }) {
                _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)
            }
            let policy = try await seen("projects", quantity: 0, { !$0.allowed }) {
                _ = try await api.request(.patch, "/v1/entitlements/policy", key: key, json: #"{"allowed_statuses":["active"]}"#)
            }
            // Within the second the issue allows, each: the plan and the override with nothing aging
            // there (only the commit's NOTIFY can have carried them; without it `seen` gives up at 2 s).
            for (what, took) in [("plan", plan), ("override", override), ("quota", quota), ("grace", grace), ("policy", policy)] {
                #expect(took < .seconds(1), "\(what) took \(took) to reach the second instance")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func monitorModeReportsWhatEnforcingWouldDeny(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.subscribed(api)
            _ = try await api.request(.put, "/v1/customers/org_7", key: key, json: "{}")
            let before = api.clock.now
            api.clock.advance(seconds: 10)
            _ = try await api.request(.put, "/v1/customers/org_new", key: key, json: "{}")
            let bad = try await api.request(.patch, "/v1/entitlements/policy", key: key, json: #"{"rollout":"enforce_for_new"}"#)
            #expect(bad.status == .badRequest && bad.errorParam == "enforce_after")
            let policy = try await api.request(
                .patch,
                "/v1/entitlements/policy",
                key: key,
                json: #"{"rollout":"enforce_for_new","enforce_after":"\#(RFC3339.format(before))"}"#
            )
            #expect(policy.status == .ok && policy.string("rollout") == "enforce_for_new", "\(policy.text)")
            // org_7 (older, unsubscribed) is monitored: allowed, but enforcing would deny.
            for _ in 0..<3 {
                let old = try await api.request(.post, "/v1/entitlements/check", key: key, json: #"{"customer":"org_7","feature":"sso"}"#)
                #expect(old["allowed"] as? Bool == true && old.string("mode") == "monitor" && old.string("reason") == "rollout_monitor")
                #expect(old["would_allow"] as? Bool == false && old.string("would_reason") == "no_subscription")
            }
            // org_new (created after the date) is enforced.
            let new = try await api.request(.post, "/v1/entitlements/check", key: key, json: #"{"customer":"org_new","feature":"sso"}"#)
            #expect(new["allowed"] as? Bool == false && new.string("mode") == "enforce" && new.string("reason") == "no_subscription")
            // A feature with its own rule: off (never counted) for exports.
            let rule = try await api.request(.put, "/v1/entitlements/features/exports", key: key, json: #"{"rollout":"off"}"#)
            #expect(rule.status == .created && rule.string("rollout") == "off")
            let off = try await api.request(.post, "/v1/entitlements/check", key: key, json: #"{"customer":"org_7","feature":"exports"}"#)
            #expect(off.string("mode") == "off" && off["allowed"] as? Bool == true && off.string("reason") == "rollout_off")
            _ = try await Self.check(api, key, "sso")  // org_42: allowed, counted

            let report = try await api.request(.get, "/v1/entitlements/decisions", key: key)
            #expect(report.status == .ok, "\(report.text)")
            let features = report["features"] as? [[String: Any]] ?? []
            #expect(features.map { $0["feature"] as? String } == ["sso"], "the gate off counts nothing: \(report.text)")
            let sso = features.first ?? [:]
            #expect(sso["checks"] as? Int == 5 && sso["would_deny"] as? Int == 4 && sso["denied"] as? Int == 1)
            let customers = sso["customers"] as? [[String: Any]] ?? []
            #expect(customers.map { $0["customer"] as? String } == ["org_7", "org_new"])
            #expect(customers.first?["would_deny"] as? Int == 3 && customers.first?["last_reason"] as? String == "no_subscription")
            // A window before the checks is empty; one feature only.
            let earlier = try await api.request(.get, "/v1/entitlements/decisions?to=\(Int(before.timeIntervalSince1970) - 7200)", key: key)
            #expect((earlier["features"] as? [[String: Any]])?.isEmpty == true)
            let one = try await api.request(.get, "/v1/entitlements/decisions?feature=exports", key: key)
            #expect((one["features"] as? [[String: Any]])?.isEmpty == true)
            // The rule is listed, audited, and removed.
            #expect(try await api.request(.get, "/v1/entitlements/features", key: key).text.contains(#""feature":"exports""#))
            #expect(try await api.request(.delete, "/v1/entitlements/features/exports", key: key).status == .ok)
            #expect(try await api.request(.get, "/v1/entitlements/features/exports", key: key).errorCode == "feature_rule_not_found")
            let audit = try await api.request(.get, "/v1/audit-logs?target_type=entitlement_rule", key: key)
            #expect(audit.data.compactMap { $0["action_type"] as? String } == ["DELETE_ENTITLEMENT_RULE", "SET_ENTITLEMENT_RULE"])
            #expect(try await api.request(.get, "/v1/audit-logs?action_type=UPDATE_ENTITLEMENT_POLICY", key: key).data.count == 1)
        }
    }

    @Test(arguments: TestDatabase.engines) func countsBeyondOneStatementAreAllAddedToWhatWasRecorded(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.subscribed(api)
            for name in ["org_7", "org_8"] { _ = try await api.request(.put, "/v1/customers/\(name)", key: key, json: "{}") }
            let app = try #require(try await api.store.read { try await $0.apps.list(try PageRequest(limit: 10)).data.first })
            let customers = try await api.store.read { session in
                try await ["org_42", "org_7", "org_8"].asyncMap {
                    try #require(try await session.customers(app.id).find(externalID: $0, locking: false)).id
                }
            }
            let hour = Date(timeIntervalSince1970: 1_790_000_000 / 3600 * 3600)
            // 3 customers × 401 features: more than two statements' worth (500 counts each).
            var made: [EntitlementRepository.DecisionCount] = []
            for customer in customers {
                for n in 0...400 {
                    let denies = n % 2 == 0
                    made.append(
                        EntitlementRepository.DecisionCount(
                            feature: "feature_\(n)",
                            hour: hour,
                            customerID: customer,
                            checks: Int64(n + 1),
                            wouldDeny: denies ? 1 : 0,
                            denied: 0,
                            lastReason: denies ? "not_in_plan" : nil
                        )
                    )
                }
            }
            let counts = made
            #expect(counts.count > 2 * EntitlementRepository.countsPerStatement)
            try await api.store.recordStatistics(app: app.id) { try await $0.entitlements(app.id).add(counts) }
            // Added again: each row's counts grow by as much, and a reason once recorded stays.
            let again = counts.map { count in
                var count = count
                count.lastReason = nil
                return count
            }
            try await api.store.recordStatistics(app: app.id) { try await $0.entitlements(app.id).add(again) }
            let stored = try await api.store.read { session in
                try await session.entitlements(app.id).decisions(feature: nil, from: hour, to: hour.addingTimeInterval(3600))
            }
            #expect(stored.count == counts.count)
            let byKey = Dictionary(uniqueKeysWithValues: stored.map { ("\($0.count.customerID.rawValue)/\($0.count.feature)", $0.count) })
            for count in counts {
                let recorded = try #require(byKey["\(count.customerID.rawValue)/\(count.feature)"])
                #expect(recorded.checks == 2 * count.checks && recorded.wouldDeny == 2 * count.wouldDeny)
                #expect(recorded.lastReason == count.lastReason)
            }
        }
    }

    @Test func checksCountedInMemoryAreWrittenWhenTheServerStops() async throws {
        try await TestAPI.run(.sqlite) { api in
            let key = try await Self.subscribed(api)
            let app = try #require(try await api.store.read { try await $0.apps.list(try PageRequest(limit: 10)).data.first })
            let entitlements = api.services.entitlements
            // As the server runs it, with a pass far off: only the final pass can write these.
            let worker = PeriodicWorker(name: "entitlement decisions", interval: .seconds(3600), finalPass: true, logger: Logger(label: "test")) {
                try await entitlements.flushDecisions()
            }
            let group = ServiceGroup(services: [worker], logger: Logger(label: "test"))
            let running = Task { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            for _ in 0..<3 { _ = try await Self.check(api, key, "sso") }
            let stored = {
                try await api.store.read { session in
                    try await session.entitlements(app.id).decisions(feature: "sso", from: .distantPast, to: .distantFuture).map(\.count.checks)
                }
            }
            #expect(try await stored() == [], "counted in memory, not yet written")
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(try await stored() == [3], "written as the worker stopped")
        }
    }

    @Test(arguments: TestDatabase.engines) func theCustomerSeesEveryFeatureAtOnce(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.subscribed(api)
            _ = try await api.request(.put, "/v1/customers/org_42/usage/seats", key: key, json: #"{"value":4}"#)
            _ = try await api.request(.put, "/v1/customers/org_42/entitlements/seats", key: key, json: #"{"limit":25,"reason":"deal"}"#)
            _ = try await api.request(.put, "/v1/entitlements/features/sso", key: key, json: #"{"user_roles":["admin"]}"#)
            let all = try await api.request(.get, "/v1/customers/org_42/entitlements", key: key)
            #expect(all.status == .ok && all.string("plan") == "pro" && all.string("billing_status") == "active", "\(all.text)")
            let features = Dictionary(
                uniqueKeysWithValues: (all["features"] as? [[String: Any]] ?? []).map { ($0["feature"] as? String ?? "", $0) }
            )
            #expect(Set(features.keys) == ["api_calls", "exports", "seats", "sso"])
            #expect(features["seats"]?["limit"] as? Int == 25 && features["seats"]?["usage"] as? Double == 4)
            #expect(features["seats"]?["remaining"] as? Double == 21 && features["seats"]?["reason"] as? String == "override_granted")
            #expect(features["sso"]?["allowed"] as? Bool == true && features["sso"]?["user_roles"] as? [String] == ["admin"])
            let summary = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            #expect(summary["features"] as? [String] == ["sso", "exports"] && (summary["limits"] as? [String: Int])?["seats"] == 10)
            #expect(summary.string("entitlements_url") == "/v1/customers/org_42/entitlements")
        }
    }
}
