import Logging
import NIOConcurrencyHelpers
import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who caused a write and in which request: what the audit entry records.
public struct Origin: Sendable {
    public let actor: Actor
    public let requestID: String?

    public init(actor: Actor, requestID: String?) {
        self.actor = actor
        self.requestID = requestID
    }

    public static let system = Origin(actor: .system, requestID: nil)
}

/// The service's persistence: repositories over one `StoreBackend`, with the clock and id
/// generator every write uses.
///
/// Writes go through ``write(_:app:_:)`` only, which appends the audit entries the change records
/// in the same transaction (unsealed: ``AuditSealer`` chains them after the commit) and refuses
/// to commit a change that recorded none.
public final class Store: Sendable {
    public let backend: any StoreBackend
    public let clock: Clock
    public let ids: IDGenerator
    /// Rung after a commit that added work to the outbox (events to number and deliver, or a
    /// delivery made due), so an outbox worker in this process starts at once instead of at its
    /// next poll.
    public let outboxBell: Doorbell
    /// Rung after every commit (each wrote audit entries): an audit sealer in this process seals
    /// them soon after instead of at its next poll.
    public let auditBell = Doorbell()

    /// Commits concurrent inbox writes together (webhooks arrive in bursts).
    let inboxWriter: GroupCommit<ProviderEvent, Bool>
    /// What committed changes of customers' entitlements: told at once of this instance's
    /// commits, and of other instances' by ``listenForEntitlementChanges()``.
    public let entitlementChanges = ChangeFeed()
    /// Test-mode apps' clock offsets, so a write does not read its app's each time.
    let clocks = AppClockCache(ttl: .seconds(1))

    public init(backend: any StoreBackend, clock: Clock = .system, ids: IDGenerator = .live, outboxBell: Doorbell = Doorbell()) {
        self.backend = backend
        self.clock = clock
        self.ids = ids
        self.outboxBell = outboxBell
        self.inboxWriter = GroupCommit { events in
            try await ProviderEventRepository.insertBatch(events, backend: backend)
        }
    }

    public var engine: SQLEngine { backend.engine }

    /// Runs reads outside a transaction.
    public func read<T: Sendable>(_ body: @Sendable (Session) async throws -> T) async throws -> T {
        let now = clock.now()
        return try await backend.read { db in
            try await body(Session(db: db, engine: engine, ids: ids, now: now, wallClock: now, origin: nil))
        }
    }

    /// Runs a change in one transaction. The body must record at least one audit entry with
    /// ``Session/audit(_:_:)``; the entries are committed with the change and sealed into the
    /// app's chain soon after (``auditBell``).
    /// - Parameter app: the app whose objects the change makes or changes: the session's `now`
    ///   is that app's clock (a test-mode app's advanced test clock), so every time the app sees
    ///   comes from its clock. Nil for a change that belongs to no app's clock (a new app).
    /// - Throws: `StoreError.unaudited` (and rolls back) when the body recorded nothing.
    public func write<T: Sendable>(_ origin: Origin, app: App.ID?, _ body: @Sendable (Session) async throws -> T) async throws -> T {
        try await change(origin, app: app, audited: true, body)
    }

    /// Records usage events: a transaction on the app's clock that needs no audit entry. Usage
    /// events are the usage log themselves (kept for ever, never changed); metric and quota
    /// changes go through ``write(_:app:_:)`` and are audited. What the usage causes (a
    /// threshold's event, a grace period opened) is announced and audited as in any write.
    public func recordUsage<T: Sendable>(_ origin: Origin, app: App.ID, _ body: @Sendable (Session) async throws -> T) async throws -> T {
        try await change(origin, app: app, audited: false, body)
    }

    /// Adds to counts kept for reports (how many entitlement checks were made and denied): a
    /// transaction that needs no audit entry, as it changes nothing anyone acts on.
    public func recordStatistics<T: Sendable>(app: App.ID, _ body: @Sendable (Session) async throws -> T) async throws -> T {
        try await change(.system, app: app, audited: false, body)
    }

    /// One change's transaction, then what its commit owes: the bells, and the clock it set.
    /// - Parameter audited: whether the change must record an audit entry.
    private func change<T: Sendable>(
        _ origin: Origin,
        app: App.ID?,
        audited: Bool,
        _ body: @Sendable (Session) async throws -> T
    ) async throws -> T {
        let (result, emitted, wroteAudit, clockSet, changes) = try await backend.transaction { db in
            let session = try await session(db, origin: origin, app: app)
            let result = try await body(session)
            try await session.finish()
            if audited, session.auditCount == 0 { throw StoreError.unaudited }
            // Other instances' outbox workers hear of it on commit (see `listenForOutboxWork`).
            if session.emitted, engine == .postgres { try await db.raw("NOTIFY \(unsafeRaw: Self.outboxChannel)").run() }
            let changes = session.entitlementChanges
            // And other instances' entitlement caches (see `listenForEntitlementChanges`).
            if engine == .postgres {
                for payload in ChangeFeed.payloads(changes.filter(\.isShared)) {
                    try await db.raw("SELECT pg_notify(\(bind: Self.entitlementsChannel), \(bind: payload))").run()
                }
            }
            return (result, session.emitted, session.auditCount > 0, session.clockSet, changes)
        }
        // A clock advanced here is seen by this instance's next write at once (and by the reads
        // that follow the caches' drop below).
        if let (app, offset) = clockSet { clocks.remember(offset, of: app) }
        if !changes.isEmpty { entitlementChanges.publish(changes) }
        if wroteAudit { auditBell.ring() }
        if emitted { outboxBell.ring() }
        return result
    }

    /// A write session on `app`'s clock (real time for no app).
    private func session(_ db: any SQLDatabase, origin: Origin, app: App.ID?) async throws -> Session {
        let wallClock = clock.now()
        var offset: Duration = .zero
        if let app {
            if let known = clocks.offset(of: app) {
                offset = known
            } else {
                offset = try await AppClockRepository.offset(of: app, db: db) ?? .zero
                clocks.remember(offset, of: app)
            }
        }
        let now = wallClock.addingTimeInterval(Double(offset.milliseconds) / 1000)
        return Session(db: db, engine: engine, ids: ids, now: now, wallClock: wallClock, origin: origin)
    }

    static let outboxChannel = "payments_outbox"
    static let entitlementsChannel = "payments_entitlements"

    /// Tells ``entitlementChanges`` of other instances' commits that changed entitlements,
    /// until cancelled: on PostgreSQL through `NOTIFY` (each change named), on SQLite after any
    /// other process's commit (everything is dropped then).
    public func listenForEntitlementChanges() async throws {
        try await backend.listen(Self.entitlementsChannel) { [entitlementChanges] payload in
            entitlementChanges.publish(payload.map(ChangeFeed.changes(in:)) ?? [.everything])
        }
    }

    /// An app's time now: real time plus its test clock's offset. The offset is trusted for a
    /// second; past it, one reader reads it again while the others take the one known, so an
    /// advance made through another instance is seen within about a second.
    public func now(of app: App.ID) async throws -> Date {
        let offset: Duration
        if let (known, refresh) = clocks.offsetOrRefresh(of: app), !refresh {
            offset = known
        } else {
            offset = try await backend.read { db in try await AppClockRepository.offset(of: app, db: db) } ?? .zero
            clocks.remember(offset, of: app)
        }
        return clock.now().addingTimeInterval(Double(offset.milliseconds) / 1000)
    }

    /// Rings ``outboxBell`` whenever any instance commits outbox work, until cancelled: a
    /// `payments worker` beside the serving processes delivers at once instead of at its next poll.
    /// On PostgreSQL through `LISTEN`/`NOTIFY`; on SQLite after any other process's commit
    /// (the worker's claim then finds out whether it brought deliveries).
    public func listenForOutboxWork() async throws {
        try await backend.listen(Self.outboxChannel) { [outboxBell] _ in outboxBell.ring() }
    }

    /// Numbers committed events and makes their deliveries owed.
    public var eventSequencer: EventSequencer { EventSequencer(backend: backend, ids: ids, clock: clock) }

    /// Seals committed audit entries into their apps' chains.
    public var auditSealer: AuditSealer { AuditSealer(backend: backend) }

    /// Idempotency records (infrastructure, not audited).
    public var idempotency: IdempotencyRepository { IdempotencyRepository(backend: backend) }

    /// Runs the migrations not yet applied.
    public func migrate(logger: Logger) async throws {
        try await Migrator(backend: backend, logger: logger).migrate()
    }
}

/// One database session: a connection, the time of the unit of work, and — for writes — the
/// origin and the audit entries recorded so far.
public struct Session: Sendable {
    public let db: any SQLDatabase
    public let engine: SQLEngine
    public let ids: IDGenerator
    /// The time of this unit of work on the app's clock: every object the app sees carries it.
    public let now: Date
    /// Real time, for what is about real traffic whatever an app's test clock says: deliveries'
    /// schedules, provider operations, secrets' overlaps.
    public let wallClock: Date
    let origin: Origin?
    private let audited = NIOLockedValueBox(0)
    private let outboxWork = NIOLockedValueBox(false)

    init(db: any SQLDatabase, engine: SQLEngine, ids: IDGenerator, now: Date, wallClock: Date, origin: Origin?) {
        self.db = db
        self.engine = engine
        self.ids = ids
        self.now = now
        self.wallClock = wallClock
        self.origin = origin
    }

    var auditCount: Int { audited.withLockedValue { $0 } }
    /// Whether this session may write (a change's transaction), not a read.
    var isWrite: Bool { origin != nil }
    var emitted: Bool { outboxWork.withLockedValue { $0 } }
    func noteEmitted() { outboxWork.withLockedValue { $0 = true } }
    private let changes = NIOLockedValueBox<Set<EntitlementChange>>([])
    /// What this transaction changed of customers' entitlements.
    var entitlementChanges: Set<EntitlementChange> { changes.withLockedValue { $0 } }
    /// Records that this transaction changes entitlements: caches hear of it when it commits.
    public func noteEntitlementsChanged(_ change: EntitlementChange) { changes.withLockedValue { _ = $0.insert(change) } }
    private let finishers = NIOLockedValueBox<[(key: String, work: @Sendable (Session) async throws -> Void)]>([])
    /// Runs `work` once at the end of this transaction, before it commits (once per `key`,
    /// whatever how many times it is asked for): what depends on the transaction's final state,
    /// such as an event carrying a customer's entitlements after every change the transaction made.
    public func beforeCommit(_ key: String, _ work: @escaping @Sendable (Session) async throws -> Void) {
        finishers.withLockedValue { finishers in
            if !finishers.contains(where: { $0.key == key }) { finishers.append((key, work)) }
        }
    }

    /// Runs the work ``beforeCommit(_:_:)`` asked for (and any that work asks for in turn).
    func finish() async throws {
        var done = 0
        while let next = finishers.withLockedValue({ done < $0.count ? $0[done] : nil }) {
            try await next.work(self)
            done += 1
        }
    }
    private let clockChange = NIOLockedValueBox<(App.ID, Duration)?>(nil)
    /// An app clock this transaction set, to remember once it commits.
    var clockSet: (App.ID, Duration)? { clockChange.withLockedValue { $0 } }
    func noteClockSet(_ app: App.ID, _ offset: Duration) {
        clockChange.withLockedValue { $0 = (app, offset) }
        // Periods, trials and overrides' expiry move with the clock.
        noteEntitlementsChanged(.app(app))
    }

    /// `FOR UPDATE` in a write on PostgreSQL: the row stays locked until the change commits.
    /// Nothing in a read (a lock outside a transaction would write to the row and make every
    /// reader of it wait on the others); SQLite's write transactions are exclusive already.
    var forUpdate: SQLQueryString { isWrite ? engine.forUpdate : "" }

    func requireWrite() throws -> Origin {
        guard let origin else { throw StoreError.readOnly }
        return origin
    }

    /// Appends an entry to the app's audit log in this transaction (sealed into the chain after
    /// the commit).
    @discardableResult
    public func audit(_ appID: App.ID, _ record: AuditRecord) async throws -> AuditEntry {
        let origin = try requireWrite()
        let entry = try await AuditRepository(session: self, appID: appID).append(record, origin: origin)
        audited.withLockedValue { $0 += 1 }
        return entry
    }

    public var apps: AppRepository { AppRepository(session: self) }
    /// Counts across every app, for the operator.
    public var overview: OverviewRepository { OverviewRepository(session: self) }
    public var keys: APIKeyRepository { APIKeyRepository(session: self) }
    public func customers(_ appID: App.ID) -> CustomerRepository { CustomerRepository(session: self, appID: appID) }
    public func auditLog(_ appID: App.ID) -> AuditRepository { AuditRepository(session: self, appID: appID) }
    public func plans(_ appID: App.ID) -> PlanRepository { PlanRepository(session: self, appID: appID) }
    public func metrics(_ appID: App.ID) -> MetricRepository { MetricRepository(session: self, appID: appID) }
    public func usage(_ appID: App.ID) -> UsageRepository { UsageRepository(session: self, appID: appID) }
    public func subscriptions(_ appID: App.ID) -> SubscriptionRepository { SubscriptionRepository(session: self, appID: appID) }
    public func payments(_ appID: App.ID) -> PaymentRepository { PaymentRepository(session: self, appID: appID) }
    public func invoices(_ appID: App.ID) -> InvoiceRepository { InvoiceRepository(session: self, appID: appID) }
    public func checkoutSessions(_ appID: App.ID) -> CheckoutSessionRepository {
        CheckoutSessionRepository(session: self, appID: appID)
    }
    public func operations(_ appID: App.ID) -> ProviderOperationRepository {
        ProviderOperationRepository(session: self, appID: appID)
    }
    public func providerObjects(_ appID: App.ID) -> ProviderObjectRepository {
        ProviderObjectRepository(session: self, appID: appID)
    }
    public func providerAccounts(_ appID: App.ID) -> ProviderAccountRepository {
        ProviderAccountRepository(session: self, appID: appID)
    }
    public func gracePeriods(_ appID: App.ID) -> GracePeriodRepository { GracePeriodRepository(session: self, appID: appID) }
    public func clock(_ appID: App.ID) -> AppClockRepository { AppClockRepository(session: self, appID: appID) }
    public func events(_ appID: App.ID) -> EventRepository { EventRepository(session: self, appID: appID) }
    public func webhookEndpoints(_ appID: App.ID) -> WebhookEndpointRepository {
        WebhookEndpointRepository(session: self, appID: appID)
    }
    public func eventDeliveries(_ appID: App.ID) -> EventDeliveryRepository { EventDeliveryRepository(session: self, appID: appID) }
}

extension SQLRow {
    func date(_ column: String) throws -> Date {
        Timestamp.date(milliseconds: try decode(column: column, as: Int64.self))
    }

    func optionalDate(_ column: String) throws -> Date? {
        try decode(column: column, as: Int64?.self).map(Timestamp.date(milliseconds:))
    }
}

extension Date {
    var millis: Int64 { Timestamp.milliseconds(self) }
}
