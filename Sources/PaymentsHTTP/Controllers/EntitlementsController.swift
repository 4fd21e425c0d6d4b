import PaymentsContract
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Feature gates: checks, a customer's entitlements and overrides, the app's policy and rules,
/// and what checks decided.
struct EntitlementsController: Controller {
    let entitlements: Entitlements.Service

    static let access = Access.app
    static let feature = PathParameter("feature", Entitlement.featureRule, "A feature or limit key, e.g. exports or seats")

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/entitlements/check",
            id: "checkEntitlement",
            summary: "May the customer use the feature (for this much), and why",
            description: "Answered from memory (kept in step with every change; see the README's staleness). `allowed` is what to do; "
                + "`reason` says why from a closed set; `mode` is the gate's rollout for this customer (`off`, `monitor`: always "
                + "allowed, `would_allow`/`would_reason` say what enforcing would do, and monitored checks are counted for "
                + "`GET /v1/entitlements/decisions`). A limit compares the customer's usage of the metric of the same key (this "
                + "period; a gauge's current value; per location when the feature's rule says so) plus `quantity` with the limit.",
            success: .ok(Resources.entitlementCheck.codec, "The decision"),
            errors: [.notFound],
            handler: check
        ),
        Route(
            .get,
            "/v1/customers/{external_id}/entitlements",
            id: "getCustomerEntitlements",
            summary: "Every feature and limit of a customer at once",
            description: "What an app caches per session; `entitlements.changed` tells it when to drop it.",
            parameters: [CustomersController.externalID],
            success: .ok(Resources.customerEntitlements.codec, "The entitlements"),
            errors: [.notFound],
            handler: list
        ),
        Route(
            .put,
            "/v1/customers/{external_id}/entitlements/{feature}",
            id: "setEntitlementOverride",
            summary: "Override a feature for one customer (a custom deal)",
            description: "`enabled: true` grants it whatever the plan and billing status; `false` takes it away; `limit` replaces the "
                + "plan's limit; `expires_at` ends it. Set whole. Audited as SET_ENTITLEMENT_OVERRIDE; sends `entitlements.changed`.",
            parameters: [CustomersController.externalID, feature],
            success: .upserted(Resources.entitlementOverride.codec, created: "Created", updated: "Replaced"),
            errors: [.notFound],
            handler: setOverride
        ),
        Route(
            .get,
            "/v1/customers/{external_id}/entitlements/{feature}",
            id: "getEntitlementOverride",
            summary: "A customer's override of a feature",
            parameters: [CustomersController.externalID, feature],
            success: .ok(Resources.entitlementOverride.codec, "The override"),
            errors: [.notFound],
            handler: getOverride
        ),
        Route(
            .delete,
            "/v1/customers/{external_id}/entitlements/{feature}",
            id: "deleteEntitlementOverride",
            summary: "Remove a customer's override of a feature",
            description: "Audited as DELETE_ENTITLEMENT_OVERRIDE; sends `entitlements.changed`.",
            parameters: [CustomersController.externalID, feature],
            success: .ok(Resources.entitlementOverride.codec, "The override removed (`deleted: true`)"),
            errors: [.notFound],
            handler: deleteOverride
        ),
        Route(
            .get,
            "/v1/entitlements/policy",
            id: "getEntitlementPolicy",
            summary: "The app's gate policy: its rollout and the billing statuses that give access",
            success: .ok(Resources.entitlementPolicy.codec, "The policy"),
            handler: getPolicy
        ),
        Route(
            .patch,
            "/v1/entitlements/policy",
            id: "updateEntitlementPolicy",
            summary: "Change the app's gate policy",
            description: "Roll out gradually: `monitor` first, then `enforce_for_new` with `enforce_after` (customers created after it "
                + "are enforced, older ones monitored), then `enforce`. Audited as UPDATE_ENTITLEMENT_POLICY.",
            success: .ok(Resources.entitlementPolicy.codec, "The policy"),
            handler: updatePolicy
        ),
        Route(
            .get,
            "/v1/entitlements/features",
            id: "listFeatureRules",
            summary: "The app's rules per feature",
            success: .ok(Resources.entitlementRule.codec.list, "Every rule, by feature"),
            handler: listRules
        ),
        Route(
            .put,
            "/v1/entitlements/features/{feature}",
            id: "setFeatureRule",
            summary: "Set a feature's rule: its own rollout, the roles and app types that may use it, a limit per location",
            description: "Set whole. Audited as SET_ENTITLEMENT_RULE.",
            parameters: [feature],
            success: .upserted(Resources.entitlementRule.codec, created: "Created", updated: "Replaced"),
            handler: setRule
        ),
        Route(
            .get,
            "/v1/entitlements/features/{feature}",
            id: "getFeatureRule",
            summary: "A feature's rule",
            parameters: [feature],
            success: .ok(Resources.entitlementRule.codec, "The rule"),
            errors: [.notFound],
            handler: getRule
        ),
        Route(
            .delete,
            "/v1/entitlements/features/{feature}",
            id: "deleteFeatureRule",
            summary: "Remove a feature's rule (the app's policy applies to it again)",
            description: "Audited as DELETE_ENTITLEMENT_RULE.",
            parameters: [feature],
            success: .ok(Resources.entitlementRule.codec, "The rule removed"),
            errors: [.notFound],
            handler: deleteRule
        ),
        Route(
            .get,
            "/v1/entitlements/decisions",
            id: "getEntitlementDecisions",
            summary: "What checks decided: per feature, how many enforcing would have denied, and for which customers",
            description: "Counted per hour, on the app's clock (checks with the gate off are not counted). Default window: the 24 "
                + "hours up to the end of the current hour.",
            success: .ok(Resources.entitlementDecisions.codec, "The report"),
            handler: decisions
        ),
    ]

    @Sendable func check(_ call: Call<CheckInput, NoQuery>) async throws -> Entitlements.Answer {
        let body = call.body
        return try await entitlements.check(
            app: try call.app().id,
            Entitlements.Check(customer: body.customer, feature: body.feature, quantity: body.quantity ?? 1, context: body.context ?? .init())
        )
    }

    @Sendable func list(_ call: Call<NoBody, NoQuery>) async throws -> Entitlements.CustomerEntitlements {
        try await entitlements.entitlements(app: try call.app().id, externalID: try call.path("external_id"))
    }

    @Sendable func setOverride(_ call: Call<OverrideInput, NoQuery>) async throws -> Upserted<Entitlements.OverrideView> {
        let (view, created) = try await entitlements.setOverride(
            app: try call.app().id,
            externalID: try call.path("external_id"),
            feature: try call.path("feature"),
            call.body.input,
            origin: call.origin
        )
        return Upserted(view, created: created)
    }

    @Sendable func getOverride(_ call: Call<NoBody, NoQuery>) async throws -> Entitlements.OverrideView {
        try await entitlements.override(app: try call.app().id, externalID: try call.path("external_id"), feature: try call.path("feature"))
    }

    @Sendable func deleteOverride(_ call: Call<NoBody, NoQuery>) async throws -> Entitlements.OverrideView {
        try await entitlements.deleteOverride(
            app: try call.app().id,
            externalID: try call.path("external_id"),
            feature: try call.path("feature"),
            origin: call.origin
        )
    }

    @Sendable func getPolicy(_ call: Call<NoBody, NoQuery>) async throws -> Entitlement.Policy {
        try await entitlements.policy(app: try call.app().id)
    }

    @Sendable func updatePolicy(_ call: Call<PolicyInput, NoQuery>) async throws -> Entitlement.Policy {
        try await entitlements.updatePolicy(app: try call.app().id, call.body.changes, origin: call.origin)
    }

    @Sendable func listRules(_ call: Call<NoBody, NoQuery>) async throws -> [Entitlement.Rule] {
        try await entitlements.rules(app: try call.app().id)
    }

    @Sendable func setRule(_ call: Call<RuleInput, NoQuery>) async throws -> Upserted<Entitlement.Rule> {
        let (rule, created) = try await entitlements.setRule(
            app: try call.app().id,
            feature: try call.path("feature"),
            call.body.input,
            origin: call.origin
        )
        return Upserted(rule, created: created)
    }

    @Sendable func getRule(_ call: Call<NoBody, NoQuery>) async throws -> Entitlement.Rule {
        try await entitlements.rule(app: try call.app().id, feature: try call.path("feature"))
    }

    @Sendable func deleteRule(_ call: Call<NoBody, NoQuery>) async throws -> Entitlement.Rule {
        try await entitlements.deleteRule(app: try call.app().id, feature: try call.path("feature"), origin: call.origin)
    }

    @Sendable func decisions(_ call: Call<NoBody, DecisionsQuery>) async throws -> Entitlements.DecisionReport {
        let query = call.query
        return try await entitlements.decisions(app: try call.app().id, feature: query.feature, from: query.from, to: query.to)
    }

    struct DecisionsQuery: APIQuery {
        var feature: String?
        var from: Date?
        var to: Date?

        static let query = QueryShape<Self> {
            Parameter("feature", \.feature, .text(Entitlement.featureRule), description: "One feature only")
            Parameter("from", \.from, .timestamp, description: "Default: 24 hours before to")
            Parameter("to", \.to, .timestamp, description: "Default: the end of this hour (on the app's clock)")
        }
    }

    struct CheckInput: APIInput {
        var customer = ""
        var feature = ""
        var quantity: Int64?
        var context: Entitlement.Context?

        static let shape = Shape<Self>("EntitlementCheckInput") {
            Required("customer", \.customer, .text(Customer.externalIDRule), description: "The app's id for the customer")
            Required("feature", \.feature, .text(Entitlement.featureRule))
            Omittable("quantity", \.quantity, .integer(Plan.limitRule), description: "How much more, for a limit; default 1")
            Omittable("context", \.context, contextRule, description: "Who is asking; only narrows the answer")
        }

        static let contextRule: Rule<Entitlement.Context> = Shape<ContextInput>("EntitlementContext") {
            Omittable("user_role", \.userRole, .text(Entitlement.contextRule))
            Omittable("app_type", \.appType, .text(Entitlement.contextRule))
            Omittable("location_id", \.locationID, .text(Entitlement.locationRule), description: "For a limit per location")
        }.rule.then { input, _ in Entitlement.Context(userRole: input.userRole, appType: input.appType, locationID: input.locationID) }
    }

    struct ContextInput: APIInput {
        var userRole: String?
        var appType: String?
        var locationID: String?

        static let shape = Shape<Self>(nil) {}
    }

    struct OverrideInput: APIInput {
        var input = Entitlements.OverrideInput()

        static let shape = Shape<Self>("EntitlementOverrideInput") {
            Nullable("enabled", \.input.enabled, .boolean, description: "true grants, false revokes; null or absent: as the plan says")
            Nullable("limit", \.input.limit, .integer(Plan.limitRule), description: "Replaces the plan's limit")
            Nullable("expires_at", \.input.expiresAt, .timestamp, description: "When it ends; null: never")
            Required("reason", \.input.reason, .text(Entitlement.overrideReasonRule), description: "Why: recorded in the audit log")
        }
    }

    struct PolicyInput: APIInput {
        var changes = Entitlements.PolicyChanges()

        static let shape = Shape<Self>("EntitlementPolicyChanges") {
            Omittable("rollout", \.changes.rollout, .enumeration)
            Clearable("enforce_after", \.changes.enforceAfter, .timestamp, description: "For enforce_for_new")
            Omittable(
                "allowed_statuses",
                \.changes.allowedStatuses,
                .list(.enumeration, count: 0...BillingStatus.allCases.count, unique: true),
                description: "The billing statuses that give access"
            )
        }
    }

    struct RuleInput: APIInput {
        var rollout: Entitlement.Rollout?
        var enforceAfter: Date?
        var userRoles: [String]?
        var appTypes: [String]?
        var perLocation: Bool?

        var input: Entitlements.RuleInput {
            Entitlements.RuleInput(
                rollout: rollout,
                enforceAfter: enforceAfter,
                userRoles: userRoles ?? [],
                appTypes: appTypes ?? [],
                perLocation: perLocation ?? false
            )
        }

        static let shape = Shape<Self>("FeatureRuleInput") {
            Nullable("rollout", \.rollout, .enumeration, description: "null: the app's policy's")
            Nullable("enforce_after", \.enforceAfter, .timestamp, description: "For enforce_for_new")
            Nullable(
                "user_roles",
                \.userRoles,
                .list(.text(Entitlement.contextRule), count: 0...Entitlement.maximumContextValues, unique: true),
                description: "Only these roles may use it; empty or absent: any"
            )
            Nullable(
                "app_types",
                \.appTypes,
                .list(.text(Entitlement.contextRule), count: 0...Entitlement.maximumContextValues, unique: true),
                description: "Only these app types may use it; empty or absent: any"
            )
            Nullable("per_location", \.perLocation, .boolean, description: "Its limit holds per location (context.location_id)")
        }
    }
}
