import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every app's billing at a glance, for the operator's dashboard.
public enum Overview {
    /// One app's row: its figures and the provider serving it.
    public struct AppRow: Sendable {
        public let app: App
        public let figures: AppFigures
        /// The provider serving it, nil when none is configured (a live app without Stripe).
        public let provider: ProviderName?
    }

    public struct Report: Sendable {
        /// The window payments and refunds are counted over, `[since, until)`.
        public let since: Date
        public let until: Date
        public let days: Int
        public let apps: [AppRow]
        /// Every app's figures added up.
        public let total: AppFigures
    }

    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory

        public init(store: Store, directory: Providers.Directory) {
            self.store = store
            self.directory = directory
        }

        /// Figures for every app, the window ending now and starting `days` UTC days ago (today
        /// counted as one).
        public func report(days: Int = 30) async throws -> Report {
            let now = store.clock.now()
            let today = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
            let since = today.addingTimeInterval(-Double(days - 1) * 86_400)
            let apps = try await Page.all(cursor: \App.id.rawValue) { page in try await store.read { try await $0.apps.list(page) } }
            let figures = try await store.read { try await $0.overview.figures(since: since, until: now) }
            var rows: [AppRow] = []
            var total = AppFigures()
            for app in apps {
                let active = try await directory.statuses(for: app).first { $0.active }?.name
                let appFigures = figures[app.id] ?? AppFigures()
                rows.append(AppRow(app: app, figures: appFigures, provider: active))
                total.add(appFigures)
            }
            return Report(since: since, until: now, days: days, apps: rows, total: total)
        }
    }
}

extension AppFigures {
    /// Adds another app's figures to these.
    mutating func add(_ other: AppFigures) {
        subscriptions.merge(other.subscriptions, uniquingKeysWith: +)
        openGracePeriods += other.openGracePeriods
        mrr.merge(other.mrr, uniquingKeysWith: +)
        paymentsCount += other.paymentsCount
        paid.merge(other.paid, uniquingKeysWith: +)
        refundsCount += other.refundsCount
        refunded.merge(other.refunded, uniquingKeysWith: +)
        failedPayments += other.failedPayments
        deadDeliveries += other.deadDeliveries
        failedProviderEvents += other.failedProviderEvents
        for (currency, days) in other.paidPerDay { paidPerDay[currency, default: [:]].merge(days, uniquingKeysWith: +) }
        for (currency, days) in other.mrrPerDay { mrrPerDay[currency, default: [:]].merge(days, uniquingKeysWith: +) }
    }
}
