import Foundation
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

/// The rollups kept with each event are exactly what rebuilding them from the raw events gives.
@Suite struct UsageRecomputeTests {
    @Test(arguments: TestDatabase.engines) func rollupsEqualARecomputeAfterRandomIngestion(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await UsageTests.prepared(api)
            for customer in ["org_7", "org_8"] {
                _ = try await api.request(.put, "/v1/customers/\(customer)", key: key, json: "{}")
            }
            var generator = SeededGenerator(seed: 20_261_130)
            let metrics = ["api_calls", "messages", "peak_gb", "active_users", "seats", "bytes"]
            let customers = ["org_42", "org_7", "org_8"]
            let now = Int(api.clock.now.timeIntervalSince1970)
            var sent: [String] = []
            for round in 0..<6 {
                var events: [String] = []
                for index in 0..<120 {
                    // Some ids again (duplicates, or conflicts when the body differs).
                    let id =
                        Int.random(in: 0..<10, using: &generator) == 0 && !sent.isEmpty
                        ? sent[Int.random(in: 0..<sent.count, using: &generator)] : "r\(round)_\(index)"
                    let metric = metrics[Int.random(in: 0..<metrics.count, using: &generator)]
                    let customer = customers[Int.random(in: 0..<customers.count, using: &generator)]
                    let value = Double(Int.random(in: 0..<2000, using: &generator)) / 4
                    // Timestamps over the last 40 days: some fall in the month before.
                    let timestamp = now - Int.random(in: 0..<86_400 * 40, using: &generator)
                    let user = "u\(Int.random(in: 0..<12, using: &generator))"
                    events.append(
                        #"{"id":"\#(id)","customer":"\#(customer)","metric":"\#(metric)","value":\#(value),"timestamp":\#(timestamp),"#
                            + #""properties":{"user_id":"\#(user)","size":\#(Int.random(in: 0..<500, using: &generator))}}"#
                    )
                    sent.append(id)
                }
                let batch = try await api.request(.post, "/v1/usage-events/batch", key: key, json: "{\"events\":[\(events.joined(separator: ","))]}")
                #expect(batch.status == .ok)
            }
            let app = App.ID(rawValue: appID)
            let before = try await rollups(api.store, app)
            #expect(before.count > 20)
            let rebuilt = try await api.services.usage.recompute(app: app, origin: .system)
            let after = try await rollups(api.store, app)
            #expect(rebuilt == before.count)
            #expect(after == before, "the rollups kept with each event are what the raw events give")
            #expect(try await distinct(api.store, app).count > 0)
        }
    }

    /// Every rollup of the app as reads see it (on PostgreSQL a rollup's shards combined).
    func rollups(_ store: Store, _ app: App.ID) async throws -> [String] {
        try await store.read { session in
            let customers = try await session.db.raw(
                "SELECT DISTINCT customer_id FROM usage_rollups WHERE app_id = \(bind: app.rawValue) ORDER BY customer_id"
            ).all().map { Customer.ID(rawValue: try $0.decode(column: "customer_id", as: String.self)) }
            var lines: [String] = []
            for customer in customers {
                for total in try await session.usage(app).totals(customer: customer, metric: nil, starts: Date.distantPast..<Date.distantFuture) {
                    lines.append("\(customer)|\(total.metric)|\(total.period.start)|\(total.period.end)|\(total.value)|\(total.events)")
                }
            }
            return lines
        }
    }

    func distinct(_ store: Store, _ app: App.ID) async throws -> [String] {
        try await store.read { session in
            try await session.db.raw("SELECT value FROM usage_distinct WHERE app_id = \(bind: app.rawValue)").all().map {
                try $0.decode(column: "value", as: String.self)
            }
        }
    }
}
