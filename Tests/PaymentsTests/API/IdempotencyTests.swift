import Foundation
import HTTPTypes
import NIOCore
import PaymentsStore
import PaymentsWorkers
import Testing

@testable import PaymentsHTTP

@Suite struct IdempotencyTests {
    @Test(arguments: TestDatabase.engines) func sameKeyAndBodyReplaysTheFirstResponse(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let first = try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":"A"}"#, headers: [.testIdempotencyKey: "k-1"])
            #expect(first.status == .created)
            #expect(first.headers[.testReplayed] == nil)
            api.clock.advance(seconds: 5)
            let again = try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":"A"}"#, headers: [.testIdempotencyKey: "k-1"])
            #expect(again.status == .created, "the first status, not a fresh 200")
            #expect(again.headers[.testReplayed] == "true")
            #expect(again.body == first.body, "byte for byte")
            let audit = try await api.request(.get, "/v1/audit-logs?target_type=customer", key: key)
            #expect(audit.data.count == 1, "the replay changed nothing")
        }
    }

    @Test(arguments: TestDatabase.engines) func sameKeyWithAnotherBodyIsRefused(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":"A"}"#, headers: [.testIdempotencyKey: "k-1"])
            let other = try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":"B"}"#, headers: [.testIdempotencyKey: "k-1"])
            #expect(other.status == .conflict && other.errorCode == "idempotency_key_reused")
            let otherPath = try await api.request(
                .put,
                "/v1/customers/org_2",
                key: key,
                json: #"{"name":"A"}"#,
                headers: [.testIdempotencyKey: "k-1"]
            )
            #expect(otherPath.errorCode == "idempotency_key_reused")
            #expect(try await api.request(.get, "/v1/customers/org_1", key: key).string("name") == "A")

            // Keys belong to one app: another app may use the same key for its own request.
            let (_, otherKey) = try await api.createApp("other")
            let otherApp = try await api.request(
                .put,
                "/v1/customers/org_1",
                key: otherKey,
                json: #"{"name":"B"}"#,
                headers: [.testIdempotencyKey: "k-1"]
            )
            #expect(otherApp.status == .created)
        }
    }

    @Test(arguments: TestDatabase.engines) func aKeyStillRunningAnswersInUse(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (appID, key) = try await api.createApp()
            // The same request with this key is mid-flight (claimed, not completed) on some instance.
            let body = #"{"name":"A"}"#
            let hash = IdempotencyMiddleware.fingerprint(method: "PUT", uri: "/v1/customers/org_1", body: ByteBuffer(string: body))
            #expect(
                try await api.store.idempotency.claim(
                    scope: appID,
                    key: "k-busy",
                    requestHash: hash,
                    now: api.clock.now,
                    lease: .seconds(60),
                    retention: .seconds(86_400)
                ) == .acquired
            )
            let reply = try await api.request(.put, "/v1/customers/org_1", key: key, json: body, headers: [.testIdempotencyKey: "k-busy"])
            #expect(reply.status == .conflict && reply.errorCode == "idempotency_key_in_use")
            #expect(try await api.request(.get, "/v1/customers/org_1", key: key).status == .notFound, "nothing ran")

            // Its instance died: once the lease has run out, a retry runs.
            api.clock.advance(seconds: 61)
            let retry = try await api.request(.put, "/v1/customers/org_1", key: key, json: body, headers: [.testIdempotencyKey: "k-busy"])
            #expect(retry.status == .created)
        }
    }

    @Test(arguments: TestDatabase.engines) func concurrentDuplicatesCreateOnce(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let replies = try await withThrowingTaskGroup(of: TestAPI.Reply.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await api.request(
                            .put,
                            "/v1/customers/org_once",
                            key: key,
                            json: #"{"name":"Once"}"#,
                            headers: [.testIdempotencyKey: "k-race"]
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let firstRuns = replies.filter { $0.status == .created && $0.headers[.testReplayed] == nil }
            #expect(firstRuns.count == 1, "exactly one request ran")
            for reply in replies where !(reply.status == .created) {
                #expect(reply.status == .conflict && reply.errorCode == "idempotency_key_in_use")
            }
            for reply in replies where reply.status == .created {
                #expect(reply.body == firstRuns[0].body)
            }
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=CREATE_CUSTOMER", key: key)
            #expect(audit.data.count == 1)
        }
    }

    @Test(arguments: TestDatabase.engines) func errorsBelow500AreKeptAndKeysArePurgedAfter24Hours(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let bad = try await api.request(
                .put,
                "/v1/customers/org_1",
                key: key,
                json: #"{"email":"nope"}"#,
                headers: [.testIdempotencyKey: "k-bad"]
            )
            #expect(bad.status == .badRequest)
            let replay = try await api.request(
                .put,
                "/v1/customers/org_1",
                key: key,
                json: #"{"email":"nope"}"#,
                headers: [.testIdempotencyKey: "k-bad"]
            )
            #expect(replay.headers[.testReplayed] == "true" && replay.body == bad.body)

            let tooLong = try await api.request(
                .put,
                "/v1/customers/org_1",
                key: key,
                json: "{}",
                headers: [.testIdempotencyKey: String(repeating: "k", count: 256)]
            )
            #expect(tooLong.status == .badRequest && tooLong.errorParam == "Idempotency-Key")

            let worker = HousekeepingWorker(store: api.store, logger: testLogger)
            #expect(try await worker.runOnce() == 0, "nothing expires before 24 h")
            api.clock.advance(seconds: 86_400)
            #expect(try await worker.runOnce() == 1)
            let fresh = try await api.request(
                .put,
                "/v1/customers/org_1",
                key: key,
                json: #"{"email":"nope"}"#,
                headers: [.testIdempotencyKey: "k-bad"]
            )
            #expect(fresh.headers[.testReplayed] == nil, "a purged key is new again")
        }
    }
}
