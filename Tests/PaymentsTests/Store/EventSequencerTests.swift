import Foundation
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServices
import SQLKit
import Testing

@testable import PaymentsStore

/// Events numbered after their commit: writes of one app do not queue on its next number, yet
/// each app's stream is gapless, numbered once, and an app reading "what comes after N" while
/// the writes go on never misses one.
@Suite struct EventSequencerTests {
    let admin = Origin(actor: .admin, requestID: "req_sequencer")

    @Test(arguments: TestDatabase.engines) func aReaderFollowingTheStreamDuringConcurrentWritesMissesNothing(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let apps = try await (0..<2).asyncMap { n in try await Apps.Service(store: store).create(name: "app\(n)", mode: .test, origin: admin).0.id
            }
            let customers = Customers.Service(store: store)
            // A second instance's sequencer (its own store over the same database).
            let elsewhere = Store(backend: store.backend)
            let writing = NIOLockedValueBox(true)
            let followed = NIOLockedValueBox<[Int64]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sequencer in [store.eventSequencer, elsewhere.eventSequencer] {
                    group.addTask {
                        while writing.withLockedValue({ $0 }) {
                            try await sequencer.sequencePending()
                            try await Task.sleep(for: .milliseconds(1))
                        }
                    }
                }
                // The app following its stream from where it stopped, as `after_sequence` does.
                group.addTask {
                    var cursor: Int64 = 0
                    while true {
                        let done = !writing.withLockedValue { $0 }
                        let page = try await store.read { [cursor] in
                            try await $0.events(apps[0]).list(afterSequence: cursor, type: nil, customer: nil, try PageRequest(limit: 100))
                        }
                        followed.withLockedValue { $0 += page.data.map(\.sequence) }
                        cursor = page.data.last?.sequence ?? cursor
                        if done && page.data.isEmpty { break }
                        if page.data.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<8 {
                        writers.addTask {
                            for n in 0..<25 {
                                let app = apps[(writer + n) % apps.count]
                                _ = try await customers.upsert(
                                    app: app,
                                    externalID: "org_\(writer)_\(n)",
                                    changes: .init(metadata: .set(["sequence": "null"])),
                                    origin: admin
                                )
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                // Everything is committed: a pass that waits for the lock numbers what is left.
                try await store.eventSequencer.sequenceAll(wait: true)
                writing.withLockedValue { $0 = false }
                try await group.waitForAll()
            }
            #expect(followed.withLockedValue { $0 } == Array(1...100), "every event of the app, once, in order, no gap")
            for app in apps {
                let events = try await store.read {
                    try await $0.events(app).list(afterSequence: 0, type: nil, customer: nil, try PageRequest(limit: 100))
                }.data
                #expect(events.map(\.sequence) == Array(1...Int64(events.count)) && events.count == 100)
                for event in events {
                    let body = try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as! [String: Any]
                    let object = (body["data"] as! [String: Any])["object"] as! [String: Any]
                    #expect(body["sequence"] as? Int64 == event.sequence, "the body carries its number")
                    #expect((object["metadata"] as? [String: String])?["sequence"] == "null", "and the object is as written")
                }
            }
        }
    }

    /// A process killed with events committed but not numbered, or in the middle of numbering
    /// them: the next pass (any instance's) numbers them all and owes their deliveries.
    @Test(arguments: TestDatabase.engines) func eventsLeftUnnumberedByAKillAreNumberedByTheNextPass(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            _ = try await WebhookEndpoints.Service(store: store, secrets: SecretBox(appSecret: Secret("test-app-secret-0123456789abcdefghij")))
                .create(app: app, url: "http://127.0.0.1:9/a", events: ["customer.created"], description: nil, origin: admin)
            for n in 0..<5 {
                _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_\(n)", changes: .init(), origin: admin)
            }
            _ = try await Customers.Service(store: store).upsert(
                app: app.id,
                externalID: "org_0",
                changes: .init(name: .set("Renamed")),
                origin: admin
            )
            let dying = EventSequencer(backend: DiesBeforeCommit(base: store.backend), ids: store.ids, clock: store.clock)
            await #expect(throws: DiesBeforeCommit.Killed.self) { try await dying.sequencePending() }
            func count(_ sql: SQLQueryString) async throws -> Int {
                try await store.read { try await $0.db.raw(sql).first()!.decode(column: "n", as: Int.self) }
            }
            #expect(try await count("SELECT COUNT(sequence) AS n FROM events") == 0, "nothing numbered")
            #expect(try await count("SELECT COUNT(*) AS n FROM event_deliveries") == 0, "nothing owed")

            let restarted = Store(backend: store.backend)
            #expect(try await restarted.eventSequencer.sequencePending() == 6)
            let events = try await store.read {
                try await $0.events(app.id).list(afterSequence: 0, type: nil, customer: nil, try PageRequest(limit: 100))
            }.data
            #expect(events.map(\.sequence) == [1, 2, 3, 4, 5, 6])
            #expect(events.map(\.type) == Array(repeating: .customerCreated, count: 5) + [.customerUpdated], "in the order written")
            #expect(
                try await count("SELECT COUNT(*) AS n FROM event_deliveries WHERE status = 'pending'") == 5,
                "one delivery per event the endpoint receives"
            )
            #expect(try await restarted.eventSequencer.sequencePending() == 0, "numbered once")
        }
    }
}
