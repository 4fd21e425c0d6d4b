import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Reconciliation {}

extension Reconciliation {
    /// Settles provider operations left pending or unknown — by a crash, or by a timeout whose
    /// request the app never retried — by looking each one's object up at the provider.
    ///
    /// An operation the provider has no trace of after `giveUpAfter` never reached it: it is
    /// marked failed (`provider_unreached`) with its payment, refund or subscription. Nothing is
    /// ever sent again from here; only a retried request resends, under the operation's own key.
    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory
        let payments: Payments.Service
        let subscriptions: Subscriptions.Service
        let logger: Logger
        /// Operations untouched for less than this may still be in flight.
        public var settleAfter: Duration = .seconds(300)
        public var giveUpAfter: Duration = .seconds(3600)

        public init(
            store: Store,
            directory: Providers.Directory,
            payments: Payments.Service,
            subscriptions: Subscriptions.Service,
            logger: Logger
        ) {
            self.store = store
            self.directory = directory
            self.payments = payments
            self.subscriptions = subscriptions
            self.logger = logger
        }

        public struct Pass: Sendable, Equatable {
            public var settled = 0
            public var abandoned = 0
            public var open = 0

            public init(settled: Int = 0, abandoned: Int = 0, open: Int = 0) {
                self.settled = settled
                self.abandoned = abandoned
                self.open = open
            }
        }

        /// One pass over up to `limit` unsettled operations, oldest first.
        public func runOnce(limit: Int = 100) async throws -> Pass {
            let now = store.clock.now()
            let operations = try await store.unsettledOperations(before: now.addingTimeInterval(-seconds(settleAfter)), limit: limit)
            var pass = Pass()
            for operation in operations {
                do {
                    switch try await settle(operation, now: now) {
                    case .settled: pass.settled += 1
                    case .abandoned: pass.abandoned += 1
                    case .open: pass.open += 1
                    }
                } catch {
                    pass.open += 1
                    logger.warning(
                        "could not reconcile a provider operation",
                        metadata: ["operation": "\(operation.id)", "app_id": "\(operation.appID)", "error": "\(error)"]
                    )
                }
            }
            return pass
        }

        enum Outcome { case settled, abandoned, open }

        func settle(_ operation: ProviderOperation, now: Date) async throws -> Outcome {
            guard let app = try await store.read({ try await $0.apps.find(operation.appID) }) else { return .open }
            let provider = try await directory.provider(for: app)
            guard provider.name == operation.provider else { return .open }
            let origin = Origin.system
            let found: Bool
            switch operation.kind {
            case .createPayment:
                let processor = try provider.require((any PaymentProcessor).self, .payments)
                found = try await payments.reconcile(app: app, operation, processor: processor, origin: origin) != nil
            case .createRefund:
                let processor = try provider.require((any PaymentProcessor).self, .refunds)
                found = try await payments.reconcileRefund(app: app, operation, processor: processor, origin: origin) != nil
            case .createSubscription:
                let provider = try provider.require((any SubscriptionProvider).self, .subscriptions)
                found = try await subscriptions.reconcile(app: app, operation, provider: provider, origin: origin) != nil
            }
            if found { return .settled }
            guard operation.createdAt < now.addingTimeInterval(-seconds(giveUpAfter)) else { return .open }
            try await abandon(operation, origin: origin)
            return .abandoned
        }

        /// Marks an operation the provider never saw as failed, with what it was to make.
        func abandon(_ operation: ProviderOperation, origin: Origin) async throws {
            try await store.write(origin, app: operation.appID) { session in
                guard var current = try await session.operations(operation.appID).find(operation.id),
                    current.status == .pending || current.status == .unknown
                else { return }
                current.status = .failed
                current.errorCode = "provider_unreached"
                current.updatedAt = session.wallClock
                try await session.operations(operation.appID).update(current)
                let app = operation.appID
                var audited = false
                switch operation.kind {
                case .createPayment:
                    if let id = Payment.ID(parsing: operation.targetID), var payment = try await session.payments(app).find(id) {
                        let before = payment
                        payment.status = .failed
                        payment.failure = PaymentFailure(
                            code: ErrorCode.providerUnreached.rawValue,
                            declineCode: nil,
                            message: "The payment never reached the provider; nothing was charged."
                        )
                        payment.updatedAt = session.now
                        try await session.payments(app).update(payment)
                        try await session.audit(
                            app,
                            try AuditRecord(action: .updatePayment, target: payment.id, snapshot: PaymentSnapshot(payment, current))
                        )
                        try await session.emitChanges(app, from: before, to: payment)
                        audited = true
                    }
                case .createRefund:
                    if let id = Refund.ID(parsing: operation.targetID), var refund = try await session.payments(app).refund(id) {
                        refund.status = .failed
                        refund.updatedAt = session.now
                        try await session.payments(app).update(refund)
                        try await session.audit(
                            app,
                            try AuditRecord(action: .updateRefund, target: refund.id, snapshot: RefundSnapshot(refund, current))
                        )
                        audited = true
                    }
                case .createSubscription:
                    if let id = Subscription.ID(parsing: operation.targetID), var subscription = try await session.subscriptions(app).find(id) {
                        subscription.status = .incompleteExpired
                        subscription.endedAt = session.now
                        subscription.updatedAt = session.now
                        try await session.subscriptions(app).update(subscription)
                        try await session.audit(
                            app,
                            try AuditRecord(
                                action: .updateSubscription,
                                target: subscription.id,
                                snapshot: SubscriptionSnapshot(subscription, planKey: nil, priceKey: nil)
                            )
                        )
                        audited = true
                    }
                }
                if !audited {
                    try await session.audit(
                        app,
                        try AuditRecord(action: .updatePayment, target: operation.id, snapshot: ["status": "failed"])
                    )
                }
            }
        }

        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }
}
