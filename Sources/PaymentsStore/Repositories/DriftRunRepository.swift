import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's drift reconciliation runs.
public struct DriftRunRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columns: SQLQueryString = """
        id, app_id, provider, fix, since, slot, status, differences, open_differences, error, started_at, finished_at
        """

    /// Records a run as it starts; a periodic run names its time `slot`, which only one run of
    /// the app may take.
    /// - Returns: false when another run took the slot.
    public func start(_ run: DriftRun, slot: String?) async throws -> Bool {
        _ = try session.requireWrite()
        return try await !session.db.raw(
            """
            INSERT INTO reconciliation_runs (\(Self.columns))
            VALUES (\(bind: run.id.rawValue), \(bind: appID.rawValue), \(bind: run.provider.rawValue), \(bind: run.fix ? 1 : 0),
                    \(bind: run.since?.millis), \(bind: slot), \(bind: run.status.rawValue), \(bind: try StoreJSON.encode(run.differences)),
                    \(bind: Int64(run.open)), \(bind: run.error), \(bind: run.startedAt.millis), \(bind: run.finishedAt?.millis))
            ON CONFLICT (app_id, slot) DO NOTHING
            RETURNING id
            """
        ).all().isEmpty
    }

    public func finish(_ run: DriftRun) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE reconciliation_runs SET status = \(bind: run.status.rawValue), differences = \(bind: try StoreJSON.encode(run.differences)),
                open_differences = \(bind: Int64(run.open)), error = \(bind: run.error), finished_at = \(bind: run.finishedAt?.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: run.id.rawValue)
            """
        ).run()
    }

    public func find(_ id: DriftRun.ID) async throws -> DriftRun? {
        try await session.db.raw(
            "SELECT \(Self.columns) FROM reconciliation_runs WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)"
        ).first().map(Self.decode)
    }

    /// Runs, newest first.
    public func list(_ page: PageRequest) async throws -> Page<DriftRun> {
        let after: SQLQueryString = page.startingAfter.map { " AND id < \(bind: $0)" } ?? ""
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM reconciliation_runs WHERE app_id = \(bind: appID.rawValue)\(after)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    static func decode(_ row: any SQLRow) throws -> DriftRun {
        var run = DriftRun(
            id: .init(rawValue: try row.decode(column: "id", as: String.self)),
            appID: .init(rawValue: try row.decode(column: "app_id", as: String.self)),
            provider: try row.enumValue("provider"),
            fix: try row.decode(column: "fix", as: Int64.self) != 0,
            since: try row.optionalDate("since"),
            startedAt: try row.date("started_at")
        )
        run.status = try row.enumValue("status")
        run.differences = try StoreJSON.decode([DriftDifference].self, row.decode(column: "differences", as: String.self))
        run.error = try row.decode(column: "error", as: String?.self)
        run.finishedAt = try row.optionalDate("finished_at")
        return run
    }
}

extension Session {
    public func driftRuns(_ appID: App.ID) -> DriftRunRepository { DriftRunRepository(session: self, appID: appID) }

    /// Each app's differences left open by its last completed run (for the metrics gauge).
    public func openDriftDifferences() async throws -> [App.ID: Int] {
        var open: [App.ID: Int] = [:]
        for row in try await db.raw(
            """
            SELECT r.app_id, r.open_differences FROM reconciliation_runs r
            WHERE r.id = (SELECT MAX(x.id) FROM reconciliation_runs x WHERE x.app_id = r.app_id AND x.status = 'completed')
            """
        ).all() {
            open[.init(rawValue: try row.decode(column: "app_id", as: String.self))] = Int(try row.decode(column: "open_differences", as: Int64.self))
        }
        return open
    }

    /// The customers of `app` known to a provider account, with their ids there.
    public func providerCustomers(app: App.ID, provider: ProviderName, account: String) async throws -> [(Customer.ID, String)] {
        try await db.raw(
            """
            SELECT object_id, provider_object_id FROM provider_objects
            WHERE app_id = \(bind: app.rawValue) AND provider = \(bind: provider.rawValue) AND account = \(bind: account)
              AND object_id LIKE 'cus\\_%' ESCAPE '\\'
            ORDER BY object_id
            """
        ).all().map {
            (Customer.ID(rawValue: try $0.decode(column: "object_id", as: String.self)), try $0.decode(column: "provider_object_id", as: String.self))
        }
    }
}
