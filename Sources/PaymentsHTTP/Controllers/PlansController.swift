import Hummingbird
import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/plans`: the app's catalog.
struct PlansController: Controller {
    let plans: Plans.Service

    static let access = Access.app
    static let key = PathParameter("key", Plan.keyRule, "The plan's key, e.g. pro")

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/plans",
            id: "createPlan",
            summary: "Create a plan with its prices",
            description: "Audited as CREATE_PLAN. Prices are created at the app's provider (or linked with `provider_price_id`, "
                + "which is checked); a failed sync is retried on first use.",
            success: .created(Resources.plan.codec, "Created, and synced to the provider where it can be"),
            errors: [.conflict],
            handler: create
        ),
        Route(
            .get,
            "/v1/plans",
            id: "listPlans",
            summary: "The app's plans, newest first",
            success: .ok(Resources.plan.list, "A page"),
            handler: list
        ),
        Route(
            .get,
            "/v1/plans/{key}",
            id: "getPlan",
            summary: "A plan by its key",
            parameters: [key],
            success: .ok(Resources.plan.codec, "The plan"),
            errors: [.notFound],
            handler: get
        ),
        Route(
            .patch,
            "/v1/plans/{key}",
            id: "updatePlan",
            summary: "Change a plan",
            description: "Absent fields stay; `null` clears description, trial_period_days and grace_period_days; `prices` replaces "
                + "the whole list (unchanged prices are kept, changed ones get a new version, missing ones are archived). "
                + "Audited as UPDATE_PLAN (ARCHIVE_PLAN for `active: false`).",
            parameters: [key],
            success: .ok(Resources.plan.codec, "The plan as changed"),
            errors: [.notFound],
            handler: update
        ),
        Route(
            .delete,
            "/v1/plans/{key}",
            id: "archivePlan",
            summary: "Archive a plan",
            description: "It stays readable and its subscriptions run on, but it cannot be bought any more. Audited as ARCHIVE_PLAN.",
            parameters: [key],
            success: .ok(Resources.plan.codec, "The archived plan"),
            errors: [.notFound],
            handler: archive
        ),
    ]

    @Sendable func create(_ call: Call<PlanInput, NoQuery>) async throws -> Plans.Service.Synced {
        try await plans.create(app: try call.app(), try call.body.draft(), origin: call.origin)
    }

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Plans.Service.Synced> {
        try await plans.list(app: try call.app(), active: call.query.active, call.query.page)
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Plans.Service.Synced {
        try await plans.get(app: try call.app(), key: try call.path("key"))
    }

    @Sendable func update(_ call: Call<PlanUpdate, NoQuery>) async throws -> Plans.Service.Synced {
        try await plans.update(app: try call.app(), key: try call.path("key"), call.body.changes, origin: call.origin)
    }

    @Sendable func archive(_ call: Call<NoBody, NoQuery>) async throws -> Plans.Service.Synced {
        try await plans.archive(app: try call.app(), key: try call.path("key"), origin: call.origin)
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        var active: Bool?

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: Plan.self)
            Parameter("active", \.active, .boolean, description: "Only active (true) or archived (false) plans")
        }
    }

    /// The fields a new plan and a plan's change share, declared once. A new plan reads `null`
    /// as "none", a change as "clear".
    @InputsBuilder<Body>
    static func sharedInputs<Body: PlanChanging>() -> [Input<Body>] {
        Clearable("description", \.changes.description, .text(Plan.descriptionRule))
        Clearable("trial_period_days", \.changes.trialPeriodDays, .integer(Subscription.trialDaysRule))
        Clearable("grace_period_days", \.changes.gracePeriodDays, .integer(GracePeriod.daysRule), description: "null: the app's default")
        Nullable("features", \.changes.features, .list(.text(Plan.keyRule), count: Plan.featureCount, unique: true))
        Nullable("limits", \.changes.limits, .map(keys: Plan.keyRule, values: .integer(Plan.limitRule), count: Plan.limitCount))
        Nullable("metadata", \.changes.metadata, .metadata)
    }

    struct PlanInput: PlanChanging {
        var key = ""
        var changes = Plan.Changes()

        static let shape = Shape<Self>("PlanInput") {
            Required("key", \.key, .text(Plan.keyRule))
            Required("name", \.changes.name, .text(Plan.nameRule))
            Required("prices", \.changes.prices, .list(PriceInput.rule, count: Plan.priceCount))
            sharedInputs()
        }

        func draft() throws -> Plan.Draft {
            guard let name = changes.name else { throw PaymentsError.missing("name") }
            guard let prices = changes.prices else { throw PaymentsError.missing("prices") }
            let draft = Plan.Draft(
                key: key,
                name: name,
                description: changes.description.value,
                prices: prices,
                trialPeriodDays: changes.trialPeriodDays.value,
                gracePeriodDays: changes.gracePeriodDays.value,
                features: changes.features ?? [],
                limits: changes.limits ?? [:],
                metadata: changes.metadata ?? [:]
            )
            try draft.validate()
            return draft
        }
    }

    struct PlanUpdate: PlanChanging {
        var changes = Plan.Changes()

        static let shape = Shape<Self>(
            "PlanUpdate",
            description: "Absent fields stay; `null` clears description, trial_period_days and grace_period_days; `prices` replaces the "
                + "whole list (unchanged prices are kept, changed ones get a new version, missing ones are archived)."
        ) {
            Nullable("name", \.changes.name, .text(Plan.nameRule))
            Nullable("prices", \.changes.prices, .list(PriceInput.rule, count: Plan.priceCount), description: "The whole new list")
            Nullable("active", \.changes.active, .boolean, description: "false archives the plan")
            sharedInputs()
        }
    }
}

/// A plan's fields as a request gives them.
protocol PlanChanging: APIInput {
    var changes: Plan.Changes { get set }
}
