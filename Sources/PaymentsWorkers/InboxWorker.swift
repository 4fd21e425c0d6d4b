import Logging
import PaymentsServices
import ServiceLifecycle

/// Processes provider events from the inbox. Events are claimed with a lease (on PostgreSQL with
/// `FOR UPDATE SKIP LOCKED`), so every instance may run one; an event whose worker died is taken
/// again when its lease runs out.
public struct InboxWorker: Service {
    let inbox: Inbox.Service
    let idle: Duration
    let logger: Logger

    public init(inbox: Inbox.Service, idle: Duration = .milliseconds(500), logger: Logger) {
        self.inbox = inbox
        self.idle = idle
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var processed = 0
            do {
                processed = try await inbox.processDue()
            } catch {
                logger.error("inbox pass failed", metadata: ["error": "\(error)"])
            }
            if processed > 0 { continue }  // more may be waiting
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: idle) }
            } catch {
                return
            }
        }
    }
}
