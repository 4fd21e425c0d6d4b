import SQLKit

/// Feature gates: each app's policy (its default rollout and the billing statuses that give
/// access), its rules per feature (rollout, roles, app types, per location), customers'
/// overrides, and the decisions checks made, counted per hour, feature and customer (what
/// monitor mode reports). And publishable keys beside the secret ones.
struct M0019_CreateEntitlements: Migration {
    let version = 19
    let name = "create_entitlements"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE entitlement_policies (
                app_id TEXT PRIMARY KEY REFERENCES apps (id),
                rollout TEXT NOT NULL,
                enforce_after BIGINT,
                allowed TEXT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE entitlement_rules (
                app_id TEXT NOT NULL REFERENCES apps (id),
                feature TEXT NOT NULL,
                rollout TEXT,
                enforce_after BIGINT,
                user_roles TEXT NOT NULL,
                app_types TEXT NOT NULL,
                per_location BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, feature)
            )
            """,
            """
            CREATE TABLE entitlement_overrides (
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                feature TEXT NOT NULL,
                enabled BIGINT,
                limit_value BIGINT,
                expires_at BIGINT,
                reason TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, customer_id, feature)
            )
            """,
            """
            CREATE TABLE entitlement_decisions (
                app_id TEXT NOT NULL REFERENCES apps (id),
                feature TEXT NOT NULL,
                hour BIGINT NOT NULL,
                customer_id TEXT NOT NULL,
                checks BIGINT NOT NULL,
                would_deny BIGINT NOT NULL,
                denied BIGINT NOT NULL,
                last_reason TEXT,
                PRIMARY KEY (app_id, feature, hour, customer_id)
            )
            """,
            "ALTER TABLE api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'secret'",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "ALTER TABLE api_keys DROP COLUMN kind",
            "DROP TABLE entitlement_decisions",
            "DROP TABLE entitlement_overrides",
            "DROP TABLE entitlement_rules",
            "DROP TABLE entitlement_policies",
        ])
    }
}
