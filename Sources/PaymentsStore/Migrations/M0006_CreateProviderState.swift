import SQLKit

/// What the service keeps about providers: each app's own credentials (encrypted), the mapping
/// from our objects to the provider's, the operations sent to providers, and each test-mode
/// app's clock offset.
struct M0006_CreateProviderState: Migration {
    let version = 6
    let name = "create_provider_state"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE provider_accounts (
                app_id TEXT NOT NULL REFERENCES apps (id),
                provider TEXT NOT NULL,
                secret_key_sealed TEXT NOT NULL,
                secret_key_last4 TEXT NOT NULL,
                webhook_secrets_sealed TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, provider)
            )
            """,
            """
            CREATE TABLE provider_objects (
                app_id TEXT NOT NULL REFERENCES apps (id),
                provider TEXT NOT NULL,
                account TEXT NOT NULL,
                object_id TEXT NOT NULL,
                provider_object_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, provider, account, object_id)
            )
            """,
            """
            CREATE TABLE provider_operations (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                request_key TEXT,
                kind TEXT NOT NULL,
                target_id TEXT NOT NULL,
                provider TEXT NOT NULL,
                status TEXT NOT NULL,
                provider_object_id TEXT,
                error_code TEXT,
                attempts BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX provider_operations_request ON provider_operations (app_id, kind, request_key)",
            "CREATE INDEX provider_operations_open ON provider_operations (status, updated_at)",
            """
            CREATE TABLE app_clocks (
                app_id TEXT PRIMARY KEY REFERENCES apps (id),
                offset_ms BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "DROP TABLE app_clocks", "DROP TABLE provider_operations", "DROP TABLE provider_objects",
            "DROP TABLE provider_accounts",
        ])
    }
}
