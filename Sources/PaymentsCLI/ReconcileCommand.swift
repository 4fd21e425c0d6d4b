import ArgumentParser
import Foundation
import PaymentsDomain
import PaymentsServer
import PaymentsServices
import PaymentsStore

/// `payments reconcile`: drift reconciliation now, for one app or all.
struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare each app's subscriptions, payments and invoices with its provider's and list what differs; --fix applies the "
            + "provider's truth as the missed webhooks would have (audited, with their events). Exit 1 when a difference is left open.",
        discussion: "The runs are kept: GET /v1/reconciliation-runs. The workers run this every RECONCILE_SECONDS (RECONCILE_FIX)."
    )

    @Option(help: "One app (app_...); default every app.") var app: String?
    @Option(help: "Compare only local objects changed since this RFC 3339 time.") var since: String?
    @Flag(help: "Apply the provider's truth to each difference of an object we have.") var fix = false

    func run() async throws {
        let since = try since.map { raw -> Date in
            guard let date = RFC3339.parse(raw) else { throw ValidationError("--since must be an RFC 3339 time") }
            return date
        }
        let appID = try app.map { raw -> App.ID in
            guard let id = App.ID(parsing: raw) else { throw ValidationError("--app must be an app id (app_...)") }
            return id
        }
        let runs = try await withRuntime { runtime in
            let drift = runtime.services.drift
            if let appID {
                let app = try await runtime.services.apps.get(appID)
                return try await drift.run(app: app, since: since, fix: fix, origin: .system).map { [$0] } ?? []
            }
            return try await drift.runAll(since: since, fix: fix)
        }
        var open = 0
        for run in runs {
            print(
                "\(run.appID): \(run.id) \(run.status.rawValue), \(run.differences.count) difference(s), \(run.open) open\(run.error.map { " (\($0))" } ?? "")"
            )
            for difference in run.differences {
                let values = "\(difference.local ?? "-") here, \(difference.provider ?? "-") at \(run.provider.rawValue)"
                let state = difference.fixed ? "fixed" : (difference.note.map { "open: \($0)" } ?? "open")
                print(
                    "  \(difference.objectType.rawValue) \(difference.objectID ?? "-") (\(difference.providerObjectID)): "
                        + "\(difference.kind.rawValue): \(values) [\(state)]"
                )
            }
            open += run.open + (run.status == .failed ? 1 : 0)
        }
        if open > 0 { throw ExitCode(1) }
    }
}
