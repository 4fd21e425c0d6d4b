import Logging
import PaymentsStore
import ServiceLifecycle

/// Seals audit entries into their apps' chains soon after their changes commit: woken by the
/// store's audit bell (this process's writes), it lets a burst gather for `gather`, then seals
/// everything committed; it also looks every `poll` (entries written by other processes). So an
/// entry waits at most about `poll` plus a sealing pass. Any number of instances may run one: the
/// sealer runs on one at a time.
public struct AuditSealingWorker: Service {
    let sealer: AuditSealer
    let bell: Doorbell
    let gather: Duration
    let poll: Duration
    let logger: Logger

    public init(
        sealer: AuditSealer,
        bell: Doorbell,
        gather: Duration = .milliseconds(100),
        poll: Duration = .seconds(1),
        logger: Logger
    ) {
        self.sealer = sealer
        self.bell = bell
        self.gather = gather
        self.poll = poll
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let rung = bell.count
            await sealAll()
            await cancelWhenGracefulShutdown { await bell.wait(after: rung, timeout: poll) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: gather) }
        }
        // What this process committed last is sealed before it stops.
        await sealAll()
    }

    private func sealAll() async {
        do {
            while try await sealer.sealPending() == AuditSealer.batchSize {}
        } catch {
            logger.error("audit sealing pass failed", metadata: ["error": "\(error)"])
        }
    }
}
