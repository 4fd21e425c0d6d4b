import Logging
import PaymentsServices
import ServiceLifecycle

/// Settles provider operations left pending or unknown (see `Reconciliation.Service`).
///
/// Safe on every instance at once: settling is a look-up at the provider and an idempotent
/// update of the same rows; it never sends anything to the provider.
public struct ReconcileWorker: Service {
    let reconciliation: Reconciliation.Service
    let interval: Duration
    let logger: Logger

    public init(reconciliation: Reconciliation.Service, interval: Duration = .seconds(60), logger: Logger) {
        self.reconciliation = reconciliation
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let pass = try await reconciliation.runOnce()
                if pass.settled + pass.abandoned > 0 {
                    logger.info(
                        "reconciled provider operations",
                        metadata: ["settled": "\(pass.settled)", "abandoned": "\(pass.abandoned)", "open": "\(pass.open)"])
                }
            } catch {
                logger.error("reconciliation pass failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
