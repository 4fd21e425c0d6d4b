import Foundation
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

/// Usage events in, usage read back: dedupe for ever, refusals with the parameter named, batches
/// event by event, aggregations, prices and tiers, closed periods, gauges.
@Suite struct UsageTests {
    /// An app with customer `org_42` and metrics of every aggregation.
    static func prepared(_ api: TestAPI) async throws -> (appID: String, key: String) {
        let (appID, key) = try await api.createApp()
        #expect(try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"Acme"}"#).status == .created)
        for metric in [
            #"{"key":"api_calls","name":"API calls","aggregation":"sum"}"#,
            #"{"key":"messages","name":"Messages","aggregation":"count"}"#,
            #"{"key":"peak_gb","name":"Peak storage","aggregation":"max","unit":"GB"}"#,
            #"{"key":"active_users","name":"Active users","aggregation":"unique_count","field":"user_id"}"#,
            #"{"key":"seats","name":"Seats","aggregation":"last"}"#,
            #"{"key":"bytes","name":"Bytes","aggregation":"sum","field":"size"}"#,
        ] {
            #expect(try await api.request(.post, "/v1/metrics", key: key, json: metric).status == .created)
        }
        return (appID, key)
    }

    static func usage(_ api: TestAPI, _ key: String, _ query: String = "") async throws -> [String: [String: Any]] {
        let reply = try await api.request(.get, "/v1/customers/org_42/usage\(query)", key: key)
        #expect(reply.status == .ok, "\(reply.text)")
        let metrics = reply["metrics"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: metrics.map { ($0["metric"] as? String ?? "", $0) })
    }

    @Test(arguments: TestDatabase.engines) func anEventIsRecordedOnceForEver(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await Self.prepared(api)
            let body = #"{"id":"evt_app_1","customer":"org_42","metric":"api_calls","value":40}"#
            let first = try await api.request(.post, "/v1/usage-events", key: key, json: body)
            #expect(first.status == .created, "\(first.text)")
            #expect(first.string("object") == "usage_event" && first["duplicate"] as? Bool == false)
            #expect(first["value"] as? Double == 40)
            #expect((first["period"] as? [String: Any])?["start"] != nil)
            #expect(try await Self.usage(api, key)["api_calls"]?["value"] as? Double == 40, "counted at once")

            // The same event again, later (its timestamp was the default: a retry is not a new event).
            api.clock.advance(seconds: 3600)
            let again = try await api.request(.post, "/v1/usage-events", key: key, json: body)
            #expect(again.status == .ok && again["duplicate"] as? Bool == true, "\(again.text)")
            #expect(again.string("timestamp") == first.string("timestamp"), "the stored event")
            let other = try await api.request(
                .post,
                "/v1/usage-events",
                key: key,
                json: #"{"id":"evt_app_1","customer":"org_42","metric":"api_calls","value":41}"#
            )
            #expect(other.status == .conflict && other.errorCode == "usage_event_conflict" && other.errorParam == "id")
            // Past any retention window: ids are unique for ever.
            api.clock.advance(seconds: 86_400 * 3)
            let late = try await api.request(.post, "/v1/usage-events", key: key, json: body)
            #expect(late.status == .ok && late["duplicate"] as? Bool == true)

            let usage = try await Self.usage(api, key)
            #expect(usage["api_calls"]?["value"] as? Double == 40 && usage["api_calls"]?["events"] as? Int == 1)
        }
    }

    @Test(arguments: TestDatabase.engines) func badEventsAreRefusedWithTheParameterNamed(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await Self.prepared(api)
            let now = Int(api.clock.now.timeIntervalSince1970)
            let cases: [(String, String, String)] = [
                (#"{"id":"a","customer":"org_nobody","metric":"api_calls"}"#, "customer", "customer_not_found"),
                (#"{"id":"a","customer":"org_42","metric":"nothing"}"#, "metric", "metric_not_found"),
                (#"{"id":"a","customer":"org_42","metric":"messages","value":-1}"#, "value", "parameter_invalid"),
                (#"{"id":"a","customer":"org_42","metric":"api_calls","timestamp":\#(now + 600)}"#, "timestamp", "parameter_invalid"),
                (#"{"id":"a","customer":"org_42","metric":"active_users"}"#, "properties[user_id]", "parameter_invalid"),
                (#"{"id":"a","customer":"org_42","metric":"bytes","properties":{"size":"big"}}"#, "properties[size]", "parameter_invalid"),
                (#"{"id":"a","customer":"org_42","metric":"api_calls","value":"3"}"#, "value", "parameter_invalid"),
                (#"{"id":"a","customer":"org_42","metric":"api_calls","properties":{"nested":{"a":1}}}"#, "properties[nested]", "parameter_invalid"),
                (#"{"customer":"org_42","metric":"api_calls"}"#, "id", "parameter_missing"),
            ]
            for (body, param, code) in cases {
                let reply = try await api.request(.post, "/v1/usage-events", key: key, json: body)
                #expect(reply.status == .badRequest && reply.errorParam == param && reply.errorCode == code, "\(body): \(reply.text)")
            }
            #expect(try await Self.usage(api, key).values.allSatisfy { $0["events"] as? Int == 0 }, "nothing refused was written")

            // A correction of a sum may be negative; a timestamp up to 5 minutes ahead is accepted.
            let correction = try await api.request(
                .post,
                "/v1/usage-events",
                key: key,
                json: #"{"id":"fix","customer":"org_42","metric":"api_calls","value":-2.5,"timestamp":\#(now + 200)}"#
            )
            #expect(correction.status == .created, "\(correction.text)")
        }
    }

    @Test(arguments: TestDatabase.engines) func aBatchAnswersEachEventOnItsOwn(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await Self.prepared(api)
            _ = try await api.request(.post, "/v1/usage-events", key: key, json: #"{"id":"old","customer":"org_42","metric":"api_calls","value":1}"#)
            let batch = try await api.request(
                .post,
                "/v1/usage-events/batch",
                key: key,
                json: """
                    {"events":[
                      {"id":"b1","customer":"org_42","metric":"api_calls","value":10},
                      {"id":"b1","customer":"org_42","metric":"api_calls","value":10},
                      {"id":"b3","customer":"org_42","metric":"nothing"},
                      {"id":"old","customer":"org_42","metric":"api_calls","value":2},
                      {"id":"b5","customer":"org_42","metric":"active_users","properties":{"user_id":"u1"}}
                    ]}
                    """
            )
            #expect(batch.status == .ok, "\(batch.text)")
            #expect(batch.string("object") == "usage_event_batch")
            #expect(batch["created"] as? Int == 2 && batch["duplicates"] as? Int == 1 && batch["refused"] as? Int == 2)
            let results = batch["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["status"] as? String } == ["created", "duplicate", "refused", "refused", "created"])
            #expect(results.map { $0["index"] as? Int } == [0, 1, 2, 3, 4])
            let errors = results.map { ($0["error"] as? [String: Any]) }
            #expect(errors[2]?["param"] as? String == "events[2][metric]" && errors[2]?["code"] as? String == "metric_not_found")
            #expect(errors[3]?["param"] as? String == "events[3][id]" && errors[3]?["code"] as? String == "usage_event_conflict")
            let usage = try await Self.usage(api, key)
            #expect(usage["api_calls"]?["value"] as? Double == 11)
            #expect(usage["active_users"]?["value"] as? Double == 1)

            let empty = try await api.request(.post, "/v1/usage-events/batch", key: key, json: #"{"events":[]}"#)
            #expect(empty.status == .badRequest && empty.errorParam == "events")
            let tooMany =
                "{\"events\":[" + (0...1000).map { #"{"id":"m\#($0)","customer":"org_42","metric":"messages"}"# }.joined(separator: ",") + "]}"
            let refused = try await api.request(.post, "/v1/usage-events/batch", key: key, json: tooMany)
            #expect(refused.status == .badRequest && refused.errorParam == "events")
            let shape = try await api.request(
                .post,
                "/v1/usage-events/batch",
                key: key,
                json: #"{"events":[{"customer":"org_42","metric":"messages"}]}"#
            )
            #expect(shape.status == .badRequest && shape.errorParam == "events[0][id]")
        }
    }

    @Test(arguments: TestDatabase.engines) func eachAggregationAddsUpAsDeclared(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await Self.prepared(api)
            let now = api.clock.now.timeIntervalSince1970
            var events: [String] = []
            for (index, value) in [3.0, 7.5, 1.0].enumerated() {
                events.append(#"{"id":"c\#(index)","customer":"org_42","metric":"api_calls","value":\#(value)}"#)
                events.append(#"{"id":"m\#(index)","customer":"org_42","metric":"messages","value":\#(value)}"#)
                events.append(#"{"id":"p\#(index)","customer":"org_42","metric":"peak_gb","value":\#(value)}"#)
                events.append(#"{"id":"b\#(index)","customer":"org_42","metric":"bytes","properties":{"size":\#(Int(value * 10))}}"#)
            }
            for (index, user) in ["u1", "u2", "u1", "u3", "u2"].enumerated() {
                events.append(#"{"id":"u\#(index)","customer":"org_42","metric":"active_users","properties":{"user_id":"\#(user)"}}"#)
            }
            // A gauge: the latest by timestamp wins, whatever the order of arrival.
            events.append(#"{"id":"s1","customer":"org_42","metric":"seats","value":12,"timestamp":\#(Int(now) - 60)}"#)
            events.append(#"{"id":"s2","customer":"org_42","metric":"seats","value":9,"timestamp":\#(Int(now) - 120)}"#)
            let batch = try await api.request(.post, "/v1/usage-events/batch", key: key, json: "{\"events\":[\(events.joined(separator: ","))]}")
            #expect(batch["created"] as? Int == events.count, "\(batch.text)")
            let usage = try await Self.usage(api, key)
            #expect(usage["api_calls"]?["value"] as? Double == 11.5)
            #expect(usage["messages"]?["value"] as? Double == 3)
            #expect(usage["peak_gb"]?["value"] as? Double == 7.5)
            #expect(usage["bytes"]?["value"] as? Double == 115.0)
            #expect(usage["active_users"]?["value"] as? Double == 3)
            #expect(usage["seats"]?["value"] as? Double == 12)
            #expect(usage["api_calls"]?["amount"] is NSNull, "no subscription prices it")
            let one = try await api.request(.get, "/v1/customers/org_42/usage?metric=seats", key: key)
            #expect((one["metrics"] as? [[String: Any]])?.count == 1)
            let unknown = try await api.request(.get, "/v1/customers/org_42/usage?metric=nothing", key: key)
            #expect(unknown.status == .badRequest && unknown.errorParam == "metric")
            let mixed = try await api.request(.get, "/v1/customers/org_42/usage?period=current&from=0&to=10", key: key)
            #expect(mixed.status == .badRequest && mixed.errorParam == "period")
        }
    }

    @Test(arguments: TestDatabase.engines) func usageIsPricedAndBilledPeriodsAreClosed(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await Self.prepared(api)
            let plan = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: """
                    {"key":"scale","name":"Scale","limits":{"api_calls":5000},
                     "prices":[{"key":"base","type":"recurring","amount":2900,"currency":"usd","interval":"month"},
                               {"key":"calls","type":"metered","metric":"api_calls","currency":"usd","interval":"month",
                                "included_quantity":100,"tiers_mode":"graduated",
                                "tiers":[{"up_to":1000,"unit_amount":2},{"up_to":null,"unit_amount":1,"flat_amount":500}]}]}
                    """
            )
            #expect(plan.status == .created, "\(plan.text)")
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"scale","price":"base","payment_method":"pm_sandbox_visa"}"#
            )
            #expect(subscription.status == .created, "\(subscription.text)")
            let periodStart = try #require(subscription.string("current_period_start"))
            _ = try await api.request(
                .post,
                "/v1/usage-events",
                key: key,
                json: #"{"id":"e1","customer":"org_42","metric":"api_calls","value":1600.5}"#
            )
            let usage = try await Self.usage(api, key)
            let calls = try #require(usage["api_calls"])
            #expect(calls["included_quantity"] as? Int == 100)
            // 1,600.5 → 1,601 whole units, 1,501 beyond the 100 included: 1,000 at 2 + 501 at 1 + the second tier's 500.
            #expect(calls["billable_quantity"] as? Int == 1501)
            #expect(calls["amount"] as? Int == 3001, "\(calls)")
            #expect(calls["currency"] as? String == "usd")
            #expect(calls["limit"] as? Int == 5000)
            let reply = try await api.request(.get, "/v1/customers/org_42/usage", key: key)
            #expect((reply["period"] as? [String: Any])?["start"] as? String == periodStart, "the subscription's period")

            // A month later the period renewed: usage stamped in the billed one is refused.
            #expect(try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#).status == .ok)
            let stamp = Int(api.clock.now.timeIntervalSince1970) + 2_764_800 - 86_400 * 20
            let closed = try await api.request(
                .post,
                "/v1/usage-events",
                key: key,
                json: #"{"id":"late","customer":"org_42","metric":"api_calls","timestamp":\#(stamp)}"#
            )
            #expect(closed.status == .badRequest && closed.errorCode == "usage_period_closed" && closed.errorParam == "timestamp", "\(closed.text)")
            let previous = try await Self.usage(api, key, "?period=previous")
            #expect(previous["api_calls"]?["value"] as? Double == 1600.5)
            #expect(try await Self.usage(api, key)["api_calls"]?["value"] as? Double == 0, "the new period starts empty")
        }
    }

    @Test(arguments: TestDatabase.engines) func limitsAnnounceThresholdsAndOpenAGracePeriodUntilANewPeriod(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await Self.prepared(api)
            let plan = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: #"{"key":"capped","name":"Capped","limits":{"api_calls":100,"seats":5},"grace_period_days":3,"#
                    + #""prices":[{"key":"base","type":"recurring","amount":900,"currency":"usd","interval":"month"}]}"#
            )
            #expect(plan.status == .created, "\(plan.text)")
            let subscription = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"capped","payment_method":"pm_sandbox_visa"}"#
            )
            #expect(subscription.status == .created, "\(subscription.text)")
            func send(_ id: String, _ value: Int) async throws {
                let reply = try await api.request(
                    .post,
                    "/v1/usage-events",
                    key: key,
                    json: #"{"id":"\#(id)","customer":"org_42","metric":"api_calls","value":\#(value)}"#
                )
                #expect(reply.status == .created, "\(reply.text)")
            }
            func thresholds() async throws -> [[String: Any]] {
                try await api.request(.get, "/v1/events?type=usage.threshold_reached&limit=100", key: key).data
                    .compactMap { ($0["data"] as? [String: Any])?["object"] as? [String: Any] }
            }
            func graces() async throws -> [[String: Any]] {
                try await api.request(.get, "/v1/grace-periods?customer=org_42", key: key).data.filter { $0["reason"] as? String == "usage_limit" }
            }
            try await send("q1", 79)
            #expect(try await thresholds().isEmpty)
            try await send("q2", 1)
            let eighty = try await thresholds()
            #expect(eighty.count == 1 && eighty.first?["threshold"] as? Int == 80 && eighty.first?["limit"] as? Int == 100, "\(eighty)")
            #expect(eighty.first?["metric"] as? String == "api_calls" && eighty.first?["customer"] as? String == "org_42")
            try await send("q3", 20)
            #expect(try await thresholds().map { $0["threshold"] as? Int }.sorted { ($0 ?? 0) < ($1 ?? 0) } == [80, 100])
            #expect(try await graces().isEmpty, "at the limit, not past it")
            try await send("q4", 1)
            try await send("q5", 50)
            let open = try await graces()
            #expect(open.count == 1 && open.first?["status"] as? String == "open", "\(open)")
            #expect(try await thresholds().count == 2, "each threshold once per period")
            let summary = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            #expect((summary["grace_period"] as? [String: Any])?["reason"] as? String == "usage_limit", "\(summary.text)")

            // A gauge past its limit opens nothing more (one open per customer and reason).
            _ = try await api.request(.put, "/v1/customers/org_42/usage/seats", key: key, json: #"{"value":6}"#)
            #expect(try await graces().count == 1)

            // The next period starts from zero: the grace period resolves.
            #expect(try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#).status == .ok)
            let after = try await graces()
            #expect(after.first?["status"] as? String == "resolved" && after.first?["resolution"] as? String == "usage_within_limits", "\(after)")
        }
    }

    @Test(arguments: TestDatabase.engines) func aUsageGraceResolvesOnAPlanThatCoversItAndExpiresOtherwise(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await Self.prepared(api)
            for (plan, limit) in [("small", 10), ("large", 1000)] {
                let created = try await api.request(
                    .post,
                    "/v1/plans",
                    key: key,
                    json: #"{"key":"\#(plan)","name":"P","limits":{"api_calls":\#(limit)},"grace_period_days":3,"#
                        + #""prices":[{"key":"base","type":"recurring","amount":900,"currency":"usd","interval":"month"}]}"#
                )
                #expect(created.status == .created, "\(created.text)")
            }
            _ = try await api.request(.put, "/v1/customers/org_7", key: key, json: "{}")
            var subscriptions: [String: String] = [:]
            for customer in ["org_42", "org_7"] {
                let subscription = try await api.request(
                    .post,
                    "/v1/subscriptions",
                    key: key,
                    json: #"{"customer":"\#(customer)","plan":"small","payment_method":"pm_sandbox_visa"}"#
                )
                subscriptions[customer] = subscription.string("id")
                let usage = try await api.request(
                    .post,
                    "/v1/usage-events",
                    key: key,
                    json: #"{"id":"over_\#(customer)","customer":"\#(customer)","metric":"api_calls","value":50}"#
                )
                #expect(usage.status == .created)
            }
            func grace(_ customer: String) async throws -> [String: Any]? {
                try await api.request(.get, "/v1/grace-periods?customer=\(customer)", key: key).data.first {
                    $0["reason"] as? String == "usage_limit"
                }
            }
            #expect(try await grace("org_42")?["status"] as? String == "open")
            #expect(try await grace("org_7")?["status"] as? String == "open")

            // org_42 moves to a plan whose limit covers its usage: the next pass resolves its grace period.
            let moved = try await api.request(.patch, "/v1/subscriptions/\(subscriptions["org_42"] ?? "")", key: key, json: #"{"plan":"large"}"#)
            #expect(moved.status == .ok, "\(moved.text)")
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":60}"#)
            let now = try await api.request(.get, "/v1/customers/org_42/usage?metric=api_calls", key: key)
            let calls = (now["metrics"] as? [[String: Any]])?.first
            #expect(calls?["value"] as? Double == 50 && calls?["limit"] as? Int == 1000, "the same period, the new plan's limit: \(now.text)")
            let covered = try await grace("org_42")
            #expect(covered?["status"] as? String == "resolved" && covered?["resolution"] as? String == "usage_within_limits", "\(covered ?? [:])")
            #expect(try await grace("org_7")?["status"] as? String == "open", "still past its plan's limit")

            // org_7 stays past its limit in the same period: its grace period expires after 3 days.
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":\#(4 * 86_400)}"#)
            #expect(try await grace("org_7")?["status"] as? String == "expired")
        }
    }

    @Test(arguments: TestDatabase.engines) func aGaugeIsSetAndAudited(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await Self.prepared(api)
            let five = try await api.request(.put, "/v1/customers/org_42/usage/seats", key: key, json: #"{"value":5}"#)
            #expect(five.status == .ok && five["value"] as? Double == 5, "\(five.text)")
            api.clock.advance(seconds: 1)
            let three = try await api.request(.put, "/v1/customers/org_42/usage/seats", key: key, json: #"{"value":3}"#)
            #expect(three["value"] as? Double == 3)
            let notGauge = try await api.request(.put, "/v1/customers/org_42/usage/api_calls", key: key, json: #"{"value":3}"#)
            #expect(notGauge.status == .badRequest && notGauge.errorParam == "metric")
            let missing = try await api.request(.put, "/v1/customers/org_42/usage/seats", key: key, json: "{}")
            #expect(missing.status == .badRequest && missing.errorParam == "value")
            let noMetric = try await api.request(.put, "/v1/customers/org_42/usage/nothing", key: key, json: #"{"value":1}"#)
            #expect(noMetric.status == .notFound && noMetric.errorCode == "metric_not_found")

            let audit = try await api.admin(.get, "/admin/v1/audit-logs?app_id=\(appID)&action_type=SET_USAGE&limit=10")
            let snapshots = audit.data.compactMap { $0["payload_snapshot"] as? [String: Any] }
            #expect(snapshots.count == 2)
            let last = try #require(snapshots.first { $0["after"] as? Double == 3 })
            #expect(last["before"] as? Double == 5 && last["metric"] as? String == "seats")
        }
    }

    @Test func tiersPriceAsStripeDoes() {
        func metered(_ mode: Metered.Tiers.Mode?, included: Int64 = 0) -> Metered {
            Metered(
                metric: "m",
                currency: .usd,
                interval: BillingInterval(.month),
                unitAmount: mode == nil ? 3 : nil,
                tiers: mode.map {
                    .init(mode: $0, tiers: [.init(upTo: 10, unitAmount: 5, flatAmount: 100), .init(upTo: nil, unitAmount: 2, flatAmount: 50)])
                },
                includedQuantity: included
            )
        }
        #expect(metered(nil).amount(forQuantity: 7) == 21)
        #expect(metered(.graduated).amount(forQuantity: 4) == 4 * 5 + 100)
        #expect(metered(.graduated).amount(forQuantity: 15) == 10 * 5 + 100 + 5 * 2 + 50)
        #expect(metered(.volume).amount(forQuantity: 4) == 4 * 5 + 100)
        #expect(metered(.volume).amount(forQuantity: 15) == 15 * 2 + 50)
        #expect(metered(.graduated).amount(forQuantity: 0) == 0, "no flat fee without usage")
        #expect(metered(nil, included: 10).billableQuantity(10.2) == 1, "whole units, rounded up")
        #expect(metered(nil, included: 10).billableQuantity(-4) == 0)
    }
}
