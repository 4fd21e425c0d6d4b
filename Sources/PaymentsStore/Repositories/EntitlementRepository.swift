import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's feature gates: its policy, its rules per feature, its customers' overrides and the
/// decisions its checks made. Every query is bound to `appID`.
public struct EntitlementRepository: Sendable {
    let session: Session
    let appID: App.ID

    // MARK: Policy

    /// The app's policy (the default until it set one).
    public func policy() async throws -> Entitlement.Policy {
        guard
            let row = try await session.db.raw(
                "SELECT rollout, enforce_after, allowed FROM entitlement_policies WHERE app_id = \(bind: appID.rawValue)\(session.forUpdate)"
            ).first()
        else { return .default }
        return Entitlement.Policy(
            rollout: try row.enumValue("rollout"),
            enforceAfter: try row.optionalDate("enforce_after"),
            allowed: Set(try Self.list(row.decode(column: "allowed", as: String.self)).compactMap(BillingStatus.init(rawValue:)))
        )
    }

    public func save(_ policy: Entitlement.Policy) async throws {
        _ = try session.requireWrite()
        let allowed = BillingStatus.allCases.filter(policy.allowed.contains).map(\.rawValue).joined(separator: ",")
        try await session.db.raw(
            """
            INSERT INTO entitlement_policies (app_id, rollout, enforce_after, allowed, updated_at)
            VALUES (\(bind: appID.rawValue), \(bind: policy.rollout.rawValue), \(bind: policy.enforceAfter?.millis), \(bind: allowed),
                    \(bind: session.now.millis))
            ON CONFLICT (app_id) DO UPDATE SET rollout = excluded.rollout, enforce_after = excluded.enforce_after,
                allowed = excluded.allowed, updated_at = excluded.updated_at
            """
        ).run()
    }

    // MARK: Rules

    static let ruleColumns: SQLQueryString = "feature, rollout, enforce_after, user_roles, app_types, per_location, updated_at"

    public func rule(_ feature: String) async throws -> Entitlement.Rule? {
        try await session.db.raw(
            """
            SELECT \(Self.ruleColumns) FROM entitlement_rules
            WHERE app_id = \(bind: appID.rawValue) AND feature = \(bind: feature)\(session.forUpdate)
            """
        ).first().map(Self.decodeRule)
    }

    /// Every rule of the app, by feature.
    public func rules() async throws -> [Entitlement.Rule] {
        try await session.db.raw(
            "SELECT \(Self.ruleColumns) FROM entitlement_rules WHERE app_id = \(bind: appID.rawValue) ORDER BY feature"
        ).all().map(Self.decodeRule)
    }

    public func save(_ rule: Entitlement.Rule) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            INSERT INTO entitlement_rules (app_id, \(Self.ruleColumns))
            VALUES (\(bind: appID.rawValue), \(bind: rule.feature), \(bind: rule.rollout?.rawValue), \(bind: rule.enforceAfter?.millis),
                    \(bind: rule.userRoles.joined(separator: ",")), \(bind: rule.appTypes.joined(separator: ",")),
                    \(bind: rule.perLocation ? 1 : 0), \(bind: rule.updatedAt.millis))
            ON CONFLICT (app_id, feature) DO UPDATE SET rollout = excluded.rollout, enforce_after = excluded.enforce_after,
                user_roles = excluded.user_roles, app_types = excluded.app_types, per_location = excluded.per_location,
                updated_at = excluded.updated_at
            """
        ).run()
    }

    /// - Returns: whether there was one.
    public func deleteRule(_ feature: String) async throws -> Bool {
        _ = try session.requireWrite()
        return try await session.db.raw(
            "DELETE FROM entitlement_rules WHERE app_id = \(bind: appID.rawValue) AND feature = \(bind: feature) RETURNING feature"
        ).first() != nil
    }

    static func decodeRule(_ row: any SQLRow) throws -> Entitlement.Rule {
        Entitlement.Rule(
            feature: try row.decode(column: "feature", as: String.self),
            rollout: try row.optionalEnum("rollout"),
            enforceAfter: try row.optionalDate("enforce_after"),
            userRoles: list(try row.decode(column: "user_roles", as: String.self)),
            appTypes: list(try row.decode(column: "app_types", as: String.self)),
            perLocation: try row.decode(column: "per_location", as: Int.self) == 1,
            updatedAt: try row.date("updated_at")
        )
    }

    /// A comma-separated list as stored (its items are keys: no commas).
    static func list(_ text: String) -> [String] { text.isEmpty ? [] : text.split(separator: ",").map(String.init) }

    // MARK: Overrides

    static let overrideColumns: SQLQueryString = "customer_id, feature, enabled, limit_value, expires_at, reason, created_at, updated_at"

    public func override(customer: Customer.ID, feature: String) async throws -> Entitlement.Override? {
        try await session.db.raw(
            """
            SELECT \(Self.overrideColumns) FROM entitlement_overrides
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) AND feature = \(bind: feature)\(session.forUpdate)
            """
        ).first().map(Self.decodeOverride)
    }

    /// The customer's overrides, expired ones included, by feature.
    public func overrides(customer: Customer.ID) async throws -> [Entitlement.Override] {
        try await session.db.raw(
            """
            SELECT \(Self.overrideColumns) FROM entitlement_overrides
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) ORDER BY feature
            """
        ).all().map(Self.decodeOverride)
    }

    public func save(_ override: Entitlement.Override) async throws {
        _ = try session.requireWrite()
        let enabled: Int? = override.enabled.map { $0 ? 1 : 0 }
        try await session.db.raw(
            """
            INSERT INTO entitlement_overrides (app_id, \(Self.overrideColumns))
            VALUES (\(bind: appID.rawValue), \(bind: override.customerID.rawValue), \(bind: override.feature), \(bind: enabled),
                    \(bind: override.limit), \(bind: override.expiresAt?.millis), \(bind: override.reason),
                    \(bind: override.createdAt.millis), \(bind: override.updatedAt.millis))
            ON CONFLICT (app_id, customer_id, feature) DO UPDATE SET enabled = excluded.enabled, limit_value = excluded.limit_value,
                expires_at = excluded.expires_at, reason = excluded.reason, updated_at = excluded.updated_at
            """
        ).run()
    }

    public func deleteOverride(customer: Customer.ID, feature: String) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            DELETE FROM entitlement_overrides
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) AND feature = \(bind: feature)
            """
        ).run()
    }

    static func decodeOverride(_ row: any SQLRow) throws -> Entitlement.Override {
        Entitlement.Override(
            customerID: Customer.ID(rawValue: try row.decode(column: "customer_id", as: String.self)),
            feature: try row.decode(column: "feature", as: String.self),
            enabled: try row.decode(column: "enabled", as: Int?.self).map { $0 == 1 },
            limit: try row.decode(column: "limit_value", as: Int64?.self),
            expiresAt: try row.optionalDate("expires_at"),
            reason: try row.decode(column: "reason", as: String.self),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }

    // MARK: Known features

    /// Every feature and limit key the app's plans (archived ones too) name.
    public func planFeatures() async throws -> Set<String> {
        var known = Set<String>()
        for row in try await session.db.raw("SELECT features, limits FROM plans WHERE app_id = \(bind: appID.rawValue)").all() {
            known.formUnion(try StoreJSON.decode([String].self, row.decode(column: "features", as: String.self)))
            known.formUnion(try StoreJSON.decode([String: Int64].self, row.decode(column: "limits", as: String.self)).keys)
        }
        return known
    }

    // MARK: Decisions

    /// Counts of checks of one feature by one customer in one hour.
    public struct DecisionCount: Sendable, Equatable {
        public let feature: String
        public let hour: Date
        public let customerID: Customer.ID
        public var checks: Int64
        public var wouldDeny: Int64
        public var denied: Int64
        public var lastReason: String?

        public init(feature: String, hour: Date, customerID: Customer.ID, checks: Int64, wouldDeny: Int64, denied: Int64, lastReason: String?) {
            self.feature = feature
            self.hour = hour
            self.customerID = customerID
            self.checks = checks
            self.wouldDeny = wouldDeny
            self.denied = denied
            self.lastReason = lastReason
        }
    }

    /// Adds `counts` to what is recorded: one statement per 500 counts (the recorder calls it
    /// about once a second with what it gathered; each key comes once, as one upsert may touch a
    /// row once).
    public func add(_ counts: [DecisionCount]) async throws {
        for start in stride(from: 0, to: counts.count, by: Self.countsPerStatement) {
            let rows = counts[start..<min(start + Self.countsPerStatement, counts.count)].map { count -> SQLQueryString in
                """
                (\(bind: appID.rawValue), \(bind: count.feature), \(bind: count.hour.millis), \(bind: count.customerID.rawValue), \
                \(bind: count.checks), \(bind: count.wouldDeny), \(bind: count.denied), \(bind: count.lastReason))
                """
            }
            try await session.db.raw(
                """
                INSERT INTO entitlement_decisions (app_id, feature, hour, customer_id, checks, would_deny, denied, last_reason)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (app_id, feature, hour, customer_id) DO UPDATE SET
                    checks = entitlement_decisions.checks + excluded.checks,
                    would_deny = entitlement_decisions.would_deny + excluded.would_deny,
                    denied = entitlement_decisions.denied + excluded.denied,
                    last_reason = COALESCE(excluded.last_reason, entitlement_decisions.last_reason)
                """
            ).run()
        }
    }

    /// 8 values each: 4,000 parameters, within SQLite's and PostgreSQL's limits.
    public static let countsPerStatement = 500

    /// The counts of the hours that start in `[from, to)`, of one feature or all, with each
    /// customer's external id.
    public func decisions(feature: String?, from: Date, to: Date) async throws -> [(count: DecisionCount, customer: String)] {
        let filter: SQLQueryString = feature.map { " AND d.feature = \(bind: $0)" } ?? ""
        return try await session.db.raw(
            """
            SELECT d.feature, d.hour, d.customer_id, d.checks, d.would_deny, d.denied, d.last_reason, c.external_id
            FROM entitlement_decisions d JOIN customers c ON c.id = d.customer_id
            WHERE d.app_id = \(bind: appID.rawValue) AND d.hour >= \(bind: from.millis) AND d.hour < \(bind: to.millis)\(filter)
            ORDER BY d.feature, d.customer_id, d.hour
            """
        ).all().map { row in
            (
                DecisionCount(
                    feature: try row.decode(column: "feature", as: String.self),
                    hour: try row.date("hour"),
                    customerID: Customer.ID(rawValue: try row.decode(column: "customer_id", as: String.self)),
                    checks: try row.decode(column: "checks", as: Int64.self),
                    wouldDeny: try row.decode(column: "would_deny", as: Int64.self),
                    denied: try row.decode(column: "denied", as: Int64.self),
                    lastReason: try row.decode(column: "last_reason", as: String?.self)
                ),
                try row.decode(column: "external_id", as: String.self)
            )
        }
    }
}

extension Session {
    public func entitlements(_ appID: App.ID) -> EntitlementRepository { EntitlementRepository(session: self, appID: appID) }
}
