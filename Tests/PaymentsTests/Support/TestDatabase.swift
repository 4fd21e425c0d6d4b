import Foundation
import Logging
import NIOConcurrencyHelpers
import PaymentsDomain
import SQLKit
import Testing

@testable import PaymentsStore

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let time: NIOLockedValueBox<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { time = NIOLockedValueBox(start) }

    var now: Date { time.withLockedValue { $0 } }
    func advance(seconds: Double) { time.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
    var clock: Clock { Clock { [time] in time.withLockedValue { $0 } } }
}

let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
}()

/// Where store and API tests run: every such test runs on both engines.
enum TestDatabase {
    static let engines: [SQLEngine] = [.sqlite, .postgres]

    /// The PostgreSQL server for tests, from `TEST_DATABASE_URL` (the test script starts one).
    /// Its absence fails the test: nothing is skipped silently.
    static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty else {
            Issue.record(
                "TEST_DATABASE_URL is not set: PostgreSQL tests need a server. Run ./scripts/test.sh, which starts one."
            )
            throw TestSetupError.noPostgres
        }
        return url
    }

    /// Runs `body` with a store on a new, migrated, empty database of `engine`, then drops it.
    static func withStore<T>(
        _ engine: SQLEngine,
        clock: Clock = .system,
        migrate: Bool = true,
        _ body: (Store) async throws -> T
    ) async throws -> T {
        let backend: any StoreBackend
        var cleanup: () async throws -> Void
        switch engine {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("payments-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            backend = try await SQLiteBackend.open(path: directory.appendingPathComponent("test.sqlite").path, logger: testLogger)
            if migrate { try await Migrator(backend: backend, logger: testLogger).migrate() }
            cleanup = { try FileManager.default.removeItem(at: directory) }
        case .postgres:
            let base = try postgresURL()
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let template = migrate ? try await PostgresTemplate.shared.name(baseURL: base) : "template0"
            try await PostgresAdmin.run(baseURL: base, "CREATE DATABASE \(name) TEMPLATE \(template)")
            backend = try await PostgresBackend.connect(url: PostgresAdmin.url(base, database: name), maximumConnections: 8, logger: testLogger)
            cleanup = { try await PostgresAdmin.run(baseURL: base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        }
        let store = Store(backend: backend, clock: clock)
        do {
            let result = try await body(store)
            try await backend.shutdown()
            try await cleanup()
            return result
        } catch {
            try? await backend.shutdown()
            try? await cleanup()
            throw error
        }
    }
}

enum TestSetupError: Error { case noPostgres }

/// Statements on the server's maintenance database (CREATE/DROP DATABASE).
enum PostgresAdmin {
    static func url(_ base: String, database: String) -> String {
        var components = URLComponents(string: base)!
        components.path = "/" + database
        return components.string!
    }

    static func run(baseURL: String, _ sql: String) async throws {
        let backend = try await PostgresBackend.connect(url: url(baseURL, database: "postgres"), maximumConnections: 1, logger: testLogger)
        do {
            try await backend.read { db in try await db.raw(SQLQueryString(sql)).run() }
            try await backend.shutdown()
        } catch {
            try? await backend.shutdown()
            throw error
        }
    }
}

/// A migrated template database, made once per test process; each test copies it.
actor PostgresTemplate {
    static let shared = PostgresTemplate()
    private var ready: Task<String, any Error>?

    func name(baseURL: String) async throws -> String {
        if let ready { return try await ready.value }
        let task = Task {
            let name = "payments_template_\(ProcessInfo.processInfo.processIdentifier)"
            try await PostgresAdmin.run(baseURL: baseURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            try await PostgresAdmin.run(baseURL: baseURL, "CREATE DATABASE \(name) TEMPLATE template0")
            let backend = try await PostgresBackend.connect(
                url: PostgresAdmin.url(baseURL, database: name),
                maximumConnections: 2,
                logger: testLogger
            )
            try await Migrator(backend: backend, logger: testLogger).migrate()
            try await backend.shutdown()
            return name
        }
        ready = task
        return try await task.value
    }
}

/// An app made on a database migrated only part of the way (an upgrade test's "before"): the app
/// row and its audit entry alone, as any schema since the first has them (no keys: their table
/// has grown since).
func oldApp(_ store: Store, name: String) async throws -> App {
    try await store.write(Origin(actor: .admin, requestID: nil), app: nil) { session in
        let app = App(id: session.ids.next(App.self, at: session.now), name: name, mode: .test, createdAt: session.now)
        try await session.apps.insert(app)
        try await session.audit(app.id, try AuditRecord(action: .createApp, target: app.id, snapshot: ["name": name]))
        return app
    }
}
