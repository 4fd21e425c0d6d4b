import Logging
import ServiceLifecycle

/// Runs one pass every `interval` until graceful shutdown (a pass in progress is finished,
/// unless it wraps itself in `cancelWhenGracefulShutdown`; its error then is not reported).
public struct PeriodicWorker: Service {
    let name: String
    let interval: Duration
    let pass: @Sendable () async throws -> Void
    let logger: Logger

    public init(name: String, interval: Duration, logger: Logger, pass: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.pass = pass
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await pass()
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.error("\(name) pass failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
