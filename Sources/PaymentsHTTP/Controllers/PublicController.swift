import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// What a pricing page may read with the app's publishable key (`pk_...`), safe to ship in a
/// browser: the plans on sale, their prices, features and limits. Nothing else is readable with
/// that key (see `AppAuthMiddleware`).
struct PublicController: Controller {
    let plans: Plans.Service

    static let access = Access.app
    /// The routes a publishable key may read.
    static let prefix = "/v1/public/"

    static let routes: [Route<Self>] = [
        Route(
            .get,
            "/v1/public/plans",
            id: "listPublicPlans",
            summary: "The plans on sale, for a pricing page (publishable key)",
            description: "Active plans with their active prices, features and limits; no provider ids or metadata. Readable with the "
                + "app's publishable key (`pk_test_...`/`pk_live_...`, issued beside the secret key), which reads nothing else, or "
                + "with the secret key.",
            success: .ok(Resources.publicPlan.list, "A page"),
            handler: list
        )
    ]

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Plan> {
        try await plans.publicList(app: try call.app().id, call.query.page)
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        static let query = QueryShape<Self> { PageParameters(\.page, of: Plan.self) }
    }
}
