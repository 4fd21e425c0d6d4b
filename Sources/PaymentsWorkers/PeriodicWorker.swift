import Logging
import ServiceLifecycle

/// Runs one pass every `interval` until graceful shutdown (a pass in progress is finished,
/// unless it wraps itself in `cancelWhenGracefulShutdown`; its error then is not reported), and
/// with `finalPass`, one more pass as it stops (what is kept in memory is written out).
public struct PeriodicWorker: Service {
    let name: String
    let interval: Duration
    let pass: @Sendable () async throws -> Void
    let finalPass: Bool
    /// How long after start the first pass waits (zero: at once).
    let firstPassAfter: Duration
    let logger: Logger

    public init(
        name: String,
        interval: Duration,
        finalPass: Bool = false,
        firstPassAfter: Duration = .zero,
        logger: Logger,
        pass: @escaping @Sendable () async throws -> Void
    ) {
        self.name = name
        self.interval = interval
        self.pass = pass
        self.finalPass = finalPass
        self.firstPassAfter = firstPassAfter
        self.logger = logger
    }

    public func run() async throws {
        if firstPassAfter > .zero {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: firstPassAfter) }
            } catch {
                return
            }
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await pass()
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                logger.error("\(name) pass failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
        }
        guard finalPass else { return }
        do {
            try await pass()
        } catch {
            logger.error("\(name) final pass failed", metadata: ["error": "\(error)"])
        }
    }
}
