import PaymentsDomain
import Synchronization

/// What usage events look up on every request and what never changes once made: a customer's
/// id for the app's external id, and a metric's aggregation and field. Neither row is ever
/// deleted, and those fields are never changed, so an entry is never stale and needs no
/// invalidation, on this instance or another. (A customer's name or a metric's name may change:
/// callers use only what is kept here.)
final class UsageLookups: Sendable {
    private struct Key: Hashable {
        let app: App.ID
        let name: String
    }

    private let customers = Mutex<[Key: Customer]>([:])
    private let metrics = Mutex<[Key: Metric]>([:])
    /// Entries kept at most, per kind (the kind's cache is emptied when it is full).
    let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    func customer(_ app: App.ID, _ externalID: String) -> Customer? {
        customers.withLock { $0[Key(app: app, name: externalID)] }
    }

    func metric(_ app: App.ID, _ key: String) -> Metric? {
        metrics.withLock { $0[Key(app: app, name: key)] }
    }

    func remember(_ customer: Customer) {
        customers.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[Key(app: customer.appID, name: customer.externalID)] = customer
        }
    }

    func remember(_ metric: Metric) {
        metrics.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[Key(app: metric.appID, name: metric.key)] = metric
        }
    }
}
