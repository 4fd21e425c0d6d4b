import Foundation
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

/// For random plans, rules, policies, overrides, contexts, billing states and usage, every check
/// the API answers equals a plain evaluation of the rules written here, apart from the service.
@Suite struct EntitlementPropertyTests {
    /// One customer of the random world, as the reference sees it.
    struct Someone {
        let id: String
        var createdAt = Date.distantPast
        var plan: String?
        var status: Subscription.Status?
        var grace = false
        var overrides: [String: (enabled: Bool?, limit: Int64?, expired: Bool)] = [:]
        var calls = 0.0
        var seats: Double?
        var visits: [String: Double] = [:]
    }

    struct RuleSpec {
        var rollout: String?
        var enforceAfter: Date?
        var roles: [String] = []
        var types: [String] = []
        var perLocation = false
    }

    static let features = ["exports", "sso", "audit", "calls", "seats", "visits", "projects"]
    static let roles = ["admin", "member", "viewer"]
    static let types = ["web", "mobile"]
    static let locations = ["loc_a", "loc_b"]

    @Test(arguments: TestDatabase.engines, [15_2026, 7, 99])
    func everyCheckEqualsAReferenceEvaluation(engine: SQLEngine, seed: UInt64) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await api.createApp()
            let app = App.ID(rawValue: appID)
            var generator = SeededGenerator(seed: seed)
            func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &generator)] }
            func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &generator) < percent }
            func subset(_ values: [String]) -> [String] { values.filter { _ in chance(40) } }

            for metric in [
                #"{"key":"calls","name":"Calls","aggregation":"sum"}"#,
                #"{"key":"seats","name":"Seats","aggregation":"last"}"#,
                #"{"key":"visits","name":"Visits","aggregation":"count"}"#,
            ] {
                #expect(try await api.request(.post, "/v1/metrics", key: key, json: metric).status == .created)
            }
            // Plans: random features, and limits on metrics (calls, seats, visits) and on a limit
            // no metric counts (projects: checked against the quantity alone).
            var plans: [String: (features: Set<String>, limits: [String: Int64])] = [:]
            for index in 0..<5 {
                let features = Set(["exports", "sso", "audit"].filter { _ in chance(50) })
                var limits: [String: Int64] = [:]
                for limit in ["calls", "seats", "visits", "projects"] where chance(60) { limits[limit] = Int64.random(in: 0...12, using: &generator) }
                plans["p\(index)"] = (features, limits)
                let body: [String: Any] = [
                    "key": "p\(index)", "name": "P\(index)", "features": Array(features).sorted(), "limits": limits,
                    "prices": [["key": "m", "type": "recurring", "amount": 1000, "currency": "usd", "interval": "month"]],
                ]
                let created = try await api.request(.post, "/v1/plans", key: key, json: Self.json(body))
                #expect(created.status == .created, "\(created.text)")
            }
            let planKeys = Array(plans.keys)
            let planIDs = try await api.store.read { session in
                var ids: [String: (Plan.ID, Price.ID)] = [:]
                for key in planKeys {
                    let plan = try #require(try await session.plans(app).find(key: key))
                    ids[key] = (plan.id, plan.prices[0].id)
                }
                return ids
            }

            // Customers, half created before the enforce_for_new date and half after.
            var people: [Someone] = []
            var enforceAfter = api.clock.now
            for index in 0..<16 {
                if index == 8 {
                    enforceAfter = api.clock.now
                    api.clock.advance(seconds: 1)
                }
                var someone = Someone(id: "org_\(index)")
                #expect(try await api.request(.put, "/v1/customers/\(someone.id)", key: key, json: "{}").status == .created)
                someone.createdAt = api.clock.now
                api.clock.advance(seconds: 1)
                if chance(80) {
                    someone.plan = pick(Array(plans.keys).sorted())
                    someone.status = pick([.active, .trialing, .pastDue, .canceled, .unpaid, .incomplete])
                }
                someone.grace = chance(30)
                people.append(someone)
            }
            // Subscriptions and grace periods as webhooks would have left them.
            let now = api.clock.now
            let world = people
            try await api.store.write(.system, app: app) { session in
                for someone in world {
                    let customer = try #require(try await session.customers(app).find(externalID: someone.id))
                    if let plan = someone.plan, let status = someone.status, let (planID, priceID) = planIDs[plan] {
                        try await session.subscriptions(app).insert(
                            Subscription(
                                id: session.ids.next(Subscription.self, at: now),
                                appID: app,
                                customerID: customer.id,
                                customerExternalID: someone.id,
                                planID: planID,
                                priceID: priceID,
                                quantity: 1,
                                items: [],
                                status: status,
                                provider: .sandbox,
                                providerSubscriptionID: "sb_\(someone.id)",
                                currentPeriodStart: now.addingTimeInterval(-86_400),
                                currentPeriodEnd: now.addingTimeInterval(86_400 * 29),
                                trialEnd: nil,
                                cancelAtPeriodEnd: false,
                                canceledAt: nil,
                                endedAt: nil,
                                createdAt: now,
                                updatedAt: now
                            )
                        )
                    }
                    if someone.grace {
                        _ = try await session.gracePeriods(app).insert(
                            GracePeriod(
                                id: session.ids.next(GracePeriod.self, at: now),
                                appID: app,
                                customerID: customer.id,
                                customerExternalID: someone.id,
                                subscriptionID: nil,
                                reason: .paymentFailed,
                                status: .open,
                                startsAt: now,
                                endsAt: now.addingTimeInterval(86_400 * 7),
                                closedAt: nil,
                                resolution: nil,
                                createdAt: now,
                                updatedAt: now
                            )
                        )
                    }
                }
                try await session.audit(app, try AuditRecord(action: .updateApp, targetType: .app, targetID: appID, snapshot: ["test": "world"]))
            }

            // Usage, each event as the API took it (refused ones are not counted).
            for index in people.indices {
                for event in 0..<Int.random(in: 0...4, using: &generator) {
                    let value = Double(Int.random(in: 1...5, using: &generator))
                    let reply = try await api.request(
                        .post,
                        "/v1/usage-events",
                        key: key,
                        json: #"{"id":"c\#(index)_\#(event)","customer":"\#(people[index].id)","metric":"calls","value":\#(value)}"#
                    )
                    if reply.status == .created { people[index].calls += value }
                }
                for event in 0..<Int.random(in: 0...5, using: &generator) {
                    let location = pick(Self.locations)
                    let reply = try await api.request(
                        .post,
                        "/v1/usage-events",
                        key: key,
                        json:
                            #"{"id":"v\#(index)_\#(event)","customer":"\#(people[index].id)","metric":"visits","properties":{"location_id":"\#(location)"}}"#
                    )
                    if reply.status == .created { people[index].visits[location, default: 0] += 1 }
                }
                if chance(60) {
                    let seats = Double(Int.random(in: 0...14, using: &generator))
                    let reply = try await api.request(.put, "/v1/customers/\(people[index].id)/usage/seats", key: key, json: #"{"value":\#(seats)}"#)
                    if reply.status == .ok { people[index].seats = seats }
                }
            }

            // Usage past a plan's limit opened grace periods (reason usage_limit): the billing
            // state the checks see is what the API shows.
            let open = try await api.request(.get, "/v1/grace-periods?status=open&limit=100", key: key)
            #expect(open.status == .ok)
            for period in open.data {
                if let index = people.firstIndex(where: { $0.id == period["customer"] as? String }) { people[index].grace = true }
            }

            // Overrides: some granted, some revoked, some a limit alone; some expire below.
            for index in people.indices {
                for feature in Self.features where chance(20) {
                    let enabled: Bool? = pick([true, false, nil])
                    let limit: Int64? = enabled == nil || chance(40) ? Int64.random(in: 0...20, using: &generator) : nil
                    let expiring = chance(30)
                    var body: [String: Any] = ["reason": "deal \(index)"]
                    if let enabled { body["enabled"] = enabled }
                    if let limit { body["limit"] = limit }
                    if expiring { body["expires_at"] = Int(api.clock.now.timeIntervalSince1970) + 30 }
                    let reply = try await api.request(
                        .put,
                        "/v1/customers/\(people[index].id)/entitlements/\(feature)",
                        key: key,
                        json: Self.json(body)
                    )
                    #expect(reply.status == .created, "\(reply.text)")
                    people[index].overrides[feature] = (enabled, limit, expiring)
                }
            }
            // Rules and the policy.
            var rules: [String: RuleSpec] = [:]
            for feature in Self.features where chance(50) {
                var rule = RuleSpec()
                rule.rollout = pick([nil, "off", "monitor", "enforce", "enforce_for_new"])
                if rule.rollout == "enforce_for_new" { rule.enforceAfter = enforceAfter }
                rule.roles = subset(Self.roles)
                rule.types = subset(Self.types)
                rule.perLocation = feature == "visits" && chance(70)
                var body: [String: Any] = ["user_roles": rule.roles, "app_types": rule.types, "per_location": rule.perLocation]
                body["rollout"] = rule.rollout ?? NSNull()
                if let after = rule.enforceAfter { body["enforce_after"] = RFC3339.format(after) }
                let reply = try await api.request(.put, "/v1/entitlements/features/\(feature)", key: key, json: Self.json(body))
                #expect(reply.status == .created, "\(reply.text)")
                rules[feature] = rule
            }
            let policyRollout = pick(["enforce", "monitor", "enforce_for_new"])
            let allowed = Set(BillingStatus.allCases.map(\.rawValue).filter { _ in chance(55) })
            let policy = try await api.request(
                .patch,
                "/v1/entitlements/policy",
                key: key,
                json: Self.json([
                    "rollout": policyRollout, "enforce_after": RFC3339.format(enforceAfter),
                    "allowed_statuses": BillingStatus.allCases.map(\.rawValue).filter(allowed.contains),
                ])
            )
            #expect(policy.status == .ok, "\(policy.text)")
            // The expiring overrides end.
            api.clock.advance(seconds: 60)

            // The known features: those plans name and those with rules.
            var known = Set(rules.keys)
            for plan in plans.values { known.formUnion(plan.features.union(plan.limits.keys)) }

            var compared = 0
            var reasons = Set<String>()
            var modes = Set<String>()
            for _ in 0..<400 {
                let someone = pick(people)
                let feature = pick(Self.features + ["unheard_of"])
                let quantity = Int64.random(in: 0...4, using: &generator)
                var context: [String: Any] = [:]
                if chance(70) { context["user_role"] = pick(Self.roles) }
                if chance(70) { context["app_type"] = pick(Self.types) }
                let rule = rules[feature]
                let location = rule?.perLocation == true || chance(30) ? pick(Self.locations) : nil
                if let location { context["location_id"] = location }
                let reply = try await api.request(
                    .post,
                    "/v1/entitlements/check",
                    key: key,
                    json: Self.json(["customer": someone.id, "feature": feature, "quantity": quantity, "context": context])
                )
                #expect(reply.status == .ok, "\(reply.text)")
                let expected = Self.reference(
                    someone,
                    feature: feature,
                    quantity: quantity,
                    role: context["user_role"] as? String,
                    type: context["app_type"] as? String,
                    location: location,
                    plan: someone.plan.flatMap { plans[$0] },
                    rule: rule,
                    known: known.contains(feature),
                    policy: (policyRollout, enforceAfter, allowed)
                )
                let answer = (
                    reply["allowed"] as? Bool, reply.string("reason"), reply.string("mode"), reply["would_allow"] as? Bool,
                    reply.string("would_reason"), reply["limit"] as? Int, reply["usage"] as? Double
                )
                #expect(
                    answer.0 == expected.allowed && answer.1 == expected.reason && answer.2 == expected.mode
                        && answer.3 == expected.wouldAllow && answer.4 == expected.wouldReason
                        && answer.5 == expected.limit.map(Int.init) && answer.6 == expected.usage,
                    "\(someone.id) \(feature) ×\(quantity) \(context): answered \(reply.text), expected \(expected)"
                )
                compared += 1
                reasons.formUnion([reply.string("reason"), reply.string("would_reason")].compactMap { $0 })
                if let mode = reply.string("mode") { modes.insert(mode) }
            }
            #expect(compared == 400)
            #expect(reasons.count >= 9, "a world that shows few reasons tests little: \(reasons.sorted())")
            #expect(modes.count >= 2, "modes: \(modes.sorted())")
        }
    }

    /// The rules of the issue, evaluated plainly.
    static func reference(
        _ someone: Someone,
        feature: String,
        quantity: Int64,
        role: String?,
        type: String?,
        location: String?,
        plan: (features: Set<String>, limits: [String: Int64])?,
        rule: RuleSpec?,
        known: Bool,
        policy: (rollout: String, enforceAfter: Date, allowed: Set<String>)
    ) -> (allowed: Bool, reason: String, mode: String, wouldAllow: Bool, wouldReason: String, limit: Int64?, usage: Double?) {
        // The billing state.
        let status: String
        switch someone.status {
        case nil: status = someone.grace ? "in_grace" : "none"
        case .active?: status = "active"
        case .trialing?: status = "trialing"
        case .pastDue?, .unpaid?: status = someone.grace ? "in_grace" : "past_due"
        case .incomplete?, .paused?: status = someone.grace ? "in_grace" : "none"
        case .canceled?, .incompleteExpired?: status = "canceled"
        }
        let features = plan?.features ?? []
        let limits = plan?.limits ?? [:]
        let override = someone.overrides[feature].flatMap { $0.expired ? nil : $0 }
        let limit = override?.limit ?? limits[feature]
        var usage: Double?
        if limit != nil {
            switch feature {
            case "calls": usage = someone.calls
            case "seats": usage = someone.seats ?? 0
            case "visits": usage = rule?.perLocation == true ? someone.visits[location ?? "", default: 0] : someone.visits.values.reduce(0, +)
            default: usage = 0
            }
        }
        var verdict: (Bool, String)
        if let rule, !rule.roles.isEmpty, !rule.roles.contains(role ?? "") {
            verdict = (false, "role_not_allowed")
        } else if let rule, !rule.types.isEmpty, !rule.types.contains(type ?? "") {
            verdict = (false, "app_type_not_allowed")
        } else if override?.enabled == false {
            verdict = (false, "override_revoked")
        } else if override?.enabled != true && !known && override == nil {
            verdict = (false, "feature_unknown")
        } else if override?.enabled != true && !policy.allowed.contains(status) {
            let reasons = [
                "none": "no_subscription", "past_due": "payment_past_due", "in_grace": "in_grace", "canceled": "subscription_canceled",
            ]
            verdict = (false, reasons[status] ?? "billing_status_denied")
        } else if override?.enabled != true && !features.contains(feature) && limits[feature] == nil && override?.limit == nil {
            verdict = (false, "not_in_plan")
        } else if let limit, (usage ?? 0) + Double(quantity) > Double(limit) {
            verdict = (false, "limit_exceeded")
        } else if override?.enabled == true || override?.limit != nil {
            verdict = (true, "override_granted")
        } else {
            verdict = (true, status == "in_grace" ? "in_grace" : "included_in_plan")
        }
        // The rollout: the feature's own, else the app's.
        let rollout = rule?.rollout ?? policy.rollout
        let after = rule?.rollout != nil ? rule?.enforceAfter : policy.enforceAfter
        let mode: String
        switch rollout {
        case "off": mode = "off"
        case "monitor": mode = "monitor"
        case "enforce_for_new": mode = someone.createdAt > (after ?? .distantPast) ? "enforce" : "monitor"
        default: mode = "enforce"
        }
        let allowed = mode == "enforce" ? verdict.0 : true
        let reason = verdict.0 || mode == "enforce" ? verdict.1 : mode == "monitor" ? "rollout_monitor" : "rollout_off"
        return (allowed, reason, mode, verdict.0, verdict.1, limit, usage)
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
