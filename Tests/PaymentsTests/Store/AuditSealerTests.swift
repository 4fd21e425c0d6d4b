import Foundation
import Logging
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServices
import PaymentsWorkers
import SQLKit
import ServiceLifecycle
import Testing

@testable import PaymentsStore

/// The audit chain sealed off the request path: every committed entry is sealed exactly once, in
/// one chain per app without gaps, whatever runs beside the sealers, and a sealing pass that dies
/// leaves nothing half done.
@Suite struct AuditSealerTests {
    let admin = Origin(actor: .admin, requestID: "req_sealer")

    @Test(arguments: TestDatabase.engines) func sealersBesideConcurrentWritersChainEveryEntryOnce(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let apps = try await (0..<3).asyncMap { n in try await Apps.Service(store: store).create(name: "app\(n)", mode: .test, origin: admin).0.id
            }
            let customers = Customers.Service(store: store)
            let writing = NIOLockedValueBox(true)
            let sealed = NIOLockedValueBox(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Two sealers, as two instances would run them, sealing while the writes go on.
                for _ in 0..<2 {
                    group.addTask {
                        while writing.withLockedValue({ $0 }) {
                            let count = try await store.auditSealer.sealPending()
                            sealed.withLockedValue { $0 += count }
                            try await Task.sleep(for: .milliseconds(2))
                        }
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<8 {
                        writers.addTask {
                            for n in 0..<25 {
                                let app = apps[(writer + n) % apps.count]
                                _ = try await customers.upsert(app: app, externalID: "org_\(writer)_\(n)", changes: .init(), origin: admin)
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                writing.withLockedValue { $0 = false }
                try await group.waitForAll()
            }
            while try await store.auditSealer.sealPending() > 0 {}
            var total: Int64 = 0
            for app in apps {
                let verification = try await AuditLog.Service(store: store).verify(app: app)
                #expect(verification.firstBreak == nil && verification.unsealed == 0)
                total += verification.entries
            }
            #expect(total == 3 + 8 * 25, "every entry (3 CREATE_APP, 200 CREATE_CUSTOMER) sealed once")
            #expect(sealed.withLockedValue { $0 } > 0, "the sealers sealed while the writes went on")
        }
    }

    /// A sealing pass that dies before its commit (a killed process) leaves every entry unsealed
    /// and every head where it was: the next pass seals them all.
    @Test(arguments: TestDatabase.engines) func aPassThatDiesSealsNothingAndTheNextSealsAll(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            for n in 0..<5 {
                _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_\(n)", changes: .init(), origin: admin)
            }
            let dying = AuditSealer(backend: DiesBeforeCommit(base: store.backend))
            await #expect(throws: DiesBeforeCommit.Killed.self) { try await dying.sealPending() }
            let after = try await AuditLog.Service(store: store).verify(app: app.id)
            #expect(after.entries == 0 && after.unsealed == 6 && after.firstBreak == nil)
            #expect(try await store.read { try await $0.auditLog(app.id).head() }! == (0, ""))

            #expect(try await store.auditSealer.sealPending() == 6)
            let sealed = try await AuditLog.Service(store: store).verify(app: app.id)
            #expect(sealed.entries == 6 && sealed.unsealed == 0 && sealed.firstBreak == nil)
        }
    }

    /// The worker `serve` runs seals an entry when its commit rings the bell (its poll here is a
    /// minute, so only the bell can have woken it), seals what another process wrote at its
    /// poll, and seals what was committed last when it stops.
    @Test(arguments: TestDatabase.engines) func theWorkerSealsOnTheBellAtItsPollAndBeforeItStops(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            func sealed(_ count: Int64, within limit: Duration) async throws -> Bool {
                let clock = ContinuousClock()
                let start = clock.now
                while clock.now - start < limit {
                    let verification = try await AuditLog.Service(store: store).verify(app: app.id)
                    if verification.unsealed == 0 && verification.entries == count && verification.firstBreak == nil { return true }
                    try await Task.sleep(for: .milliseconds(10))
                }
                return false
            }
            func run(_ worker: AuditSealingWorker, _ body: () async throws -> Void) async throws {
                let group = ServiceGroup(services: [worker], logger: Logger(label: "test"))
                let running = Task { try await group.run() }
                try await Task.sleep(for: .milliseconds(50))  // it has sealed what it found and waits
                try await body()
                await group.triggerGracefulShutdown()
                try await running.value
            }

            let onTheBell = AuditSealingWorker(sealer: store.auditSealer, bell: store.auditBell, poll: .seconds(60), logger: Logger(label: "test"))
            try await run(onTheBell) {
                _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_1", changes: .init(), origin: admin)
                #expect(try await sealed(2, within: .seconds(5)), "woken by the commit's bell, not its minute-long poll")
                _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_2", changes: .init(), origin: admin)
            }
            let stopped = try await AuditLog.Service(store: store).verify(app: app.id)
            #expect(stopped.unsealed == 0 && stopped.entries == 3, "the last write sealed before the worker stopped")

            // Written by another process: its commit rings a bell this worker does not hear.
            let elsewhere = AuditSealingWorker(sealer: store.auditSealer, bell: Doorbell(), poll: .milliseconds(200), logger: Logger(label: "test"))
            try await run(elsewhere) {
                _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_3", changes: .init(), origin: admin)
                #expect(try await sealed(4, within: .seconds(5)), "found at its poll")
            }
        }
    }

    /// Someone with database access can neither edit, delete nor slip in a sealed entry unseen.
    @Test(arguments: TestDatabase.engines) func anEntryInsertedIntoTheSealedChainIsCaught(engine: SQLEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let (app, _, _) = try await Apps.Service(store: store).create(name: "one", mode: .test, origin: admin)
            for n in 0..<3 {
                _ = try await Customers.Service(store: store).upsert(app: app.id, externalID: "org_\(n)", changes: .init(), origin: admin)
            }
            try await store.auditSealer.sealPending()
            // A forged entry given the next sequence and a hash computed the way the sealer would,
            // but the head not moved (the chain's end is recorded beside it).
            let last = try #require(try await store.read { try await $0.auditLog(app.id).chain(from: 4, limit: 1) }.first?.seal)
            let forged = AuditEntry(
                id: AuditEntry.ID(rawValue: "aud_forged"),
                appID: app.id,
                actorID: "admin",
                keyID: nil,
                actionType: "CREATE_CUSTOMER",
                targetType: "customer",
                targetID: "cus_forged",
                payloadSnapshot: "{}",
                requestID: nil,
                createdAt: Date()
            ).sealed(sequence: last.sequence + 1, previousHash: last.hash)
            try await store.backend.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO audit_logs (id, app_id, sequence, actor_id, action_type, target_type, target_id, payload_snapshot,
                        created_at, previous_hash, hash)
                    VALUES ('aud_forged', \(bind: app.id.rawValue), \(bind: forged.seal!.sequence), 'admin', 'CREATE_CUSTOMER',
                        'customer', 'cus_forged', '{}', \(bind: Int64(forged.createdAt.timeIntervalSince1970 * 1000)),
                        \(bind: forged.seal!.previousHash), \(bind: forged.seal!.hash))
                    """
                ).run()
            }
            let verification = try await AuditLog.Service(store: store).verify(app: app.id)
            #expect(verification.firstBreak?.entryID == "head", "the chain runs past the head it recorded")
        }
    }
}

/// A backend whose transactions run their body and then fail instead of committing, as a process
/// killed at that moment would.
struct DiesBeforeCommit: StoreBackend {
    struct Killed: Error {}
    let base: any StoreBackend
    var engine: SQLEngine { base.engine }

    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T { try await base.read(body) }
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await base.transaction { db in
            _ = try await body(db)
            throw Killed()
        }
    }
    func autocommit<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T { throw Killed() }
    func listen(_ channel: String, _ signal: @escaping @Sendable (String?) -> Void) async throws { throw Killed() }
    func withMigrationLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T { throw Killed() }
    func poolStatistics() -> PoolStatistics { base.poolStatistics() }
    func shutdown() async throws {}
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
