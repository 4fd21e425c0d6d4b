import PaymentsContract
import PaymentsDomain

extension Resources {
    static let quantity = Codec<Double>(.number) { value, writer in writer.value(value) }

    public static let entitlementCheck = Resource<Entitlements.Answer>("EntitlementCheck", object: "entitlement_check") {
        Field("customer_id", \.customer.id)
        Field("customer", \.customer.externalID, description: customerDescription)
        Field("feature", \.decision.feature)
        Field("allowed", \.decision.allowed, description: "What the app should do: always true with the gate off or monitoring")
        Field("reason", \.decision.reason, description: "Why, as a closed set (see EntitlementReason)")
        Field("mode", \.decision.mode, description: "How the gate acted for this customer: its rollout resolved")
        Field("would_allow", \.decision.wouldAllow, description: "What enforcing would answer")
        Field("would_reason", \.decision.wouldReason, description: "Why enforcing would answer so")
        Field("limit", \.decision.limit, description: "The limit that applies (an override's, else the plan's); null: none")
        Field("usage", \.decision.usage, quantity.nullable, description: "Usage counted against the limit: this period, a gauge's value")
        Field("remaining", \.decision.remaining, quantity.nullable, description: "How much of the limit is left")
        Field("plan", \.decision.planKey, description: "The key of the plan of the customer's subscription")
        Field("billing_status", \.decision.status)
    }

    static let featureEntitlement = Resource<Entitlements.CustomerEntitlements.Feature>("FeatureEntitlement") {
        Field("feature", \.decision.feature)
        Field("allowed", \.decision.allowed)
        Field("reason", \.decision.reason)
        Field("mode", \.decision.mode)
        Field("would_allow", \.decision.wouldAllow)
        Field("would_reason", \.decision.wouldReason)
        Field("in_plan", \.inPlan, description: "The plan grants it or limits it")
        Field("limit", \.decision.limit)
        Field("usage", \.decision.usage, quantity.nullable, description: "null for a limit per location (it depends on the location)")
        Field("remaining", \.decision.remaining, quantity.nullable)
        Field("override", \.override, entitlementOverrideSummary.codec.nullable, description: "The customer's override, if any (even expired)")
        Field("user_roles", { $0.rule?.userRoles ?? [] }, description: "Only these roles may use it (empty: any)")
        Field("app_types", { $0.rule?.appTypes ?? [] }, description: "Only these app types may use it (empty: any)")
        Field("per_location", { $0.rule?.perLocation ?? false })
    }

    static let entitlementOverrideSummary = Resource<Entitlement.Override>("EntitlementOverrideSummary") {
        Field("enabled", \.enabled)
        Field("limit", \.limit)
        Field("expires_at", \.expiresAt)
        Field("reason", \.reason)
    }

    public static let customerEntitlements = Resource<Entitlements.CustomerEntitlements>(
        "CustomerEntitlements",
        object: "customer_entitlements"
    ) {
        Field("customer_id", \.customer.id)
        Field("customer", \.customer.externalID, description: customerDescription)
        Field("plan", \.planKey)
        Field("billing_status", \.status)
        Field("period", \.period, period.codec, description: "The usage period limits count in")
        Field(
            "features",
            \.features,
            featureEntitlement.codec.list,
            description: "Every feature the plan grants or limits, the customer's overrides and the app's rules name, each evaluated for "
                + "no more than the customer has now (quantity 0) and any role or app type"
        )
    }

    public static let entitlementOverride = Resource<Entitlements.OverrideView>("EntitlementOverride", object: "entitlement_override") {
        Field("customer_id", \.override.customerID)
        Field("customer", \.customer, description: customerDescription)
        Field("feature", \.override.feature)
        Field(
            "enabled",
            \.override.enabled,
            description: "true: granted whatever the plan and billing status; false: revoked; null: as the plan says"
        )
        Field("limit", \.override.limit, description: "Replaces the plan's limit")
        Field("expires_at", \.override.expiresAt, description: "null: never")
        Field("reason", \.override.reason)
        Field("deleted", \.deleted)
        Field("created_at", \.override.createdAt)
        Field("updated_at", \.override.updatedAt)
    }

    public static let entitlementPolicy = Resource<Entitlement.Policy>("EntitlementPolicy", object: "entitlement_policy") {
        Field("rollout", \.rollout, description: "How every feature without a rule of its own is gated")
        Field("enforce_after", \.enforceAfter, description: "With enforce_for_new: customers created after it are enforced, older ones monitored")
        Field(
            "allowed_statuses",
            { policy in BillingStatus.allCases.filter(policy.allowed.contains) },
            BillingStatus.codec.list,
            description: "The billing statuses that give access (default trialing, active, in_grace)"
        )
    }

    public static let entitlementRule = Resource<Entitlement.Rule>("FeatureRule", object: "feature_rule") {
        Field("feature", \.feature)
        Field("rollout", \.rollout, description: "null: the app's policy's")
        Field("enforce_after", \.enforceAfter)
        Field("user_roles", \.userRoles, description: "Only these roles may use it (empty: any)")
        Field("app_types", \.appTypes, description: "Only these app types may use it (empty: any)")
        Field(
            "per_location",
            \.perLocation,
            description: "Its limit holds per location: usage counts events whose properties.location_id is the check's"
        )
        Field("updated_at", \.updatedAt)
    }

    static let customerDecisions = Resource<Entitlements.FeatureDecisions.CustomerCount>("CustomerDecisions") {
        Field("customer_id", \.customerID)
        Field("customer", \.customer, description: customerDescription)
        Field("checks", \.checks)
        Field("would_deny", \.wouldDeny)
        Field("denied", \.denied)
        Field("last_reason", \.lastReason, description: "Why the last check that would deny would have denied")
    }

    static let featureDecisions = Resource<Entitlements.FeatureDecisions>("FeatureDecisions") {
        Field("feature", \.feature)
        Field("checks", \.checks)
        Field("would_deny", \.wouldDeny, description: "Checks enforcing would have denied")
        Field("denied", \.denied, description: "Checks that were denied (enforced)")
        Field("customers_would_deny", \.customersWouldDeny)
        Field("customers", \.customers, customerDecisions.codec.list, description: "Those checks would have denied, most first (100 at most)")
    }

    public static let entitlementDecisions = Resource<Entitlements.DecisionReport>("EntitlementDecisions", object: "entitlement_decisions") {
        Field("from", \.from, description: "The start of the first hour counted")
        Field("to", \.to)
        Field("features", \.features, featureDecisions.codec.list)
    }
}
