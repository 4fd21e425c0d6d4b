import PaymentsContract
import PaymentsDomain

extension Resources {
    public static let reconciliationRun = Resource<DriftRun>(
        "ReconciliationRun",
        object: "reconciliation_run",
        description: "One comparison of the app's subscriptions, payments and invoices with its provider's, and what differed"
    ) {
        Field("id", \.id)
        Field("provider", \.provider)
        Field("fix", \.fix, description: "Whether the provider's truth was applied (as the missed webhook would have)")
        Field("since", \.since, description: "Only local objects changed since then were compared")
        Field("status", \.status)
        Field("differences", \.differences, driftDifference.codec.list)
        Field("open_differences", { Int64($0.open) }, description: "Differences not repaired")
        Field("error", \.error)
        Field("started_at", \.startedAt)
        Field("finished_at", \.finishedAt)
    }

    static let driftDifference = Resource<DriftDifference>("ReconciliationDifference") {
        Field("object_type", \.objectType)
        Field("object_id", \.objectID, description: "Ours; null when only the provider has it")
        Field("provider_object_id", \.providerObjectID)
        Field(
            "kind",
            \.kind,
            description: "missing_here (only the provider has it), missing_there (only we have it), status, amount, period, price"
        )
        Field("local", \.local)
        Field("provider", \.provider)
        Field("fixed", \.fixed)
        Field("note", \.note, description: "Why it was not repaired")
    }
}
