import PaymentsDomain
import PaymentsStore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Each app's gate settings and each customer's resolved standing, as checks read them, kept in
/// step with the database by the store's change feed.
///
/// Staleness, documented: a change committed through this instance is seen by the next check
/// (the entry is dropped at commit, before the writer's request answers). A change committed on
/// another instance arrives by PostgreSQL `NOTIFY` (on SQLite, any other process's commit drops
/// everything, seen within 10 ms): well under a second. Usage is not notified across instances
/// (it changes with every event): an entry whose customer has a limit is re-read when it is older
/// than ``usageMaxAge`` (900 ms, so that with the read again it is within a second), and read
/// again ahead, without a check waiting, from half that age on; this instance's own usage events
/// drop it at once.
final class EntitlementCache: Sendable {
    // The entries are immutable classes: every check takes one out of the shared dictionary,
    // and sharing a class is one reference count, where a struct's copy counts each of its
    // strings and collections (on both cores, for the same entry).

    /// What a check of any customer of an app reads.
    final class AppRules: Sendable {
        let policy: Entitlement.Policy
        let rules: [String: Entitlement.Rule]
        /// Every feature and limit a plan of the app names, and every rule's.
        let known: Set<String>
        let metrics: [String: Metric]

        init(policy: Entitlement.Policy, rules: [String: Entitlement.Rule], known: Set<String>, metrics: [String: Metric]) {
            self.policy = policy
            self.rules = rules
            self.known = known
            self.metrics = metrics
        }
    }

    /// A customer's standing and usage, read together.
    final class CustomerState: Sendable {
        let customer: Customer
        let standing: Entitlement.Standing
        let period: UsagePeriod
        /// The customer's usage this period of each metric a limit of theirs names.
        let usage: [String: Double]
        /// Whether any limit counts usage (then the entry ages out after ``usageMaxAge``).
        let countsUsage: Bool
        let readAt: ContinuousClock.Instant

        init(
            customer: Customer,
            standing: Entitlement.Standing,
            period: UsagePeriod,
            usage: [String: Double],
            countsUsage: Bool,
            readAt: ContinuousClock.Instant
        ) {
            self.customer = customer
            self.standing = standing
            self.period = period
            self.usage = usage
            self.countsUsage = countsUsage
            self.readAt = readAt
        }
    }

    /// A customer as a check names them: the app and its id for them.
    private struct ExternalKey: Hashable {
        let app: App.ID
        let externalID: String
    }

    private struct LocationKey: Hashable {
        let metric: String
        let location: String
    }

    private struct State {
        var apps: [App.ID: AppRules] = [:]
        var customers: [Customer.ID: CustomerState] = [:]
        /// The same entries by the app's id for the customer: a warm check finds the app's
        /// rules and the customer's state in one look (``warm(_:externalID:now:)``).
        var named: [ExternalKey: CustomerState] = [:]
        /// Per-location usage, per customer.
        var locations: [Customer.ID: [LocationKey: (value: Double, readAt: ContinuousClock.Instant)]] = [:]
        /// Counts invalidations; a read that began before one of its entry's must not be kept.
        var tick: UInt64 = 0
        var customerDropped: [Customer.ID: UInt64] = [:]
        var appDropped: [App.ID: UInt64] = [:]
        var allDropped: UInt64 = 0
        /// Reads under way, each joined by the checks that miss meanwhile (64 requests for one
        /// customer make one read, not 64).
        var loading: [Customer.ID: Task<CustomerState, any Error>] = [:]
    }

    static let usageMaxAge = Duration.milliseconds(900)
    /// From this age on an entry that counts usage is read again ahead (a `Duration` divides in
    /// 128 bits: worked out once).
    static let refreshAge = usageMaxAge / 2
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The moment a read starts: pass it back when keeping what was read.
    var tick: UInt64 { state.withLock { $0.tick } }

    func rules(_ app: App.ID) -> AppRules? { state.withLock { $0.apps[app] } }

    func keep(_ rules: AppRules, of app: App.ID, readSince tick: UInt64) {
        state.withLock { state in
            guard max(state.allDropped, state.appDropped[app] ?? 0) <= tick else { return }
            state.apps[app] = rules
        }
    }

    /// The customer's cached state, unless usage it counts has aged out; `refresh` when it soon
    /// will (the caller reads it again without waiting, so checks of a busy customer never wait).
    func customer(_ id: Customer.ID, now: ContinuousClock.Instant) -> (state: CustomerState, refresh: Bool)? {
        state.withLock { state in
            guard let entry = state.customers[id] else { return nil }
            return Self.fresh(entry, now: now, loading: state.loading)
        }
    }

    /// What a warm check reads, in one look under the lock: the app's rules and the state of its
    /// customer `externalID` (as ``customer(_:now:)`` judges it), or nil when either is not kept.
    func warm(_ app: App.ID, externalID: String, now: ContinuousClock.Instant) -> (rules: AppRules, state: CustomerState, refresh: Bool)? {
        state.withLock { state in
            guard let rules = state.apps[app], let entry = state.named[ExternalKey(app: app, externalID: externalID)],
                let (fresh, refresh) = Self.fresh(entry, now: now, loading: state.loading)
            else { return nil }
            return (rules, fresh, refresh)
        }
    }

    private static func fresh(
        _ entry: CustomerState,
        now: ContinuousClock.Instant,
        loading: [Customer.ID: Task<CustomerState, any Error>]
    ) -> (state: CustomerState, refresh: Bool)? {
        guard entry.countsUsage else { return (entry, false) }
        let age = now - entry.readAt
        if age > usageMaxAge { return nil }
        return (entry, age > refreshAge && loading[entry.customer.id] == nil)
    }

    func keep(_ entry: CustomerState, readSince tick: UInt64) {
        state.withLock { state in
            let app = entry.customer.appID
            guard max(state.allDropped, state.appDropped[app] ?? 0, state.customerDropped[entry.customer.id] ?? 0) <= tick else { return }
            if state.customers.count >= capacity {
                state.customers.removeAll(keepingCapacity: true)
                state.named.removeAll(keepingCapacity: true)
            }
            state.customers[entry.customer.id] = entry
            state.named[ExternalKey(app: app, externalID: entry.customer.externalID)] = entry
        }
    }

    /// The read of `customer` under way, or the one `start` begins (called under the cache's
    /// lock: it must not call the cache).
    func load(_ customer: Customer.ID, _ start: () -> Task<CustomerState, any Error>) -> Task<CustomerState, any Error> {
        state.withLock { state in
            if let running = state.loading[customer] { return running }
            let task = start()
            state.loading[customer] = task
            return task
        }
    }

    /// Forgets a finished read (unless a change dropped it and another began).
    func loaded(_ customer: Customer.ID, readSince tick: UInt64) {
        state.withLock { state in
            if (state.customerDropped[customer] ?? 0) <= tick, state.allDropped <= tick { state.loading[customer] = nil }
        }
    }

    func location(_ customer: Customer.ID, metric: String, location: String, now: ContinuousClock.Instant) -> Double? {
        state.withLock { state in
            guard let entry = state.locations[customer]?[LocationKey(metric: metric, location: location)],
                now - entry.readAt <= Self.usageMaxAge
            else { return nil }
            return entry.value
        }
    }

    func keep(location value: Double, customer: Customer, metric: String, location: String, readSince tick: UInt64, at now: ContinuousClock.Instant) {
        state.withLock { state in
            guard max(state.allDropped, state.appDropped[customer.appID] ?? 0, state.customerDropped[customer.id] ?? 0) <= tick else { return }
            if state.locations.count >= capacity { state.locations.removeAll(keepingCapacity: true) }
            state.locations[customer.id, default: [:]][LocationKey(metric: metric, location: location)] = (value, now)
        }
    }

    /// Drops what `changes` made stale.
    func drop(_ changes: Set<EntitlementChange>) {
        state.withLock { state in
            state.tick &+= 1
            let tick = state.tick
            for change in changes {
                switch change {
                case .customer(_, let customer), .usage(_, let customer):
                    if let dropped = state.customers.removeValue(forKey: customer) {
                        state.named[ExternalKey(app: dropped.customer.appID, externalID: dropped.customer.externalID)] = nil
                    }
                    // A read under way may have missed the change: the next check reads again.
                    state.loading[customer] = nil
                    if state.customerDropped.count >= capacity {
                        // Forgetting who was dropped when is safe only if everything read before is dropped too.
                        state.customerDropped.removeAll(keepingCapacity: true)
                        state.allDropped = tick
                    }
                    state.customerDropped[customer] = tick
                    state.locations[customer] = nil
                case .app(let app):
                    state.apps[app] = nil
                    state.customers = state.customers.filter { $0.value.customer.appID != app }
                    state.named = state.named.filter { $0.key.app != app }
                    state.loading.removeAll()
                    state.locations.removeAll()
                    state.appDropped[app] = tick
                case .everything:
                    state.apps.removeAll()
                    state.customers.removeAll()
                    state.named.removeAll()
                    state.loading.removeAll()
                    state.locations.removeAll()
                    state.allDropped = tick
                }
            }
        }
    }
}
