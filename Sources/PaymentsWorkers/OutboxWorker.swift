import Logging
import PaymentsServices
import PaymentsStore
import ServiceLifecycle

/// Delivers events from the outbox. Deliveries are claimed with a lease (on PostgreSQL with
/// `FOR UPDATE SKIP LOCKED`), so every instance may run one. It looks again at once after a pass
/// that found work, when this process rings the store's outbox bell (a commit that wrote events),
/// and otherwise every `poll`, for what other instances wrote and retries that fell due.
public struct OutboxWorker: Service {
    let deliveries: Deliveries.Service
    let bell: Doorbell
    let poll: Duration
    let logger: Logger

    public init(
        deliveries: Deliveries.Service,
        bell: Doorbell,
        poll: Duration = .milliseconds(250),
        logger: Logger
    ) {
        self.deliveries = deliveries
        self.bell = bell
        self.poll = poll
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let rung = bell.count
            var attempted = 0
            do {
                attempted = try await deliveries.deliverDue()
            } catch {
                logger.error("outbox pass failed", metadata: ["error": "\(error)"])
            }
            if attempted > 0 { continue }  // more may be waiting
            // Shutdown cancels the wait; the loop's condition then ends the worker.
            await cancelWhenGracefulShutdown { await bell.wait(after: rung, timeout: poll) }
        }
    }
}
