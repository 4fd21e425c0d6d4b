import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PaymentsDomain
import PaymentsServices
import SQLKit
import Testing

@testable import PaymentsStore

/// The same store tests on SQLite and PostgreSQL.
@Suite struct StoreTests {
    let admin = Origin(actor: .admin, requestID: "req_test")

    @Test(arguments: TestDatabase.engines) func migrationsApplyRevertAndReapply(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine, migrate: false) { (store: Store) async throws in
            let migrator = Migrator(backend: store.backend, logger: testLogger)
            #expect(try await migrator.migrate() == Migrations.all.map(\.version))
            #expect(try await migrator.migrate() == [], "a second run applies nothing")
            #expect(try await migrator.pendingVersions() == [])
            #expect(try await migrator.revert(last: Migrations.all.count) == Migrations.all.map(\.version).reversed())
            #expect(try await tables(store).isEmpty == true, "every revert drops what its migration made")
            #expect(try await migrator.migrate() == Migrations.all.map(\.version))
        }
    }

    @Test(arguments: TestDatabase.engines) func concurrentMigratorsApplyEachMigrationOnce(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine, migrate: false) { store in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<3 {
                    group.addTask { try await Migrator(backend: store.backend, logger: testLogger).migrate() }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.sorted() == Migrations.all.map(\.version), "each version applied by exactly one migrator")
        }
    }

    @Test(arguments: TestDatabase.engines) func everyAppOwnedTableCarriesAppID(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let names = try await tables(store)
            #expect(names.contains("customers") && names.contains("audit_logs"))
            for table in names where !Migrations.platformTables.contains(table) {
                let columns = try await self.columns(of: table, store)
                #expect(columns.contains("app_id"), "table \(table) has no app_id column")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func aWriteThatRecordsNoAuditEntryIsRolledBack(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            await #expect(throws: StoreError.self) {
                try await store.write(admin, app: nil) { session in
                    try await session.apps.insert(
                        App(id: session.ids.next(App.self, at: session.now), name: "x", mode: .test, createdAt: session.now)
                    )
                }
            }
            let apps = try await store.read { try await $0.apps.list(try PageRequest()) }
            #expect(apps.data.isEmpty, "the unaudited insert did not commit")
        }
    }

    @Test(arguments: TestDatabase.engines) func customersPageNewestFirstWithinTheirApp(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let apps = Apps.Service(store: store)
            let customers = Customers.Service(store: store)
            let (first, _, _) = try await apps.create(name: "one", mode: .test, origin: admin)
            let (second, _, _) = try await apps.create(name: "two", mode: .test, origin: admin)
            for index in 0..<5 {
                _ = try await customers.upsert(app: first.id, externalID: "org_\(index)", changes: .init(name: .set("n\(index)")), origin: admin)
            }
            _ = try await customers.upsert(app: second.id, externalID: "org_0", changes: .init(), origin: admin)

            let page1 = try await customers.list(app: first.id, try PageRequest(limit: 2))
            #expect(page1.data.map(\.externalID) == ["org_4", "org_3"])
            #expect(page1.hasMore)
            let page3 = try await customers.list(
                app: first.id,
                try PageRequest(limit: 2, startingAfter: try await customers.list(app: first.id, try PageRequest(limit: 4)).data.last!.id.rawValue)
            )
            #expect(page3.data.map(\.externalID) == ["org_0"])
            #expect(!page3.hasMore)
            #expect(try await customers.list(app: second.id, try PageRequest()).data.count == 1)
            await #expect(throws: PaymentsError.notFound(.customerNotFound, id: "org_4")) {
                try await customers.get(app: second.id, externalID: "org_4")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func concurrentUpsertsOfOneCustomerMakeOneRow(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            let customers = Customers.Service(store: store)
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await customers.upsert(app: app.id, externalID: "org_race", changes: .init(name: .set("v\(index)")), origin: admin)
                            .created
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(created == 1)
            #expect(try await customers.list(app: app.id, try PageRequest()).data.count == 1)
            let written = try await AuditLog.Service(store: store).verify(app: app.id)
            #expect(written.firstBreak == nil && written.entries == 0 && written.unsealed == 1 + 8, "written, not sealed yet")
            #expect(try await store.auditSealer.sealPending() == 9)
            let verification = try await AuditLog.Service(store: store).verify(app: app.id)
            #expect(verification.firstBreak == nil && verification.unsealed == 0)
            #expect(verification.entries == 1 + 8, "CREATE_APP and one entry per upsert, chained without gaps")
        }
    }

    /// A read never waits on a write that holds the row: reads take no lock.
    @Test(arguments: TestDatabase.engines) func aReadDoesNotWaitForAWriteHoldingTheRow(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            let customers = Customers.Service(store: store)
            _ = try await customers.upsert(app: app.id, externalID: "org_held", changes: .init(name: .set("before")), origin: admin)
            let (locked, lockTaken) = AsyncStream<Void>.makeStream()
            let released = NIOLockedValueBox(false)
            let holder = Task {
                try await store.write(admin, app: app.id) { session in
                    _ = try await session.customers(app.id).find(externalID: "org_held")  // FOR UPDATE on PostgreSQL
                    lockTaken.yield()
                    try await Task.sleep(for: .seconds(3))
                    released.withLockedValue { $0 = true }
                    try await session.audit(
                        app.id,
                        AuditRecord(action: .updateCustomer, targetType: .customer, targetID: "org_held", snapshot: [String: String]())
                    )
                }
            }
            for await _ in locked { break }
            let read = try await customers.get(app: app.id, externalID: "org_held")
            #expect(read.name == "before")
            // Answered while the write still held the row (told by order, not by a time: the test
            // runs beside a hundred others).
            #expect(!released.withLockedValue { $0 }, "the read waited for the write")
            try await holder.value
        }
    }

    @Test(arguments: TestDatabase.engines) func tamperingWithTheAuditLogIsFound(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            let customers = Customers.Service(store: store)
            for index in 0..<4 {
                _ = try await customers.upsert(app: app.id, externalID: "org_\(index)", changes: .init(), origin: admin)
            }
            let audit = AuditLog.Service(store: store)
            try await store.auditSealer.sealPending()
            #expect(try await audit.verify(app: app.id).firstBreak == nil)

            // Someone with database access edits entry 3's snapshot.
            try await store.backend.transaction { db in
                try await db.raw(
                    "UPDATE audit_logs SET payload_snapshot = '{\"external_id\":\"forged\"}' WHERE app_id = \(bind: app.id.rawValue) AND sequence = 3"
                ).run()
            }
            let broken = try await audit.verify(app: app.id).firstBreak
            #expect(broken?.sequence == 3)

            // With the altered entry and all after it deleted, the links left are intact, but the
            // chain now ends before the head it recorded.
            try await store.backend.transaction { db in
                try await db.raw("DELETE FROM audit_logs WHERE app_id = \(bind: app.id.rawValue) AND sequence >= 3").run()
            }
            let truncated = try await audit.verify(app: app.id)
            #expect(truncated.firstBreak?.entryID == "head")
        }
    }

    @Test(arguments: TestDatabase.engines) func idempotencyClaimsReplayAndExpire(engine: SQLEngine) async throws {
        let clock = TestClock()
        try await TestDatabase.withStore(engine, clock: clock.clock) { store in
            let keys = store.idempotency
            func claim(_ hash: String) async throws -> IdempotencyRepository.Claim {
                try await keys.claim(scope: "app_x", key: "k", requestHash: hash, now: clock.now, lease: .seconds(60), retention: .seconds(86_400))
            }
            #expect(try await claim("h1") == .acquired)
            #expect(try await claim("h1") == .inProgress)
            #expect(try await claim("h2") == .mismatch)
            let stored = StoredResponse(status: 201, contentType: "application/json", body: ByteBuffer(string: #"{"a":1}"#))
            try await keys.complete(scope: "app_x", key: "k", response: stored)
            #expect(try await claim("h1") == .replay(stored))
            #expect(
                try await keys.claim(scope: "app_y", key: "k", requestHash: "h2", now: clock.now, lease: .seconds(60), retention: .seconds(86_400))
                    == .acquired,
                "keys are per app"
            )

            // A claim whose request died is taken over after its lease.
            #expect(
                try await keys.claim(scope: "app_x", key: "dead", requestHash: "h", now: clock.now, lease: .seconds(60), retention: .seconds(86_400))
                    == .acquired
            )
            clock.advance(seconds: 61)
            #expect(
                try await keys.claim(scope: "app_x", key: "dead", requestHash: "h", now: clock.now, lease: .seconds(60), retention: .seconds(86_400))
                    == .acquired
            )

            // Retries that find the same abandoned claim at once: one takes it over, the others
            // find it running.
            #expect(
                try await keys.claim(scope: "app_x", key: "raced", requestHash: "h", now: clock.now, lease: .seconds(60), retention: .seconds(86_400))
                    == .acquired
            )
            clock.advance(seconds: 61)
            let now = clock.now
            let claims = try await withThrowingTaskGroup(of: IdempotencyRepository.Claim.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await keys.claim(
                            scope: "app_x",
                            key: "raced",
                            requestHash: "h",
                            now: now,
                            lease: .seconds(60),
                            retention: .seconds(86_400)
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(claims.filter { $0 == .acquired }.count == 1)
            #expect(claims.filter { $0 == .inProgress }.count == 7)

            clock.advance(seconds: 86_400)
            #expect(try await keys.purge(expiredBefore: clock.now) == 4)
            #expect(try await claim("h2") == .acquired, "after retention the key is new")
        }
    }

    // MARK: helpers

    func tables(_ store: Store) async throws -> Set<String> {
        let sql: SQLQueryString =
            switch store.engine {
            case .sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'"
            case .postgres:
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'"
            }
        return Set(try await store.read { try await $0.db.raw(sql).all().map { try $0.decode(column: "name", as: String.self) } })
    }

    func columns(of table: String, _ store: Store) async throws -> Set<String> {
        let sql: SQLQueryString =
            switch store.engine {
            case .sqlite: "SELECT name FROM pragma_table_info(\(bind: table))"
            case .postgres: "SELECT column_name AS name FROM information_schema.columns WHERE table_name = \(bind: table)"
            }
        return Set(try await store.read { try await $0.db.raw(sql).all().map { try $0.decode(column: "name", as: String.self) } })
    }

    @Test(arguments: TestDatabase.engines) func concurrentReceiptsStoreEachProviderEventOnce(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            let now = Date(timeIntervalSince1970: store.clock.now().timeIntervalSince1970.rounded(.down))  // stored in ms
            // 60 receipts at once: 20 events, each delivered three times; platform and own-account ones
            let receipts = (0..<60).map { index in
                let number = index % 20
                let own = number.isMultiple(of: 2)
                return ProviderEvent(
                    id: store.ids.next(ProviderEvent.self, at: now),
                    appID: own ? app.id : nil,
                    provider: .stripe,
                    account: own ? app.id.rawValue : "platform",
                    providerEventID: "evt_\(number)",
                    type: "invoice.paid",
                    createdAt: now.addingTimeInterval(-Double(number)),
                    receivedAt: now,
                    payload: #"{"id":"evt_\#(number)"}"#,
                    status: .pending,
                    attempts: 0,
                    nextAttemptAt: now,
                    lastError: nil,
                    processedAt: nil
                )
            }
            let new = try await withThrowingTaskGroup(of: (ProviderEvent, Bool).self) { group in
                for receipt in receipts { group.addTask { (receipt, try await store.inbox.insert(receipt)) } }
                return try await group.reduce(into: [(ProviderEvent, Bool)]()) { $0.append($1) }
            }
            let firsts = new.filter(\.1).map(\.0)
            #expect(firsts.count == 20 && Set(firsts.map(\.providerEventID)).count == 20, "each event is new exactly once")
            for first in firsts {
                let stored = try #require(try await store.inbox.find(first.id))
                #expect(stored == first, "stored as received: pending, no attempts, due at receipt")
            }
            let count = try await store.read { try await $0.db.raw("SELECT COUNT(*) AS n FROM provider_events").first()! }
            #expect(try count.decode(column: "n", as: Int.self) == 20)
        }
    }

    /// Another instance's outbox worker hears of committed events at once (whichever instance
    /// numbers them makes their deliveries owed): PostgreSQL's LISTEN/NOTIFY; on SQLite, any other
    /// process's commit (`PRAGMA data_version`); nothing while nobody writes.
    @Test(arguments: TestDatabase.engines) func otherInstancesHearOfOutboxWork(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            // another instance: its own bell; on SQLite its own connections to the file, as another process has
            let elsewhereBackend: any StoreBackend =
                if let sqlite = store.backend as? SQLiteBackend {
                    try await SQLiteBackend.open(path: sqlite.path, logger: testLogger)
                } else {
                    store.backend
                }
            let elsewhere = Store(backend: elsewhereBackend)
            let apps = Apps.Service(store: store)
            let (watched, _, _) = try await apps.create(name: "watched", mode: .test, origin: admin)
            let (quiet, _, _) = try await apps.create(name: "quiet", mode: .test, origin: admin)
            let customers = Customers.Service(store: store)
            _ = try await WebhookEndpoints.Service(store: store, secrets: SecretBox(appSecret: Secret("test-app-secret-0123456789abcdefghij")))
                .create(app: watched, url: "http://127.0.0.1:9/a", events: nil, description: nil, origin: admin)
            let listening = Task { try await elsewhere.listenForOutboxWork() }
            defer { listening.cancel() }
            // the listener starts asynchronously: write until it hears (a few hundred ms at most)
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(10))
            var n = 0
            while elsewhere.outboxBell.count == 0 && clock.now < deadline {
                _ = try await customers.upsert(app: watched.id, externalID: "org_\(n)", changes: .init(), origin: admin)
                n += 1
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(elsewhere.outboxBell.count > 0, "a commit with deliveries rings the other instance's bell")
            #expect(store.outboxBell.count >= n, "and its own, without a round trip")
            try await Task.sleep(for: .milliseconds(200))
            let heard = elsewhere.outboxBell.count
            try await Task.sleep(for: .milliseconds(300))
            #expect(elsewhere.outboxBell.count == heard, "no commit, no ring")
            // an app without endpoints: its events are numbered like any others, nobody is owed a delivery
            for n in 0..<3 { _ = try await customers.upsert(app: quiet.id, externalID: "org_\(n)", changes: .init(), origin: admin) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(elsewhere.outboxBell.count > heard, "events to number wake the other instances")
            try await elsewhere.eventSequencer.sequenceAll()
            let owed = try await store.read { session in
                try await session.db.raw(
                    "SELECT COUNT(*) AS n FROM event_deliveries WHERE app_id = \(bind: quiet.id.rawValue)"
                ).first()!.decode(column: "n", as: Int.self)
            }
            let numbered = try await store.read { session in
                try await session.db.raw(
                    "SELECT COUNT(sequence) AS n FROM events WHERE app_id = \(bind: quiet.id.rawValue)"
                ).first()!.decode(column: "n", as: Int.self)
            }
            #expect(owed == 0 && numbered == 3)
            if engine == .sqlite {
                try await elsewhereBackend.shutdown()
            }
        }
    }
}

@Suite struct PostgresURLTests {
    @Test func urlsAreReadAsLibpqReadsThem() throws {
        let configuration = try PostgresBackend.configuration(
            from: "postgresql://billing:p%40ss@db.internal:6543/payments?sslmode=verify-full",
            maximumConnections: 7
        )
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "billing")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == "payments")
        #expect(configuration.options.maximumConnections == 7)
        let percent = try PostgresBackend.configuration(from: "postgres://u:100%25sure@db/x", maximumConnections: 1)
        #expect(percent.password == "100%sure", "decoded once, not twice")
        let defaults = try PostgresBackend.configuration(from: "postgres://db.internal", maximumConnections: 20)
        #expect(defaults.port == 5432 && defaults.username == "postgres" && defaults.database == nil)
    }

    @Test(arguments: ["postgres://db/x?sslmode=sometimes", "mysql://db/x", "postgres:///x"])
    func badURLsAreRefused(url: String) {
        #expect(throws: StoreError.self) { try PostgresBackend.configuration(from: url, maximumConnections: 1) }
    }
}

/// Hot reads run as prepared statements: on PostgreSQL a named one each connection prepares once.
@Suite struct PreparedReadTests {
    @Test(arguments: TestDatabase.engines) func aPreparedReadAnswersAsTheQueryAndIsPreparedOnce(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let admin = Origin(actor: .admin, requestID: "req_prepared")
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            let (other, _, _) = try await Apps.Service(store: store).create(name: "two", mode: .test, origin: admin)
            let made = try await Customers.Service(store: store).upsert(
                app: app.id,
                externalID: "org_1",
                changes: .init(name: .set("One"), metadata: .set(["tier": "gold"])),
                origin: admin
            ).customer
            try await store.read { session in
                for _ in 0..<3 {
                    #expect(try await session.first(CustomerRepository.ByExternalID(app: app.id, externalID: "org_1")) == made)
                }
                #expect(try await session.first(CustomerRepository.ByExternalID(app: other.id, externalID: "org_1")) == nil, "bound to its app")
                #expect(try await session.all(CustomerRepository.ByExternalID(app: app.id, externalID: "org_2")).isEmpty)
                if engine == .postgres {
                    let prepared = try await session.db.raw("SELECT name FROM pg_prepared_statements").all()
                        .map { try $0.decode(column: "name", as: String.self) }
                    #expect(prepared.filter { $0.hasSuffix("ByExternalID") }.count == 1, "prepared once on this connection: \(prepared)")
                }
            }
        }
    }
}

@Suite struct AppClockCacheTests {
    @Test func pastItsTimeOneReaderReadsAgainWhileTheOthersTakeTheOffsetKnown() async throws {
        let cache = AppClockCache(ttl: .milliseconds(200))
        let app = App.ID(rawValue: "app_clock")
        #expect(cache.offsetOrRefresh(of: app) == nil, "nothing known: the caller reads")
        cache.remember(.seconds(30), of: app)
        #expect(cache.offsetOrRefresh(of: app).map { [$0.offset == .seconds(30), $0.refresh] } == [true, false])
        try await Task.sleep(for: .milliseconds(250))
        #expect(cache.offset(of: app) == nil, "a write's read does not trust it past its time")
        #expect(cache.offsetOrRefresh(of: app)?.refresh == true, "the first reader past its time reads again")
        for _ in 0..<5 {
            #expect(cache.offsetOrRefresh(of: app).map { [$0.offset == .seconds(30), $0.refresh] } == [true, false], "the others do not wait")
        }
        try await Task.sleep(for: .milliseconds(250))
        #expect(cache.offsetOrRefresh(of: app)?.refresh == true, "a read that never came back is taken over")
        cache.remember(.seconds(90), of: app)
        #expect(cache.offsetOrRefresh(of: app).map { [$0.offset == .seconds(90), $0.refresh] } == [true, false])
        #expect(cache.offset(of: app) == .seconds(90))
    }
}
