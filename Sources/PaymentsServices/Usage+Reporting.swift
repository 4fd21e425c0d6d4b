import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Usage {
    /// Reports metered usage to the provider that bills it (Stripe's meter events, the sandbox's
    /// own), so that what the provider invoices is what `GET .../usage` shows.
    ///
    /// Each pass looks at every live subscription with metered items on a provider that takes
    /// usage, and for each of its metrics in the current period (and the previous one, while the
    /// provider still takes usage for it) reports the difference between
    /// the period's quantity and what was reported: one meter event per customer, metric and
    /// period per pass, whatever the number of events behind it. A meter sums the reports, so it
    /// holds the service's quantity for every aggregation (`max`, `unique_count` and `last`
    /// included; a fall is reported negative). The report is recorded before it is sent (see
    /// `UsageReportRepository`): a crash resends it under the same identifier, and two instances
    /// never send two reports for one difference.
    public struct Reporter: Sendable {
        let store: Store
        let directory: Providers.Directory
        let usage: Service
        let customers: Customers.Service
        let logger: Logger
        /// How often a worker runs a pass; also how long a sent report may stay unacknowledged
        /// before a pass sends it again.
        public let interval: Duration
        var links: ProviderLinks { ProviderLinks(store: store) }

        /// How long after its end a period's usage is still reported: as long as Stripe takes a
        /// meter event's timestamp (35 days). What arrives after the provider invoiced the period
        /// (Stripe waits an hour after it ends) is counted by its meter but billed by no invoice.
        static let lateReporting: TimeInterval = 35 * 86_400

        public init(
            store: Store,
            directory: Providers.Directory,
            usage: Service,
            customers: Customers.Service,
            interval: Duration = .seconds(60),
            logger: Logger
        ) {
            self.store = store
            self.directory = directory
            self.usage = usage
            self.customers = customers
            self.interval = interval
            self.logger = logger
        }

        /// One pass over every app with metered subscriptions. - Returns: reports sent.
        public func reportAll() async throws -> Int {
            let apps = try await store.read { try await $0.appsWithLiveSubscriptions() }
            var sent = 0
            for id in apps {
                guard let app = try await store.read({ try await $0.apps.find(id) }) else { continue }
                do {
                    sent += try await report(app: app)
                } catch {
                    logger.warning("usage reporting failed", metadata: ["app": "\(id)", "error": "\(error)"])
                }
            }
            return sent
        }

        /// One pass over the app's subscriptions. - Returns: reports sent.
        @discardableResult
        public func report(app: App) async throws -> Int {
            let provider = try await directory.provider(for: app)
            guard let reporting = provider as? any UsageReporting else { return 0 }
            let live = try await store.read { try await $0.subscriptions(app.id).live(provider: provider.name) }
            let now = try await store.now(of: app.id)
            var plans: [Plan.ID: Plan] = [:]
            var sent = 0
            for subscription in live where subscription.items.contains(where: { $0.priceID != nil && $0.quantity == nil }) {
                if plans[subscription.planID] == nil {
                    plans[subscription.planID] = try await store.read { try await $0.plans(app.id).find(id: subscription.planID) }
                }
                let metered = Self.meteredMetrics(of: subscription, plan: plans[subscription.planID])
                guard !metered.isEmpty else { continue }
                let customer = try await customers.get(app: app.id, id: subscription.customerID)
                var providerCustomer: String?
                for window in [Window.current, .previous] {
                    let read = try await usage.usage(app: app.id, externalID: customer.externalID, metric: nil, window: window)
                    guard window == .current || read.period.end > now.addingTimeInterval(-Self.lateReporting) else { continue }
                    let reported = try await store.read {
                        try await $0.usageReports(app.id).reported(customer: customer.id, periodStart: read.period.start)
                    }
                    for metric in read.metrics where metered.contains(metric.metric.key) {
                        let units = Metered.units(metric.value)
                        guard units != reported[metric.metric.key] ?? 0 else { continue }
                        let claim = try await store.recordUsage(.system, app: app.id) { session in
                            try await session.usageReports(app.id).claim(
                                customer: customer.id,
                                metric: metric.metric.key,
                                period: read.period,
                                provider: provider.name,
                                units: units,
                                lease: interval
                            )
                        }
                        guard let claim else { continue }
                        if providerCustomer == nil { providerCustomer = try await links.customer(customer, on: provider, origin: .system) }
                        guard let providerCustomer else { continue }
                        // Stamped inside the period it counts in.
                        let timestamp = max(read.period.start, min(now, read.period.end.addingTimeInterval(-1)))
                        if try await send(claim, app: app.id, customer: providerCustomer, at: timestamp, to: reporting) { sent += 1 }
                    }
                }
            }
            return sent
        }

        /// The metrics `subscription`'s metered items bill.
        static func meteredMetrics(of subscription: Subscription, plan: Plan?) -> Set<String> {
            Set(
                subscription.items.compactMap { item -> String? in
                    guard item.quantity == nil, let price = plan?.prices.first(where: { $0.id == item.priceID }),
                        case .metered(let terms) = price.terms
                    else { return nil }
                    return terms.metric
                }
            )
        }

        /// Sends a claimed report and records its acknowledgement.
        /// - Returns: false when it was not acknowledged: it stays pending, and a pass after the
        ///   lease sends it again as it is.
        func send(
            _ claim: UsageReportRepository.Claim,
            app: App.ID,
            customer: String,
            at timestamp: Date,
            to provider: any UsageReporting
        ) async throws
            -> Bool
        {
            do {
                try await provider.reportUsage(
                    ProviderUsageReport(
                        identifier: claim.identifier,
                        appID: app,
                        customer: customer,
                        metric: claim.metric,
                        value: claim.value,
                        timestamp: timestamp
                    )
                )
            } catch {
                logger.warning(
                    "usage report not acknowledged",
                    metadata: ["app": "\(app)", "identifier": "\(claim.identifier)", "error": "\(error)"]
                )
                return false
            }
            try await store.recordUsage(.system, app: app) { try await $0.usageReports(app).acknowledge(claim) }
            return true
        }
    }
}
