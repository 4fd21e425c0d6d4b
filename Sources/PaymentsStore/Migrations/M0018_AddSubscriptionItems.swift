import PaymentsDomain
import SQLKit

/// Subscription items (a base price and metered prices), and what usage was reported to each
/// provider. Every existing subscription gets one item: its price, with its quantity unless the
/// price is metered.
struct M0018_AddSubscriptionItems: Migration {
    let version = 18
    let name = "add_subscription_items"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            "ALTER TABLE subscriptions ADD COLUMN items TEXT NOT NULL DEFAULT '[]'",
            // One row per customer, metric and period reported: `reported` is what the provider
            // acknowledged; a report under way is `pending_*`, recorded before it is sent and
            // resent with the same identifier until acknowledged.
            """
            CREATE TABLE usage_reports (
                app_id TEXT NOT NULL REFERENCES apps (id),
                customer_id TEXT NOT NULL REFERENCES customers (id),
                metric TEXT NOT NULL,
                period_start BIGINT NOT NULL,
                period_end BIGINT NOT NULL,
                provider TEXT NOT NULL,
                reported BIGINT NOT NULL,
                sequence BIGINT NOT NULL,
                pending_identifier TEXT,
                pending_value BIGINT,
                pending_at BIGINT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, customer_id, metric, period_start)
            )
            """,
        ])
        let rows = try await db.raw(
            """
            SELECT subscriptions.id AS id, subscriptions.price_id AS price_id, subscriptions.quantity AS quantity,
                   prices.terms AS terms
            FROM subscriptions JOIN prices ON prices.id = subscriptions.price_id
            """
        ).all()
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            let metered = try row.decode(column: "terms", as: String.self).contains("\"metered\"")
            let item = Subscription.Item(
                id: .init(rawValue: "\(Subscription.Item.idPrefix)_\(id.dropFirst(Subscription.idPrefix.count + 1))"),
                priceID: .init(rawValue: try row.decode(column: "price_id", as: String.self)),
                providerPriceID: nil,
                providerItemID: nil,
                quantity: metered ? nil : try row.decode(column: "quantity", as: Int.self)
            )
            try await db.raw("UPDATE subscriptions SET items = \(bind: try StoreJSON.encode([item])) WHERE id = \(bind: id)").run()
        }
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE usage_reports", "ALTER TABLE subscriptions DROP COLUMN items"])
    }
}
