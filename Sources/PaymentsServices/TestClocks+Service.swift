import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum TestClocks {}

extension TestClocks {
    /// Moves a test-mode app's clock forward and runs what falls due, as Stripe's test clocks do.
    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory
        let subscriptions: Subscriptions.Service
        let inbox: Inbox.Service
        let grace: GracePeriods.Service
        let usageReporter: Usage.Reporter

        public init(
            store: Store,
            directory: Providers.Directory,
            subscriptions: Subscriptions.Service,
            inbox: Inbox.Service,
            grace: GracePeriods.Service,
            usageReporter: Usage.Reporter
        ) {
            self.store = store
            self.directory = directory
            self.subscriptions = subscriptions
            self.inbox = inbox
            self.grace = grace
            self.usageReporter = usageReporter
        }

        public struct Advanced: Sendable {
            public let now: Date
            public let offsetSeconds: Int64
            public let subscriptionsUpdated: Int
        }

        /// The most one call may move the clock: five years.
        public static let maximumSeconds: Int64 = 5 * 366 * 86_400
        public static let secondsRule = IntegerRule(1...maximumSeconds)

        /// - Throws: `route_not_found` (404) for a live-mode app, which has no test clock.
        public func advance(app: App, seconds: Int64, origin: Origin) async throws -> Advanced {
            guard app.mode == .test else {
                throw PaymentsError(.notFound, code: .routeNotFound, message: "Unrecognized request URL (test clocks exist for test-mode apps only).")
            }
            try Self.secondsRule.check(seconds, param: "seconds")
            let offset = try await store.write(origin, app: app.id) { session in
                let clock = session.clock(app.id)
                let offset = try await clock.offset() + .seconds(seconds)
                try await clock.setOffset(offset)
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .advanceTestClock,
                        target: app.id,
                        snapshot: ["seconds": seconds, "offset_seconds": offset.components.seconds]
                    )
                )
                return offset
            }
            // Usage up to the new time goes to the provider first, so renewals bill it (as a
            // deployment's reporting worker keeps the provider's meters current). A report that
            // fails stays pending for the worker; the clock moves anyway.
            _ = try? await usageReporter.report(app: app)
            let sandbox = directory.sandbox(for: app)
            if let due = sandbox as? any DueWorkRunner { _ = try await due.runDue() }
            let updated = try await subscriptions.refreshAll(app: app, origin: origin)
            // What the provider did sent events; process them now (and wait for those a worker
            // took first), then expire what fell due, so the call answers with everything settled.
            try await inbox.settle()
            try await grace.expireDue(app: app.id, origin: origin)
            return Advanced(
                now: try await Clocks.now(for: app.id, store: store),
                offsetSeconds: offset.components.seconds,
                subscriptionsUpdated: updated
            )
        }
    }
}
