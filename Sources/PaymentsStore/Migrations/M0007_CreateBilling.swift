import SQLKit

/// Subscriptions, payments, refunds and checkout sessions: local mirrors of provider objects.
struct M0007_CreateBilling: Migration {
    let version = 7
    let name = "create_billing"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE subscriptions (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                plan_id TEXT NOT NULL REFERENCES plans (id),
                price_id TEXT NOT NULL REFERENCES prices (id),
                quantity BIGINT NOT NULL,
                status TEXT NOT NULL,
                provider TEXT NOT NULL,
                provider_subscription_id TEXT,
                current_period_start BIGINT,
                current_period_end BIGINT,
                trial_end BIGINT,
                cancel_at_period_end BIGINT NOT NULL,
                canceled_at BIGINT,
                ended_at BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX subscriptions_app_id ON subscriptions (app_id, id)",
            "CREATE INDEX subscriptions_customer ON subscriptions (app_id, customer_id)",
            "CREATE INDEX subscriptions_provider ON subscriptions (provider, provider_subscription_id)",
            """
            CREATE TABLE payments (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                amount BIGINT NOT NULL,
                currency TEXT NOT NULL,
                amount_refunded BIGINT NOT NULL,
                status TEXT NOT NULL,
                description TEXT,
                metadata TEXT NOT NULL,
                provider TEXT NOT NULL,
                provider_payment_id TEXT,
                failure TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX payments_app_id ON payments (app_id, id)",
            "CREATE INDEX payments_customer ON payments (app_id, customer_id)",
            """
            CREATE TABLE refunds (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                payment_id TEXT NOT NULL REFERENCES payments (id),
                amount BIGINT NOT NULL,
                currency TEXT NOT NULL,
                reason TEXT,
                status TEXT NOT NULL,
                provider_refund_id TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX refunds_payment ON refunds (app_id, payment_id)",
            """
            CREATE TABLE checkout_sessions (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                mode TEXT NOT NULL,
                plan_id TEXT NOT NULL REFERENCES plans (id),
                price_id TEXT NOT NULL REFERENCES prices (id),
                quantity BIGINT NOT NULL,
                trial_period_days BIGINT,
                success_url TEXT NOT NULL,
                cancel_url TEXT,
                metadata TEXT NOT NULL,
                status TEXT NOT NULL,
                url TEXT,
                expires_at BIGINT,
                provider TEXT NOT NULL,
                provider_session_id TEXT,
                subscription_id TEXT,
                payment_id TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX checkout_sessions_provider ON checkout_sessions (app_id, provider_session_id)",
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "DROP TABLE checkout_sessions", "DROP TABLE refunds", "DROP TABLE payments", "DROP TABLE subscriptions",
        ])
    }
}
