import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Reconciliation {
    /// Drift reconciliation: compares an app's subscriptions (status, period, prices), payments
    /// (status, what was refunded) and subscription invoices (status, total) with what its
    /// provider holds for each of its customers, and records a run with every difference (missing
    /// here, missing there, status, amount, period, price). With `fix`, the provider's truth is applied through the inbox's own
    /// path (`Inbox.Service.apply`), as if the webhook that was missed had arrived: audited, and
    /// sending the events the change implies.
    public struct Drift: Sendable {
        let store: Store
        let directory: Providers.Directory
        let inbox: Inbox.Service
        let logger: Logger

        public init(store: Store, directory: Providers.Directory, inbox: Inbox.Service, logger: Logger) {
            self.store = store
            self.directory = directory
            self.inbox = inbox
            self.logger = logger
        }

        /// Another instance ran this app's periodic slot already.
        struct SlotTaken: Error {}

        /// One run for `app`. Audited as RECONCILE_DRIFT (its start and its outcome).
        /// - Parameters:
        ///   - since: compare only local objects changed since then.
        ///   - slot: a periodic run's time slot (one run per app and slot, across instances).
        /// - Returns: the run, or nil when another instance took the slot.
        public func run(app: App, since: Date?, fix: Bool, slot: String? = nil, origin: Origin) async throws -> DriftRun? {
            let provider = try await directory.provider(for: app)
            let lister = try provider.require((any AccountLister).self, .subscriptions)
            var run = DriftRun(
                id: store.ids.next(DriftRun.self, at: store.clock.now()),
                appID: app.id,
                provider: provider.name,
                fix: fix,
                since: since,
                startedAt: store.clock.now()
            )
            do {
                try await store.write(origin, app: app.id) { [run] session in
                    guard try await session.driftRuns(app.id).start(run, slot: slot) else { throw SlotTaken() }
                    try await session.audit(app.id, try Self.record(run, slot: slot))
                }
            } catch is SlotTaken {
                return nil
            }
            do {
                // Events received but not yet applied are not drift: they are applied first.
                try await inbox.settle()
                let (differences, invoices) = try await compare(app: app, provider: provider, lister: lister, since: since)
                run.differences = differences
                if fix { try await repair(&run, app: app, provider: provider, invoices: invoices) }
                run.status = .completed
            } catch {
                run.status = .failed
                run.error = "\(error)"
                logger.warning("drift reconciliation failed", metadata: ["app_id": "\(app.id)", "error": "\(error)"])
            }
            run.finishedAt = store.clock.now()
            try await store.write(origin, app: app.id) { [run] session in
                try await session.driftRuns(app.id).finish(run)
                try await session.audit(app.id, try Self.record(run, slot: slot))
            }
            return run
        }

        /// Runs every app (a test-mode app on the sandbox, a live one on Stripe); one failing does
        /// not stop the others.
        public func runAll(since: Date?, fix: Bool, slot: String? = nil, origin: Origin = .system) async throws -> [DriftRun] {
            var runs: [DriftRun] = []
            for app in try await Page.all(cursor: \App.id.rawValue, { page in try await store.read { try await $0.apps.list(page) } }) {
                do {
                    if let run = try await run(app: app, since: since, fix: fix, slot: slot, origin: origin) { runs.append(run) }
                } catch {
                    logger.warning("drift reconciliation skipped an app", metadata: ["app_id": "\(app.id)", "error": "\(error)"])
                }
            }
            return runs
        }

        public func get(app: App.ID, _ id: String) async throws -> DriftRun {
            guard let runID = DriftRun.ID(parsing: id), let run = try await store.read({ try await $0.driftRuns(app).find(runID) }) else {
                throw PaymentsError.notFound(.reconciliationRunNotFound, id: id)
            }
            return run
        }

        public func list(app: App.ID, _ page: PageRequest) async throws -> Page<DriftRun> {
            try page.requireCursor(of: DriftRun.self)
            return try await store.read { try await $0.driftRuns(app).list(page) }
        }

        // MARK: Comparing

        /// Every difference between the app's objects and the provider's, customer by customer.
        /// - Returns: the differences, and the provider's subscription invoices by id (what a repair
        ///   mirrors).
        func compare(
            app: App,
            provider: any PaymentProvider,
            lister: any AccountLister,
            since: Date?
        ) async throws -> ([DriftDifference], [String: ProviderSubscriptionInvoice]) {
            let customers = try await store.read { try await $0.providerCustomers(app: app.id, provider: provider.name, account: provider.account) }
            var found: [DriftDifference] = []
            var remoteInvoices: [String: ProviderSubscriptionInvoice] = [:]
            for (customer, providerCustomer) in customers {
                let subscriptions = try await store.read { try await $0.subscriptions(app.id).all(customer: customer) }
                found += Self.compare(
                    subscriptions.filter { $0.provider == provider.name && $0.providerSubscriptionID != nil && Self.changed($0.updatedAt, since) },
                    with: try await lister.listSubscriptions(customer: providerCustomer)
                )
                let payments = try await store.read { try await $0.payments(app.id).all(customer: customer) }
                found += try await compare(
                    payments.filter { $0.provider == provider.name && $0.providerPaymentID != nil && Self.changed($0.updatedAt, since) },
                    with: try await lister.listPayments(customer: providerCustomer),
                    provider: provider
                )
                let invoices = try await store.read { try await $0.invoices(app.id).all(customer: customer) }
                let remotes = try await lister.listInvoices(customer: providerCustomer).filter { $0.invoice.status != .draft }
                for remote in remotes { remoteInvoices[remote.invoice.id] = remote }
                found += Self.compare(
                    invoices.filter { $0.collection == .subscription && $0.provider == provider.name && Self.changed($0.updatedAt, since) },
                    with: remotes.map(\.invoice),
                    all: Set(invoices.compactMap(\.providerInvoiceID))
                )
            }
            return (found, remoteInvoices)
        }

        static func changed(_ updatedAt: Date, _ since: Date?) -> Bool {
            guard let since else { return true }
            return updatedAt >= since
        }

        /// Pairs our objects with the provider's by the provider's id: each pair compared by
        /// `compare`, ours alone `missing_there`, the provider's alone (and unknown to `known`,
        /// every id we hold) `missing_here`.
        static func match<Local, Remote>(
            _ type: DriftDifference.ObjectType,
            _ locals: [Local],
            id: (Local) -> (ours: String, provider: String?, status: String),
            with remotes: [Remote],
            remoteID: (Remote) -> (id: String, status: String),
            known: Set<String>? = nil,
            compare: (Local, Remote) -> [DriftDifference]
        ) -> [DriftDifference] {
            var found: [DriftDifference] = []
            var remoteByID: [String: Remote] = [:]
            for remote in remotes { remoteByID[remoteID(remote).id] = remote }
            var held = known ?? []
            for local in locals {
                let (ours, providerID, status) = id(local)
                guard let providerID else { continue }
                held.insert(providerID)
                if let remote = remoteByID[providerID] {
                    found += compare(local, remote)
                } else {
                    found.append(
                        DriftDifference(
                            objectType: type,
                            objectID: ours,
                            providerObjectID: providerID,
                            kind: .missingThere,
                            local: status,
                            provider: nil
                        )
                    )
                }
            }
            for remote in remotes where !held.contains(remoteID(remote).id) {
                let (providerID, status) = remoteID(remote)
                found.append(
                    DriftDifference(objectType: type, objectID: nil, providerObjectID: providerID, kind: .missingHere, local: nil, provider: status)
                )
            }
            return found
        }

        static func compare(_ locals: [Subscription], with remotes: [ProviderSubscription]) -> [DriftDifference] {
            match(
                .subscription,
                locals,
                id: { ($0.id.rawValue, $0.providerSubscriptionID, $0.status.rawValue) },
                with: remotes,
                remoteID: { ($0.id, $0.status.rawValue) },
                compare: DriftDifference.compare
            )
        }

        /// Subscription invoices: ours (mirrored) against the provider's; one only the provider has
        /// is `missing_here` (its webhook was missed), and a repair mirrors it.
        static func compare(_ locals: [Invoice], with remotes: [ProviderInvoice], all known: Set<String>) -> [DriftDifference] {
            match(
                .invoice,
                locals,
                id: { ($0.id.rawValue, $0.providerInvoiceID, $0.status.rawValue) },
                with: remotes,
                remoteID: { ($0.id, $0.status.rawValue) },
                known: known,
                compare: DriftDifference.compare
            )
        }

        /// Payments: a payment of ours the provider's list leaves out (a charge it made for an
        /// invoice, mirrored as ours) is looked up alone first.
        func compare(_ locals: [Payment], with listed: [ProviderPayment], provider: any PaymentProvider) async throws -> [DriftDifference] {
            var remotes = listed
            let listedIDs = Set(listed.map(\.id))
            for local in locals {
                guard let id = local.providerPaymentID, !listedIDs.contains(id), let remote = try await lookUp(id, provider: provider) else {
                    continue
                }
                remotes.append(remote)
            }
            return Self.match(
                .payment,
                locals,
                id: { ($0.id.rawValue, $0.providerPaymentID, $0.status.rawValue) },
                with: remotes,
                remoteID: { ($0.id, $0.status.rawValue) },
                compare: DriftDifference.compare
            )
        }

        /// The provider's payment, nil when it has none by that id.
        func lookUp(_ id: String, provider: any PaymentProvider) async throws -> ProviderPayment? {
            guard let processor = provider as? any PaymentProcessor else { return nil }
            do {
                return try await processor.retrievePayment(id)
            } catch {
                if error.isNotFound { return nil }
                throw error
            }
        }

        // MARK: Repairing

        /// Applies the provider's truth for each difference that has an object of ours, through
        /// the fact its missed webhook would have stated; each is then compared again.
        func repair(_ run: inout DriftRun, app: App, provider: any PaymentProvider, invoices: [String: ProviderSubscriptionInvoice]) async throws {
            let origin = Origin(actor: .system, requestID: run.id.rawValue)
            let now = store.clock.now()
            var applied = Set<String>()
            for index in run.differences.indices {
                let difference = run.differences[index]
                let invoice = difference.objectType == .invoice ? invoices[difference.providerObjectID] : nil
                // A subscription's invoice only the provider has is mirrored, as its webhook would have.
                let repairable = difference.kind != .missingThere && (difference.objectID != nil || invoice != nil)
                guard repairable else {
                    run.differences[index].note =
                        difference.kind == .missingHere
                        ? "Made at the provider, not through the service: import it (payments stripe import)."
                        : "The provider has no such object: look at it there; nothing was changed."
                    continue
                }
                let key = "\(difference.objectType.rawValue)/\(difference.providerObjectID)"
                if !applied.contains(key) {
                    applied.insert(key)
                    _ = try await inbox.apply(
                        Self.fact(for: difference, invoice: invoice),
                        app: app,
                        provider: provider.name,
                        at: now,
                        origin: origin
                    )
                }
                run.differences[index].fixed = try await stillDiffers(difference, app: app, provider: provider, invoice: invoice) == false
            }
        }

        /// The fact a webhook would have stated for the provider's version of the object.
        static func fact(for difference: DriftDifference, invoice: ProviderSubscriptionInvoice?) -> ProviderFact {
            let id = difference.providerObjectID
            switch difference.objectType {
            case .invoice:
                guard let invoice else { return .unhandled }
                switch invoice.invoice.status {
                case .paid: return .invoicePaid(invoice.invoice, subscription: invoice.subscription)
                default: return .invoiceChanged(invoice.invoice, subscription: invoice.subscription)
                }
            case .subscription:
                switch (difference.kind, difference.provider?.split(separator: " ").first.map(String.init)) {
                case (.status, "past_due"?), (.status, "unpaid"?): return .invoicePaymentFailed(nil, subscription: id)
                case (.status, "active"?) where difference.local?.hasPrefix("past_due") == true || difference.local?.hasPrefix("unpaid") == true:
                    return .invoicePaid(nil, subscription: id)
                default: return .subscriptionChanged(subscription: id)
                }
            case .payment:
                switch (difference.kind, difference.provider) {
                case (.status, "succeeded"?): return .paymentSucceeded(payment: id)
                case (.status, "failed"?): return .paymentFailed(payment: id)
                case (.amount, _): return .paymentRefunded(payment: id)
                default: return .paymentChanged(payment: id)
                }
            }
        }

        /// Whether the object still differs from the provider's in the same way.
        func stillDiffers(
            _ difference: DriftDifference,
            app: App,
            provider: any PaymentProvider,
            invoice: ProviderSubscriptionInvoice?
        ) async throws -> Bool {
            let id = difference.providerObjectID
            switch difference.objectType {
            case .invoice:
                guard let invoice,
                    let local = try await store.read({ try await $0.invoices(app.id).find(provider: provider.name, providerInvoiceID: id) })
                else { return true }
                return difference.kind == .missingHere
                    ? false : DriftDifference.compare(local, invoice.invoice).contains { $0.kind == difference.kind }
            case .subscription:
                guard let subscriptions = provider as? any SubscriptionProvider,
                    let local = try await store.read({ try await $0.subscriptions(app.id).find(provider: provider.name, providerID: id) })
                else { return true }
                return DriftDifference.compare(local, try await subscriptions.retrieveSubscription(id)).contains { $0.kind == difference.kind }
            case .payment:
                guard let processor = provider as? any PaymentProcessor,
                    let local = try await store.read({ try await $0.payments(app.id).find(provider: provider.name, providerID: id) })
                else { return true }
                return DriftDifference.compare(local, try await processor.retrievePayment(id)).contains { $0.kind == difference.kind }
            }
        }

        static func record(_ run: DriftRun, slot: String?) throws -> AuditRecord {
            try AuditRecord(
                action: .reconcileDrift,
                targetType: .reconciliationRun,
                targetID: run.id.rawValue,
                snapshot: [
                    "status": run.status.rawValue, "fix": "\(run.fix)", "differences": "\(run.differences.count)", "open": "\(run.open)",
                    "slot": slot ?? "", "since": run.since.map(RFC3339.format) ?? "",
                ]
            )
        }
    }
}
