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
                let now = session.now
                let periods = session.gracePeriods(app)
                if let existing = try await periods.open(customer: customer.id, reason: reason) {
                    try await session.audit(app, try AuditRecord(action: .openGracePeriod, target: existing.id, snapshot: ["already_open": "true"]))
                    return existing
                }
                let period = GracePeriod(
                    id: session.ids.next(GracePeriod.self, at: session.now),
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
                    createdAt: session.now,
                    updatedAt: session.now
                )
                guard try await periods.insert(period) else {
                    throw StoreError.inconsistent("a grace period opened concurrently")
                }
                try await session.audit(app, try AuditRecord(action: .openGracePeriod, target: period.id, snapshot: GraceSnapshot(period)))
                try await session.emit(app, .gracePeriodStarted, gracePeriod: period)
                return period
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
