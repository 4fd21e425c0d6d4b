import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/reconciliation-runs`: the app's drift reconciliation runs (made by the periodic worker or
/// `payments reconcile`) and what each found.
struct ReconciliationController: Controller {
    let drift: Reconciliation.Drift

    static let access = Access.app

    static let routes: [Route<Self>] = [
        Route(
            .get,
            "/v1/reconciliation-runs",
            id: "listReconciliationRuns",
            summary: "Drift reconciliation runs, newest first",
            description: "Each compares the app's subscriptions (status, period, prices) and payments (status, refunds) with the "
                + "provider's, for every customer the provider knows, and lists each difference; a run with `fix` applied the "
                + "provider's truth as the missed webhook would have (audited, with its events).",
            success: .ok(Resources.reconciliationRun.list, "A page"),
            handler: list
        ),
        Route(
            .get,
            "/v1/reconciliation-runs/{id}",
            id: "getReconciliationRun",
            summary: "A drift reconciliation run, with its differences",
            parameters: [.id(DriftRun.self)],
            success: .ok(Resources.reconciliationRun.codec, "The run"),
            errors: [.notFound],
            handler: get
        ),
    ]

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<DriftRun> {
        try await drift.list(app: try call.app().id, call.query.page)
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> DriftRun {
        try await drift.get(app: try call.app().id, try call.path("id"))
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first

        static let query = QueryShape<Self> {
            PageParameters(\.page, of: DriftRun.self)
        }
    }
}
