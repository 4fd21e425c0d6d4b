import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PaymentsDomain
import PaymentsServices
import SQLKit
import Testing

@testable import PaymentsStore

@Suite struct SQLiteBackendTests {
    /// A database file of the test's own, removed afterwards.
    func withDatabaseFile(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("payments-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("test.sqlite").path)
    }

    @Test func anInMemoryDatabaseIsRefused() async {
        await #expect(throws: StoreError.self) { try await SQLiteBackend.open(path: ":memory:", logger: testLogger) }
    }

    /// Two processes on one file (a `payments worker` beside `serve`): a writer that finds the
    /// lock taken waits for it and goes on soon after it is free, and gives up after its own busy
    /// timeout.
    @Test func aWriterWaitsForAnotherProcesssLockAndNoLonger() async throws {
        try await withDatabaseFile { path in
            let server = try await SQLiteBackend.open(path: path, logger: testLogger)
            let worker = try await SQLiteBackend.open(path: path, busyTimeoutMilliseconds: 2000, logger: testLogger)
            let impatient = try await SQLiteBackend.open(path: path, busyTimeoutMilliseconds: 50, logger: testLogger)
            try await server.transaction { try await $0.raw("CREATE TABLE t (n INTEGER)").run() }

            let clock = ContinuousClock()
            let held = Duration.milliseconds(300)
            let (locked, lockTaken) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await server.transaction { db in
                    try await db.raw("INSERT INTO t (n) VALUES (1)").run()
                    lockTaken.yield()
                    try await Task.sleep(for: held)
                }
            }
            for await _ in locked { break }
            let start = clock.now
            await #expect(throws: (any Error).self, "past its busy timeout a writer gives up") {
                try await impatient.autocommit { try await $0.raw("INSERT INTO t (n) VALUES (3)").run() }
            }
            try await worker.transaction { try await $0.raw("INSERT INTO t (n) VALUES (2)").run() }
            let waited = clock.now - start
            try await holder.value
            let order = try await worker.read {
                try await $0.raw("SELECT n FROM t ORDER BY rowid").all().map { try $0.decode(column: "n", as: Int.self) }
            }
            #expect(order == [1, 2], "the waiting write went in after the holder's commit; the impatient one not at all")
            // Well under its 2 s busy timeout: it went on when the lock was freed, not when it gave
            // up (the bound is loose on purpose: the test runs beside a hundred others).
            #expect(waited < .milliseconds(1500), "it went on when the lock was freed (\(waited))")
            for backend in [server, worker, impatient] { try await backend.shutdown() }
        }
    }

    /// Shutting down while a write is under way lets it commit, then closes the writer (a
    /// connection closed under it would fail the write).
    @Test func shutdownWaitsForTheWriteUnderWay() async throws {
        try await withDatabaseFile { path in
            let backend = try await SQLiteBackend.open(path: path, logger: testLogger)
            try await backend.transaction { try await $0.raw("CREATE TABLE t (n INTEGER)").run() }
            let (started, start) = AsyncStream<Void>.makeStream()
            let write = Task {
                try await backend.transaction { db in
                    try await db.raw("INSERT INTO t (n) VALUES (1)").run()
                    start.yield()
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            for await _ in started { break }
            try await backend.shutdown()
            try await write.value
            await #expect(throws: StoreError.self, "closed to new work") {
                try await backend.transaction { try await $0.raw("INSERT INTO t (n) VALUES (2)").run() }
            }
            let reopened = try await SQLiteBackend.open(path: path, logger: testLogger)
            let count = try await reopened.read { try await $0.raw("SELECT COUNT(*) AS n FROM t").first()!.decode(column: "n", as: Int.self) }
            #expect(count == 1, "the write under way committed")
            try await reopened.shutdown()
        }
    }

    /// What wakes a `payments worker` on SQLite: another process's commits, not its own (which
    /// ring its bell directly) and nothing while the file is quiet.
    @Test func aListenerHearsOtherProcessesCommitsOnly() async throws {
        try await withDatabaseFile { path in
            let listener = try await SQLiteBackend.open(path: path, logger: testLogger)
            let other = try await SQLiteBackend.open(path: path, logger: testLogger)
            try await listener.transaction { try await $0.raw("CREATE TABLE t (n INTEGER)").run() }
            let heard = NIOLockedValueBox(0)
            let listening = Task { try await listener.listen("any") { _ in heard.withLockedValue { $0 += 1 } } }
            try await Task.sleep(for: .milliseconds(100))  // it has read the version it starts from

            for n in 0..<5 { try await listener.transaction { try await $0.raw("INSERT INTO t (n) VALUES (\(literal: n))").run() } }
            try await Task.sleep(for: .milliseconds(100))
            #expect(heard.withLockedValue { $0 } == 0, "its own commits")
            try await other.transaction { try await $0.raw("INSERT INTO t (n) VALUES (99)").run() }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(5))
            while heard.withLockedValue { $0 } == 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(heard.withLockedValue { $0 } == 1, "another process's commit")
            try await Task.sleep(for: .milliseconds(100))
            #expect(heard.withLockedValue { $0 } == 1, "and nothing while the file is quiet")

            listening.cancel()
            _ = try? await listening.value
            for backend in [listener, other] { try await backend.shutdown() }
        }
    }

    /// What the store binds and reads comes back as it went in, and a column that holds
    /// something else is an error naming the column.
    @Test func valuesGoInAndComeBackAsTheyWere() async throws {
        try await withDatabaseFile { path in
            let backend = try await SQLiteBackend.open(path: path, logger: testLogger)
            try await backend.transaction { db in
                try await db.raw("CREATE TABLE t (s TEXT, i INTEGER, r REAL, b BLOB, n TEXT)").run()
                let text = "Zoë 🧾 \"quoted\" 'single'"
                try await db.raw(
                    """
                    INSERT INTO t VALUES (\(bind: text), \(bind: Int64.min), \(bind: 0.1), \(bind: ByteBuffer(bytes: [0, 1, 255])),
                        \(bind: String?.none))
                    """
                ).run()
                try await db.raw("INSERT INTO t VALUES (\(bind: ""), \(bind: Int64.max), \(bind: -2.5), \(bind: [UInt8]()), \(bind: "x" as String?))")
                    .run()
            }
            let rows = try await backend.read { try await $0.raw("SELECT * FROM t ORDER BY rowid").all() }
            #expect(rows.count == 2 && rows[0].allColumns == ["s", "i", "r", "b", "n"])
            #expect(try rows[0].decode(column: "s", as: String.self) == "Zoë 🧾 \"quoted\" 'single'")
            #expect(try rows[0].decode(column: "i", as: Int64.self) == .min)
            #expect(try rows[1].decode(column: "i", as: Int.self) == .max)
            #expect(try rows[0].decode(column: "r", as: Double.self) == 0.1)
            #expect(try rows[0].decode(column: "b", as: ByteBuffer?.self) == ByteBuffer(bytes: [0, 1, 255]))
            #expect(try rows[0].decode(column: "n", as: String?.self) == nil && rows[0].decodeNil(column: "n"))
            #expect(try rows[1].decode(column: "s", as: String.self) == "" && rows[1].decode(column: "n", as: String?.self) == "x")
            #expect(try rows[1].decode(column: "b", as: [UInt8].self) == [])
            #expect(throws: SQLiteFailure.self, "a text column read as a number") { try rows[0].decode(column: "s", as: Int64.self) }
            #expect(throws: SQLiteFailure.self, "a NULL read as a string") { try rows[0].decode(column: "n", as: String.self) }
            do {
                _ = try rows[0].decode(column: "nope", as: String.self)
                Issue.record("no error for a missing column")
            } catch let error as SQLiteFailure {
                #expect(error.message.contains("nope"))
            }
            await #expect(throws: SQLiteFailure.self, "a value SQLite has no type for") {
                try await backend.read { try await $0.raw("SELECT \(bind: [1, 2])").run() }
            }
            try await backend.shutdown()
        }
    }

    /// A statement text is prepared once per connection and run again with new values; one that
    /// failed half-way (a constraint) is reset and runs again; a text of several statements runs
    /// them all.
    @Test func statementsArePreparedOnceAndReusedAfterAFailure() async throws {
        try await withDatabaseFile { path in
            let connection = try SQLiteConnection(path: path, pragmas: [])
            try connection.execute("CREATE TABLE t (n INTEGER PRIMARY KEY); CREATE TABLE u (m INTEGER);", []) { _ in }
            for n in 0..<100 { try connection.execute("INSERT INTO t (n) VALUES (?1)", [.integer(Int64(n))]) { _ in } }
            #expect(connection.preparations == 1, "one text, prepared once")
            #expect(throws: SQLiteFailure.self, "a duplicate key") {
                try connection.execute("INSERT INTO t (n) VALUES (?1)", [.integer(5)]) { _ in }
            }
            try connection.execute("INSERT INTO t (n) VALUES (?1)", [.integer(100)]) { _ in }
            var count: Int64 = 0
            try connection.execute("SELECT COUNT(*) AS c FROM t", []) { count = try $0.decode(column: "c", as: Int64.self) }
            #expect(count == 101)
            #expect(throws: SQLiteFailure.self, "a value too few") { try connection.execute("INSERT INTO t (n) VALUES (?1)", []) { _ in } }
            try connection.execute("INSERT INTO u (m) VALUES (1); INSERT INTO u (m) VALUES (2)", []) { _ in }
            try connection.execute("SELECT COUNT(*) AS c FROM u", []) { count = try $0.decode(column: "c", as: Int64.self) }
            #expect(count == 2, "both statements of the text ran")
            connection.close()
        }
    }

    /// Transactions that arrive while another runs commit with it, each answered only once its
    /// change is committed (another connection sees it), and one that fails rolls back alone.
    @Test func transactionsThatArriveTogetherCommitTogetherAndFailAlone() async throws {
        try await withDatabaseFile { path in
            let backend = try await SQLiteBackend.open(path: path, logger: testLogger)
            try await backend.transaction { try await $0.raw("CREATE TABLE t (n INTEGER PRIMARY KEY)").run() }
            let before = backend.writer.statistics.withLockedValue { $0 }
            let (held, holding) = AsyncStream<Void>.makeStream()
            let first = Task {
                try await backend.transaction { db in
                    try await db.raw("INSERT INTO t (n) VALUES (1000)").run()
                    holding.yield()
                    // Held until the others all wait for the writer: told by their count, not by a
                    // time (a loaded machine took more than 100 ms to queue them, and they committed apart).
                    let deadline = ContinuousClock.now + .seconds(30)
                    while backend.writer.waiting < 40, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
                }
            }
            for await _ in held { break }
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for n in 0..<40 {
                    group.addTask {
                        do {
                            try await backend.transaction { db in
                                try await db.raw("INSERT INTO t (n) VALUES (\(bind: n))").run()
                                // Every fifth inserts a duplicate after its first row: it fails whole.
                                if n % 5 == 0 { try await db.raw("INSERT INTO t (n) VALUES (\(bind: n))").run() }
                            }
                        } catch {
                            return (n, false)
                        }
                        let seen = try await backend.read { db in
                            try await db.raw("SELECT COUNT(*) AS c FROM t WHERE n = \(bind: n)").first()!.decode(column: "c", as: Int.self)
                        }
                        #expect(seen == 1, "answered after its commit: another connection sees row \(n)")
                        return (n, true)
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            try await first.value
            #expect(outcomes.filter { !$0.value }.keys.sorted() == [0, 5, 10, 15, 20, 25, 30, 35], "the failing ones, and only they")
            let rows = try await backend.read { db in
                try await db.raw("SELECT n FROM t ORDER BY n").all().map { try $0.decode(column: "n", as: Int.self) }
            }
            #expect(rows == (0..<40).filter { $0 % 5 != 0 } + [1000], "each failing transaction rolled back alone")
            let after = backend.writer.statistics.withLockedValue { $0 }
            let (commits, transactions) = (after.commits - before.commits, after.transactions - before.transactions)
            #expect(transactions == 41 && commits < transactions / 2, "\(transactions) transactions in \(commits) commits")
            try await backend.shutdown()
        }
    }

    /// Many tasks reading and writing at once each get a connection of their own: every write
    /// lands once and every read sees a consistent count.
    @Test func concurrentReadsAndWritesEachHaveTheirConnection() async throws {
        try await withDatabaseFile { path in
            let backend = try await SQLiteBackend.open(path: path, readers: 2, logger: testLogger)
            try await backend.transaction { try await $0.raw("CREATE TABLE t (n INTEGER PRIMARY KEY, twice INTEGER)").run() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        try await backend.transaction { db in
                            try await db.raw("INSERT INTO t (n, twice) VALUES (\(bind: n), \(bind: 0))").run()
                            try await Task.sleep(for: .microseconds(50))  // another task runs meanwhile
                            try await db.raw("UPDATE t SET twice = n * 2 WHERE n = \(bind: n)").run()
                        }
                        let wrong = try await backend.read { db in
                            try await db.raw("SELECT COUNT(*) AS c FROM t WHERE twice != n * 2").first()!.decode(column: "c", as: Int.self)
                        }
                        #expect(wrong == 0, "a reader never sees half a transaction")
                    }
                }
                try await group.waitForAll()
            }
            let count = try await backend.read { try await $0.raw("SELECT COUNT(*) AS c FROM t").first()!.decode(column: "c", as: Int.self) }
            #expect(count == 200)
            try await backend.shutdown()
        }
    }
}

/// A failing statement inside a store write undoes everything the write did before it: the
/// change and its audit entry.
@Suite struct TransactionRollbackTests {
    @Test(arguments: TestDatabase.engines) func aStatementErrorRollsBackTheWholeChange(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let admin = Origin(actor: .admin, requestID: "req_rollback")
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            let before = try await store.backend.read {
                try await $0.raw("SELECT COUNT(*) AS c FROM audit_logs").first()!.decode(column: "c", as: Int.self)
            }
            await #expect(throws: (any Error).self) {
                try await store.write(admin, app: app.id) { session in
                    let customer = Customer(
                        id: session.ids.next(Customer.self, at: session.now),
                        appID: app.id,
                        externalID: "org_lost",
                        name: nil,
                        email: nil,
                        legalName: nil,
                        metadata: [:],
                        createdAt: session.now,
                        updatedAt: session.now
                    )
                    #expect(try await session.customers(app.id).insertIfAbsent(customer))
                    try await session.audit(app.id, AuditRecord(action: .createCustomer, target: customer.id, snapshot: ["external_id": "org_lost"]))
                    // A row without its required columns breaks a NOT NULL constraint.
                    try await session.db.raw("INSERT INTO customers (id, app_id) VALUES ('cus_broken', \(bind: app.id.rawValue))").run()
                }
            }
            await #expect(throws: PaymentsError.self, "the first insert is gone") {
                try await Customers.Service(store: store).get(app: app.id, externalID: "org_lost")
            }
            let after = try await store.backend.read {
                try await $0.raw("SELECT COUNT(*) AS c FROM audit_logs").first()!.decode(column: "c", as: Int.self)
            }
            #expect(after == before, "and so is its audit entry")
            // The connection is usable at once: the next write commits.
            _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_kept", changes: .init(), origin: admin)
            #expect(try await Customers.Service(store: store).get(app: app.id, externalID: "org_kept").externalID == "org_kept")
        }
    }
}
