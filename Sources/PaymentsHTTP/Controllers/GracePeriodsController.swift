import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/grace-periods`: list them, resolve one by hand.
struct GracePeriodsController: Controller {
    let grace: GracePeriods.Service

    static let access = Access.app

    static let routes: [Route<Self>] = [
        Route(
            .get,
            "/v1/grace-periods",
            id: "listGracePeriods",
            summary: "Grace periods, newest first",
            description: "A failed invoice opens one (length: the plan's grace_period_days, else the app's, else 7 days, on the app's "
                + "clock); a paid invoice or payment resolves it; the expiry worker (and a test-clock advance) ends it.",
            success: .ok(Resources.gracePeriod.list, "A page"),
            errors: [.notFound],
            handler: list
        ),
        Route(
            .post,
            "/v1/grace-periods/{id}/resolve",
            id: "resolveGracePeriod",
            summary: "Resolve a grace period by hand (audited, with a reason)",
            description: "400 `grace_period_not_open` when it is resolved or expired already.",
            parameters: [.id(GracePeriod.self)],
            success: .ok(Resources.gracePeriod.codec, "Resolved"),
            errors: [.notFound],
            handler: resolve
        ),
    ]

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<GracePeriod> {
        try await grace.list(app: try call.app().id, customer: call.query.customer, status: call.query.status, call.query.page)
    }

    @Sendable func resolve(_ call: Call<ResolveInput, NoQuery>) async throws -> GracePeriod {
        try await grace.resolve(app: try call.app().id, try call.path("id"), reason: call.body.reason, origin: call.origin)
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        var customer: String?
        var status: GracePeriod.Status?

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: GracePeriod.self)
            Parameter.customer(\.customer)
            Parameter("status", \.status, .enumeration)
        }
    }

    struct ResolveInput: APIInput {
        /// Required, but checked after the grace period is found, so another app's id answers 404 first.
        var reason: String?

        static let shape = Shape<Self>("GracePeriodResolve") {
            Nullable("reason", \.reason, .text(GracePeriod.resolutionRule), description: "Required: why it is resolved (audited)")
        }
    }
}
