import Logging
import PaymentsStore
import ServiceLifecycle

/// Periodic clean-up: deletes idempotency keys past their 24 h retention.
///
/// Safe on every instance at once: each pass is one idempotent `DELETE`.
public struct HousekeepingWorker: Service {
    let store: Store
    let interval: Duration
    let logger: Logger

    public init(store: Store, interval: Duration = .seconds(300), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// One pass.
    /// - Returns: how many idempotency keys were deleted.
    @discardableResult
    public func runOnce() async throws -> Int {
        let purged = try await store.idempotency.purge(expiredBefore: store.clock.now())
        if purged > 0 { logger.info("purged expired idempotency keys", metadata: ["count": "\(purged)"]) }
        return purged
    }

    /// Runs passes until graceful shutdown; a pass in progress is finished, the wait is cut short.
    public func run() async throws {
        try await PeriodicWorker(name: "housekeeping", interval: interval, logger: logger) { try await runOnce() }.run()
    }
}
