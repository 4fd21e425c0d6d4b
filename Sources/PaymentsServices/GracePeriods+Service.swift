import Logging
import PaymentsDomain
import PaymentsStore
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum GracePeriods {}

extension GracePeriods {
    /// Grace periods: opened by a failed payment, resolved by a successful one (or by hand),
    /// expired when their end passes on the app's clock. Every step is audited.
    public struct Service: Sendable {
        let store: Store
        let customers: Customers.Service

        public init(store: Store, customers: Customers.Service) {
            self.store = store
            self.customers = customers
        }

        /// Opens one for the customer unless one is open for the reason already.
        /// - Returns: the open grace period (new or existing).
        @discardableResult
        /// - Parameter customer: its id and its external id (the app's).
        public func open(
            app: App.ID,
            customer: (id: Customer.ID, externalID: String),
            subscription: Subscription.ID?,
            reason: GracePeriod.Reason,
            days: Int,
            origin: Origin
        ) async throws -> GracePeriod {
            try await store.write(origin, app: app) { session in
                if let existing = try await session.gracePeriods(app).open(customer: customer.id, reason: reason) {
                    try await session.audit(app, try AuditRecord(action: .openGracePeriod, target: existing.id, snapshot: ["already_open": "true"]))
                    return existing
                }
                return try await session.openGracePeriod(app, customer: customer, subscription: subscription, reason: reason, days: days)
            }
        }

        /// Resolves a grace period by hand.
        /// - Throws: `grace_period_not_found`, `grace_period_not_open`.
        public func resolve(app: App.ID, _ id: String, reason: String?, origin: Origin) async throws -> GracePeriod {
            guard let periodID = GracePeriod.ID(parsing: id) else { throw PaymentsError.notFound(.gracePeriodNotFound, id: id) }
            return try await store.write(origin, app: app) { session in
                guard var period = try await session.gracePeriods(app).find(periodID) else {
                    throw PaymentsError.notFound(.gracePeriodNotFound, id: id)
                }
                guard let reason else { throw PaymentsError.missing("reason") }
                guard GracePeriod.resolutionRule.accepts(reason) else {
                    throw PaymentsError.invalid("reason", "reason must be 1 to 500 characters.")
                }
                guard period.status == .open else {
                    throw PaymentsError(.invalidRequest, code: .gracePeriodNotOpen, message: "Grace period \(id) is \(period.status.rawValue).")
                }
                period.status = .resolved
                period.resolution = reason
                period.closedAt = session.now
                period.updatedAt = session.now
                try await session.gracePeriods(app).update(period)
                try await session.audit(app, try AuditRecord(action: .resolveGracePeriod, target: period.id, snapshot: GraceSnapshot(period)))
                try await session.emit(app, .gracePeriodResolved, gracePeriod: period)
                return period
            }
        }

        /// Resolves the customer's open payment grace period after a successful payment.
        public func resolvePaid(app: App.ID, customer: Customer.ID, origin: Origin) async throws {
            guard let open = try await store.read({ try await $0.gracePeriods(app).open(customer: customer, reason: .paymentFailed) }) else {
                return
            }
            _ = try? await resolve(app: app, open.id.rawValue, reason: "payment_succeeded", origin: origin)
        }

        /// Expires the app's open grace periods whose end has passed on its clock. Writes (and
        /// audits) only when something is due.
        /// - Returns: how many.
        @discardableResult
        public func expireDue(app: App.ID, origin: Origin = .system) async throws -> Int {
            let now = try await Clocks.now(for: app, store: store)
            try await resolveWithinLimits(app: app, now: now, origin: origin)
            guard try await !store.read({ try await $0.gracePeriods(app).due(at: now) }).isEmpty else { return 0 }
            return try await store.write(origin, app: app) { session in
                let due = try await session.gracePeriods(app).due(at: now)
                for var period in due {
                    period.status = .expired
                    period.closedAt = period.endsAt
                    period.updatedAt = session.now
                    try await session.gracePeriods(app).update(period)
                    try await session.audit(app, try AuditRecord(action: .expireGracePeriod, target: period.id, snapshot: GraceSnapshot(period)))
                    try await session.emit(app, .gracePeriodExpired, gracePeriod: period)
                }
                if due.isEmpty {  // expired meanwhile by another instance: record the look anyway
                    try await session.audit(app, try AuditRecord(action: .expireGracePeriod, target: app, snapshot: ["expired": "0"]))
                }
                return due.count
            }
        }

        /// Resolves the app's open `usage_limit` grace periods whose customer's usage is within
        /// every limit of its plan now: a new period began (usage starts again from zero), or the
        /// plan changed to one whose limits cover the usage. Audited and announced as any resolution.
        func resolveWithinLimits(app: App.ID, now: Date, origin: Origin) async throws {
            let covered = try await store.read { session -> [GracePeriod] in
                let open = try await session.gracePeriods(app).list(customer: nil, status: .open, try PageRequest(limit: PageRequest.maximumLimit))
                var covered: [GracePeriod] = []
                for period in open.data where period.reason == .usageLimit {
                    guard let anchor = UsageAnchor.current(of: try await session.usage(app).anchors(customer: period.customerID)),
                        let current = anchor.period(of: now),
                        let plan = try await session.plans(app).find(id: anchor.planID)
                    else {
                        covered.append(period)  // no subscription, no limit
                        continue
                    }
                    let totals = try await session.usage(app).totals(customer: period.customerID, metric: nil, starts: current.start..<current.end)
                    let exceeded = totals.contains { total in plan.limits[total.metric].map { total.value > Double($0) } ?? false }
                    if !exceeded { covered.append(period) }
                }
                return covered
            }
            for period in covered {
                _ = try? await resolve(app: app, period.id.rawValue, reason: "usage_within_limits", origin: origin)
            }
        }

        /// Expires what is due in every app that has open grace periods (the worker's pass).
        @discardableResult
        public func expireAll() async throws -> Int {
            let apps = try await store.read { session in
                try await session.db.raw("SELECT DISTINCT app_id FROM grace_periods WHERE status = 'open'").all()
                    .map { App.ID(rawValue: try $0.decode(column: "app_id", as: String.self)) }
            }
            var expired = 0
            for app in apps { expired += try await expireDue(app: app) }
            return expired
        }

        public func list(app: App.ID, customer: String?, status: GracePeriod.Status?, _ page: PageRequest) async throws -> Page<GracePeriod> {
            try page.requireCursor(of: GracePeriod.self)
            var customerID: Customer.ID?
            if let customer { customerID = try await customers.get(app: app, externalID: customer, param: "customer").id }
            return try await store.read { [customerID] in try await $0.gracePeriods(app).list(customer: customerID, status: status, page) }
        }
    }
}

struct GraceSnapshot: Encodable {
    let customer_id: String
    let reason: String
    let status: String
    let ends_at: Date
    let resolution: String?

    init(_ g: GracePeriod) {
        customer_id = g.customerID.rawValue
        reason = g.reason.rawValue
        status = g.status.rawValue
        ends_at = g.endsAt
        resolution = g.resolution
    }
}

extension Session {
    /// Opens a grace period for the customer in this transaction (audited, announced); the caller
    /// has checked that none is open for the reason.
    func openGracePeriod(
        _ app: App.ID,
        customer: (id: Customer.ID, externalID: String),
        subscription: Subscription.ID?,
        reason: GracePeriod.Reason,
        days: Int
    ) async throws -> GracePeriod {
        let period = GracePeriod(
            id: ids.next(GracePeriod.self, at: now),
            appID: app,
            customerID: customer.id,
            customerExternalID: customer.externalID,
            subscriptionID: subscription,
            reason: reason,
            status: .open,
            startsAt: now,
            endsAt: now.addingTimeInterval(Double(days) * 86_400),
            closedAt: nil,
            resolution: nil,
            createdAt: now,
            updatedAt: now
        )
        guard try await gracePeriods(app).insert(period) else {
            throw StoreError.inconsistent("a grace period opened concurrently")
        }
        try await audit(app, try AuditRecord(action: .openGracePeriod, target: period.id, snapshot: GraceSnapshot(period)))
        try await emit(app, .gracePeriodStarted, gracePeriod: period)
        return period
    }
}
