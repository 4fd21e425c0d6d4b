import SQLKit

/// One numbered schema change with a real revert. Each runs in its own transaction.
public protocol Migration: Sendable {
    /// The migration's number; applied in ascending order, recorded in `schema_migrations`.
    var version: Int { get }
    var name: String { get }
    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws
    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws
}

extension SQLEngine {
    /// The column type for raw bytes.
    var binaryType: String {
        switch self {
        case .sqlite: "BLOB"
        case .postgres: "BYTEA"
        }
    }
}

/// Every migration the service has, in order.
public enum Migrations {
    public static let all: [any Migration] = [
        M0001_CreateApps(),
        M0002_CreateAuditLog(),
        M0003_CreateIdempotencyKeys(),
        M0004_CreateCustomers(),
        M0005_CreateCatalog(),
        M0006_CreateProviderState(),
        M0007_CreateBilling(),
        M0008_CreateSandbox(),
        M0009_CreateProviderEvents(),
        M0010_CreateGracePeriods(),
        M0011_CreateEvents(),
        M0012_AddAppGracePeriodDays(),
        M0013_AddInboxClaimIndex(),
        M0014_SealAuditAfterCommit(),
        M0015_SequenceEventsAfterCommit(),
        M0016_CreateMetrics(),
        M0017_CreateUsage(),
        M0018_AddSubscriptionItems(),
        M0019_CreateEntitlements(),
        M0020_AddPaymentProviderIndex(),
        M0021_CreateInvoices(),
        M0022_MirrorSubscriptionInvoices(),
        M0023_CreateReconciliationRuns(),
        M0024_CreateImportCursors(),
        M0025_IndexProviderInvoices(),
    ]

    /// Tables that belong to no single app. Every other table must have an `app_id` column.
    public static let platformTables: Set<String> = ["schema_migrations", "apps"]
}

extension SQLDatabase {
    /// Runs several statements in order.
    func execute(_ statements: [String]) async throws {
        for statement in statements {
            try await raw(SQLQueryString(statement)).run()
        }
    }
}
