import Foundation
import PaymentsDomain
import PaymentsServices
import Testing

@testable import PaymentsStore

/// `/v1/metrics`: what an app meters, and metered prices naming only metrics that exist.
@Suite struct MetricsTests {
    @Test(arguments: TestDatabase.engines) func aMetricIsDeclaredReadRenamedAndAudited(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await api.createApp()
            let created = try await api.request(
                .post,
                "/v1/metrics",
                key: key,
                json: #"{"key":"active_users","name":"Active users","aggregation":"unique_count","field":"user_id","unit":"user"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            #expect(created.string("object") == "metric")
            #expect(created.string("key") == "active_users")
            #expect(created.string("aggregation") == "unique_count")
            #expect(created.string("field") == "user_id")
            #expect(created.string("id")?.hasPrefix("metric_") == true)

            let again = try await api.request(.post, "/v1/metrics", key: key, json: #"{"key":"active_users","name":"X","aggregation":"sum"}"#)
            #expect(again.status == .conflict && again.errorCode == "metric_key_exists" && again.errorParam == "key")

            let read = try await api.request(.get, "/v1/metrics/active_users", key: key)
            #expect(read.status == .ok && read.string("name") == "Active users")
            let missing = try await api.request(.get, "/v1/metrics/nothing_here", key: key)
            #expect(missing.status == .notFound && missing.errorCode == "metric_not_found")

            let renamed = try await api.request(.patch, "/v1/metrics/active_users", key: key, json: #"{"name":"Monthly active users","unit":null}"#)
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(renamed.string("name") == "Monthly active users")
            #expect(renamed["unit"] is NSNull)
            #expect(renamed.string("aggregation") == "unique_count", "the aggregation never changes")
            let changeAggregation = try await api.request(.patch, "/v1/metrics/active_users", key: key, json: #"{"aggregation":"sum"}"#)
            #expect(changeAggregation.status == .badRequest && changeAggregation.errorParam == "aggregation")

            _ = try await api.request(.post, "/v1/metrics", key: key, json: #"{"key":"api_calls","name":"API calls","aggregation":"sum"}"#)
            let list = try await api.request(.get, "/v1/metrics?limit=1", key: key)
            #expect(list.data.map { $0["key"] as? String } == ["api_calls"], "newest first")
            #expect(list["has_more"] as? Bool == true)

            let audit = try await api.admin(.get, "/admin/v1/audit-logs?app_id=\(appID)&limit=100")
            let actions = audit.data.compactMap { $0["action_type"] as? String }
            #expect(actions.filter { $0 == "CREATE_METRIC" }.count == 2)
            #expect(actions.contains("UPDATE_METRIC"))
        }
    }

    @Test(arguments: TestDatabase.engines) func badMetricsAreRefusedWithTheParameterNamed(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let cases: [(String, String)] = [
                (#"{"key":"u","name":"U","aggregation":"unique_count"}"#, "field"),
                (#"{"key":"c","name":"C","aggregation":"count","field":"x"}"#, "field"),
                (#"{"key":"a","name":"A","aggregation":"median"}"#, "aggregation"),
                (#"{"key":"has space","name":"A","aggregation":"sum"}"#, "key"),
                (#"{"name":"A","aggregation":"sum"}"#, "key"),
                (#"{"key":"a","name":"A","aggregation":"sum","unknown":1}"#, "unknown"),
            ]
            for (body, param) in cases {
                let reply = try await api.request(.post, "/v1/metrics", key: key, json: body)
                #expect(reply.status == .badRequest && reply.errorParam == param, "\(body): \(reply.text)")
            }
            let list = try await api.request(.get, "/v1/metrics", key: key)
            #expect(list.data.isEmpty, "nothing refused was written")
        }
    }

    @Test(arguments: TestDatabase.engines) func aMeteredPriceNamesAMetricThatExists(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let plan =
                #"{"key":"usage","name":"Usage","prices":[{"key":"base","type":"recurring","amount":1000,"currency":"usd","interval":"month"},"#
                + #"{"key":"calls","type":"metered","metric":"api_calls","currency":"usd","interval":"month","unit_amount":2}]}"#
            let refused = try await api.request(.post, "/v1/plans", key: key, json: plan)
            #expect(refused.status == .badRequest && refused.errorParam == "prices[1][metric]", "\(refused.text)")
            #expect(try await api.request(.get, "/v1/plans/usage", key: key).status == .notFound, "nothing written")

            _ = try await api.request(.post, "/v1/metrics", key: key, json: #"{"key":"api_calls","name":"API calls","aggregation":"sum"}"#)
            let accepted = try await api.request(.post, "/v1/plans", key: key, json: plan)
            #expect(accepted.status == .created, "\(accepted.text)")

            let patched = try await api.request(
                .patch,
                "/v1/plans/usage",
                key: key,
                json: #"{"prices":[{"key":"msgs","type":"metered","metric":"messages","currency":"usd","interval":"month","unit_amount":1}]}"#
            )
            #expect(patched.status == .badRequest && patched.errorParam == "prices[0][metric]", "\(patched.text)")
        }
    }

    @Test(arguments: TestDatabase.engines) func upgradingGivesEveryMeteredPriceASumMetric(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine, migrate: false) { store in
            let before = Migrations.all.filter { $0.version < 16 }
            try await Migrator(backend: store.backend, migrations: before, logger: testLogger).migrate()
            let app = try await oldApp(store, name: "old")
            let terms =
                #"{"type":"metered","currency":"usd","interval":{"unit":"month","count":1},"metered":{"metric":"api_calls","#
                + #""currency":"usd","interval":{"unit":"month","count":1},"unitAmount":2,"includedQuantity":0}}"#
            try await store.backend.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO plans (id, app_id, key, name, features, limits, metadata, active, created_at, updated_at)
                    VALUES ('plan_old', \(bind: app.id.rawValue), 'old', 'Old', '[]', '{}', '{}', 1, 1000, 1000)
                    """
                ).run()
                for (id, created) in [("price_old1", 1000), ("price_old2", 2000)] {
                    try await db.raw(
                        """
                        INSERT INTO prices (id, app_id, plan_id, key, terms, active, created_at)
                        VALUES (\(bind: id), \(bind: app.id.rawValue), 'plan_old', \(bind: id), \(bind: terms), 1, \(bind: created))
                        """
                    ).run()
                }
            }
            try await Migrator(backend: store.backend, logger: testLogger).migrate()
            let metric = try #require(try await store.read { try await $0.metrics(app.id).find(key: "api_calls") })
            #expect(metric.aggregation == .sum)
            #expect(metric.createdAt == Date(timeIntervalSince1970: 1))
            #expect(try await store.read { try await $0.metrics(app.id).count() } == 1, "one metric for the two prices")
            let plan = try #require(try await store.read { try await $0.plans(app.id).find(key: "old") })
            #expect(plan.prices.count == 2, "the prices read as before")
        }
    }
}
