import SQLKit

/// Customers, unique per app by the app's own external id.
struct M0004_CreateCustomers: Migration {
    let version = 4
    let name = "create_customers"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE customers (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                external_id TEXT NOT NULL,
                name TEXT,
                email TEXT,
                legal_name TEXT,
                metadata TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (app_id, external_id)
            )
            """,
            "CREATE INDEX customers_app_id ON customers (app_id, id)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE customers"])
    }
}
