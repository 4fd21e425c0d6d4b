import Logging
import PaymentsStore
import ServiceLifecycle

/// Wakes this instance's ``OutboxWorker`` when another instance commits events (PostgreSQL's
/// `LISTEN`/`NOTIFY`; on SQLite, any commit by another connection), so deliveries start within
/// milliseconds on whichever instance is free. The worker's poll still covers a lost
/// connection: this listens again after a pause.
public struct OutboxListener: Service {
    let store: Store
    let retry: Duration
    let logger: Logger

    public init(store: Store, retry: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.retry = retry
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await store.listenForOutboxWork() }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("outbox listener lost its connection", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: retry) }
            } catch {
                return
            }
        }
    }
}
