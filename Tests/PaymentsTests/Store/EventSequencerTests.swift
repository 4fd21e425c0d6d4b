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
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
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

/// Upgrading a database that has events and deliveries (M0015 makes `events` again on SQLite and
/// sets the deliveries aside meanwhile): every row is kept as it was, the deliveries still refer
/// to their events, and the next event is numbered after the old ones.
@Suite struct EventNumberingMigrationTests {
    let admin = Origin(actor: .admin, requestID: "req_upgrade")

    @Test(arguments: TestDatabase.engines) func upgradingKeepsEventsAndDeliveries(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine, migrate: false) { store in
            let before = Migrations.all.filter { $0.version < 15 }
            try await Migrator(backend: store.backend, migrations: before, logger: testLogger).migrate()
            let app = try await oldApp(store, name: "old")
            let endpoint = try await WebhookEndpoints.Service(
                store: store,
                secrets: SecretBox(appSecret: Secret("test-app-secret-0123456789abcdefghij"))
            )
            .create(app: app, url: "http://127.0.0.1:9/a", events: nil, description: nil, origin: admin).endpoint
            // An event and its delivery as the code before M0015 wrote them: numbered at the write.
            let payload =
                #"{"created_at":"2026-11-30T00:00:00.000Z","data":{"object":{}},"id":"evt_old","object":"event","sequence":1,"type":"customer.created"}"#
            try await store.backend.transaction { db in
                try await db.raw("INSERT INTO event_heads (app_id, sequence) VALUES (\(bind: app.id.rawValue), 1)").run()
                try await db.raw(
                    """
                    INSERT INTO events (id, app_id, sequence, type, resource_type, resource_id, payload, created_at)
                    VALUES ('evt_old', \(bind: app.id.rawValue), 1, 'customer.created', 'customer', 'cus_old', \(bind: payload), 0)
                    """
                ).run()
                try await db.raw(
                    """
                    INSERT INTO event_deliveries (id, app_id, event_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at)
                    VALUES ('dlv_old', \(bind: app.id.rawValue), 'evt_old', \(bind: endpoint.id.rawValue), 'dead', 13, NULL, 0, 0)
                    """
                ).run()
            }
            try await Migrator(backend: store.backend, logger: testLogger).migrate()

            let old = try #require(try await store.read { try await $0.events(app.id).find(Event.ID(rawValue: "evt_old")) })
            #expect(old.sequence == 1 && old.payload == payload, "the old event as it was")
            let delivery = try #require(try await store.read { try await $0.eventDeliveries(app.id).find(EventDelivery.ID(rawValue: "dlv_old")) })
            #expect(delivery.status == .dead && delivery.attempts == 13 && delivery.eventID.rawValue == "evt_old")
            do {
                try await store.backend.transaction { db in
                    try await db.raw(
                        """
                        INSERT INTO event_deliveries (id, app_id, event_id, endpoint_id, status, attempts, created_at, updated_at)
                        VALUES ('dlv_orphan', \(bind: app.id.rawValue), 'evt_missing', \(bind: endpoint.id.rawValue), 'pending', 0, 0, 0)
                        """
                    ).run()
                }
                Issue.record("a delivery of no event was accepted")
            } catch {
                #expect(String(reflecting: error).lowercased().contains("foreign key"), "deliveries still refer to their events: \(error)")
            }
            _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_new", changes: .init(), origin: admin)
            try await store.eventSequencer.sequenceAll()
            let events = try await store.read {
                try await $0.events(app.id).list(afterSequence: 0, type: nil, customer: nil, try PageRequest(limit: 10))
            }.data
            #expect(events.map(\.sequence) == [1, 2], "the next event numbered after the old one")
        }
    }
}
