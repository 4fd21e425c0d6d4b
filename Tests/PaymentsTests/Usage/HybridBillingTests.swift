import Foundation
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

/// A base price with metered prices on one subscription: its items, the renewal invoice that
/// bills the base ahead and the usage behind exactly as `GET .../usage` priced it, and changes to
/// the items here and at the provider.
@Suite struct HybridBillingTests {
    static let scalePlan = """
        {"key":"scale","name":"Scale",
         "prices":[{"key":"base","type":"recurring","amount":2900,"currency":"usd","interval":"month"},
                   {"key":"base_yearly","type":"recurring","amount":29000,"currency":"usd","interval":"year"},
                   {"key":"calls","type":"metered","metric":"api_calls","currency":"usd","interval":"month",
                    "included_quantity":100,"tiers_mode":"graduated",
                    "tiers":[{"up_to":1000,"unit_amount":2},{"up_to":null,"unit_amount":1,"flat_amount":500}]},
                   {"key":"users","type":"metered","metric":"active_users","currency":"usd","interval":"month","unit_amount":300},
                   {"key":"storage","type":"metered","metric":"peak_gb","currency":"usd","interval":"month",
                    "included_quantity":10,"unit_amount":50},
                   {"key":"setup","type":"one_time","amount":5000,"currency":"usd"}]}
        """

    static func prepared(_ api: TestAPI) async throws -> String {
        let (_, key) = try await UsageTests.prepared(api)
        let plan = try await api.request(.post, "/v1/plans", key: key, json: scalePlan)
        #expect(plan.status == .created, "\(plan.text)")
        return key
    }

    @Test(arguments: TestDatabase.engines) func theRenewalBillsTheBaseAheadAndTheUsageBehindAsUsageShowsIt(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"scale","price":"base","quantity":2,"payment_method":"pm_sandbox_visa"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let items = created["items"] as? [[String: Any]] ?? []
            let app = try #require(try await api.store.read { try await $0.apps.list(try PageRequest(limit: 10)).data.first })
            #expect(items.count == 4, "the base and the monthly metered prices, not the yearly one: \(items)")
            #expect(items.first?["quantity"] as? Int == 2)
            #expect(items.dropFirst().allSatisfy { $0["quantity"] is NSNull }, "metered items have no quantity")
            #expect(items.allSatisfy { $0["unknown_price"] as? Bool == false && $0["provider_item_id"] is String })
            let id = try #require(created.string("id"))
            let audit = try await api.admin(.get, "/admin/v1/audit-logs?app_id=\(app.id.rawValue)&action_type=CREATE_SUBSCRIPTION&limit=10")
            let recorded = (audit.data.first?["payload_snapshot"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            #expect(
                recorded.map { $0["id"] as? String } == items.map { $0["id"] as? String },
                "the items keep the ids they were made with once the provider names them"
            )

            let events = [
                #"{"id":"c1","customer":"org_42","metric":"api_calls","value":1600.5}"#,
                #"{"id":"u1","customer":"org_42","metric":"active_users","properties":{"user_id":"ann"}}"#,
                #"{"id":"u2","customer":"org_42","metric":"active_users","properties":{"user_id":"bob"}}"#,
                #"{"id":"u3","customer":"org_42","metric":"active_users","properties":{"user_id":"ann"}}"#,
                #"{"id":"u4","customer":"org_42","metric":"active_users","properties":{"user_id":"cy"}}"#,
                #"{"id":"g1","customer":"org_42","metric":"peak_gb","value":12}"#,
                #"{"id":"g2","customer":"org_42","metric":"peak_gb","value":30.2}"#,
                #"{"id":"g3","customer":"org_42","metric":"peak_gb","value":20}"#,
            ]
            for event in events {
                #expect(try await api.request(.post, "/v1/usage-events", key: key, json: event).status == .created)
            }
            // A report mid-period, then more usage: the provider gets the difference next time.
            let reporter = api.services.usageReporter
            #expect(try await reporter.report(app: app) == 3, "one report per metric")
            #expect(try await reporter.report(app: app) == 0, "nothing new, nothing sent")
            _ = try await api.request(.post, "/v1/usage-events", key: key, json: #"{"id":"c2","customer":"org_42","metric":"api_calls","value":100}"#)
            let usage = try await UsageTests.usage(api, key)
            #expect(usage["api_calls"]?["amount"] as? Int == 3101)  // 1,701 units, 1,601 billable: 1,000 × 2 + 601 × 1 + 500
            #expect(usage["active_users"]?["amount"] as? Int == 900)
            #expect(usage["peak_gb"]?["amount"] as? Int == 1050)  // 31 units, 21 beyond 10 included, at 50

            #expect(try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#).status == .ok)
            let previous = try await UsageTests.usage(api, key, "?period=previous")
            let paid = try await api.request(.get, "/v1/events?type=invoice.paid", key: key)
            #expect(paid.data.count == 2, "the first period's invoice and the renewal's")
            let renewal = try #require(((paid.data.first?["data"] as? [String: Any])?["object"]) as? [String: Any])
            let lines = renewal["lines"] as? [[String: Any]] ?? []
            #expect(lines.count == 4, "\(renewal)")
            var byPrice: [String: [String: Any]] = [:]
            for line in lines {
                let priceID = try #require(line["price_id"] as? String, "each line names our price")
                byPrice[priceID] = line
            }
            let plan = try await api.request(.get, "/v1/plans/scale", key: key)
            let priceIDs = Dictionary(
                uniqueKeysWithValues: (plan["prices"] as? [[String: Any]] ?? []).map { ($0["key"] as? String ?? "", $0["id"] as? String ?? "") }
            )
            #expect(byPrice[priceIDs["base"]!]?["amount"] as? Int == 5800 && byPrice[priceIDs["base"]!]?["quantity"] as? Int == 2)
            for (metric, price) in [("api_calls", "calls"), ("active_users", "users"), ("peak_gb", "storage")] {
                let line = try #require(byPrice[priceIDs[price]!])
                #expect(line["amount"] as? Int == previous[metric]?["amount"] as? Int, "\(metric): the provider bills what usage shows")
                #expect(line["amount"] as? Int == usage[metric]?["amount"] as? Int)
            }
            #expect(renewal["amount_paid"] as? Int == 5800 + 3101 + 900 + 1050)
            #expect(renewal["total"] as? Int == 10851 && renewal["amount_remaining"] as? Int == 0)
            let baseLine = try #require(byPrice[priceIDs["base"]!])
            let callsLine = try #require(byPrice[priceIDs["calls"]!])
            let basePeriod = try #require(baseLine["period"] as? [String: Any])
            let callsPeriod = try #require(callsLine["period"] as? [String: Any])
            #expect(basePeriod["start"] as? String == callsPeriod["end"] as? String, "the base ahead, the usage behind")
            #expect(baseLine["unit_amount"] as? Int == 2900, "a line priced by unit keeps its unit amount")
            #expect(callsLine["unit_amount"] is NSNull, "tiers give no one unit amount: the line keeps what was charged")

            // The provider's invoices are invoices of ours: numbered, listed, named by invoice.paid.
            let renewalID = try #require(renewal["id"] as? String)
            #expect(renewalID.hasPrefix("inv_") && renewal["collection"] as? String == "subscription" && renewal["status"] as? String == "paid")
            #expect(renewal["subscription_id"] as? String == id && renewal["period_start"] as? String == basePeriod["start"] as? String)
            let listed = try await api.request(.get, "/v1/invoices?customer=org_42", key: key)
            #expect(listed.data.map { $0["number"] as? String } == ["INV-000002", "INV-000001"], "the first period's and the renewal's")
            #expect(listed.data.first?["id"] as? String == renewalID)
            let stored = try await api.request(.get, "/v1/invoices/\(renewalID)", key: key)
            #expect(stored.json["lines"] as? NSArray == renewal["lines"] as? NSArray, "the event's invoice is the stored one")

            let summary = try await api.request(.get, "/v1/customers/org_42/billing-summary", key: key)
            let latest = try #require(summary["latest_invoice"] as? [String: Any], "\(summary.text)")
            #expect(latest["amount_paid"] as? Int == 10851 && latest["id"] as? String == renewalID)
            #expect((latest["lines"] as? [[String: Any]])?.count == 4)
            #expect((summary["items"] as? [[String: Any]])?.count == 4)
            #expect(try await api.request(.get, "/v1/subscriptions/\(id)", key: key).string("status") == "active")
        }
    }

    @Test(arguments: TestDatabase.engines) func pricesPickTheItemsAndChangesKeepWhatStays(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            for (body, param) in [
                (#"{"customer":"org_42","plan":"scale","prices":["base","setup"]}"#, "prices[1]"),
                (#"{"customer":"org_42","plan":"scale","prices":["base","base_yearly"]}"#, "prices[1]"),
                (#"{"customer":"org_42","plan":"scale","prices":["base","base"]}"#, "prices"),
                (#"{"customer":"org_42","plan":"scale","prices":[]}"#, "prices"),
                (#"{"customer":"org_42","plan":"scale"}"#, "price"),
                (#"{"customer":"org_42","plan":"scale","price":"base_yearly","prices":["base","calls"]}"#, "price"),
            ] {
                let refused = try await api.request(.post, "/v1/subscriptions", key: key, json: body)
                #expect(refused.status == .badRequest && refused.errorParam == param, "\(body): \(refused.text)")
            }
            let unknown = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"scale","prices":["nope"]}"#
            )
            #expect(unknown.status == .notFound && unknown.errorCode == "price_not_found")

            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"scale","prices":["base"],"payment_method":"pm_sandbox_visa"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.string("id"))
            let baseItem = try #require((created["items"] as? [[String: Any]])?.first)
            #expect((created["items"] as? [[String: Any]])?.count == 1)

            _ = try await api.request(.post, "/v1/usage-events", key: key, json: #"{"id":"c1","customer":"org_42","metric":"api_calls","value":500}"#)
            #expect(try await UsageTests.usage(api, key)["api_calls"]?["amount"] is NSNull, "usage no item bills is not priced")

            let added = try await api.request(.patch, "/v1/subscriptions/\(id)", key: key, json: #"{"prices":["base","calls"],"quantity":3}"#)
            #expect(added.status == .ok, "\(added.text)")
            let addedItems = added["items"] as? [[String: Any]] ?? []
            #expect(addedItems.count == 2)
            #expect(addedItems.first?["id"] as? String == baseItem["id"] as? String, "the base item stays itself")
            #expect(addedItems.first?["quantity"] as? Int == 3 && added["quantity"] as? Int == 3)
            #expect(addedItems.last?["quantity"] is NSNull)
            #expect(try await UsageTests.usage(api, key)["api_calls"]?["amount"] as? Int == 800, "priced once its item bills it")

            let removed = try await api.request(.patch, "/v1/subscriptions/\(id)", key: key, json: #"{"prices":["base"]}"#)
            #expect((removed["items"] as? [[String: Any]])?.count == 1)
            let bad = try await api.request(.patch, "/v1/subscriptions/\(id)", key: key, json: #"{"prices":["calls","setup"]}"#)
            #expect(bad.status == .badRequest && bad.errorParam == "prices[1]")
        }
    }

    @Test(arguments: TestDatabase.engines) func aPriceChangedAtTheProviderIsMirroredAndAnUnknownOneFlagged(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let other = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json:
                    #"{"key":"team","name":"Team","prices":[{"key":"monthly","type":"recurring","amount":9900,"currency":"usd","interval":"month"}]}"#
            )
            #expect(other.status == .created)
            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"scale","prices":["base"],"payment_method":"pm_sandbox_visa"}"#
            )
            let id = try #require(created.string("id"))
            let providerID = try #require(created.string("provider_subscription_id"))
            let app = try #require(try await api.store.read { try await $0.apps.list(try PageRequest(limit: 10)).data.first })
            let sandbox = try #require(try await api.providers.provider(for: app) as? any SubscriptionProvider & CatalogSync)
            let baseItem = try #require((created["items"] as? [[String: Any]])?.first?["provider_item_id"] as? String)

            // In the provider's portal the customer moves to the other plan's price.
            let team = try await api.services.plans.find(app: app.id, key: "team")
            let teamPrice = try #require(team.prices.first)
            let teamProviderPrice = try await sandbox.syncPrice(teamPrice, of: team)
            try await api.store.write(.system, app: app.id) { session in
                _ = try await session.providerObjects(app.id).remember(
                    provider: .sandbox,
                    account: sandbox.account,
                    objectID: teamPrice.id.rawValue,
                    providerObjectID: teamProviderPrice
                )
                try await session.audit(
                    app.id,
                    try AuditRecord(action: .linkProviderObject, targetType: .price, targetID: teamPrice.id.rawValue, snapshot: ["test": "portal"])
                )
            }
            _ = try await sandbox.updateSubscription(
                providerID,
                ProviderSubscriptionChange(items: [ProviderItemChange(id: baseItem, price: teamProviderPrice, quantity: 1)], prorationBehavior: nil),
                idempotencyKey: "portal-1"
            )
            #expect(try await api.services.subscriptions.refresh(app: app, providerID: providerID, origin: .system))
            let moved = try await api.request(.get, "/v1/subscriptions/\(id)", key: key)
            #expect(moved.string("plan_id") == team.id.rawValue && moved.string("price_id") == teamPrice.id.rawValue, "\(moved.text)")

            // Then to a price made in the provider's dashboard, which the catalog does not hold.
            let stranger = Price(
                id: Price.ID(rawValue: "price_01m8000000000000000000000z"),
                key: "dashboard",
                terms: .recurring(Money(4900, .usd), BillingInterval(.month)),
                linkedProviderPriceID: nil,
                active: true,
                createdAt: api.clock.now
            )
            let strangerProviderPrice = try await sandbox.syncPrice(stranger, of: team)
            _ = try await sandbox.updateSubscription(
                providerID,
                ProviderSubscriptionChange(
                    items: [ProviderItemChange(id: baseItem, price: strangerProviderPrice, quantity: 1)],
                    prorationBehavior: nil
                ),
                idempotencyKey: "portal-2"
            )
            #expect(try await api.services.subscriptions.refresh(app: app, providerID: providerID, origin: .system))
            let flagged = try await api.request(.get, "/v1/subscriptions/\(id)", key: key)
            let item = try #require((flagged["items"] as? [[String: Any]])?.first)
            #expect(item["unknown_price"] as? Bool == true && item["price_id"] is NSNull, "\(item)")
            #expect(item["provider_price_id"] as? String == strangerProviderPrice)
            #expect(flagged.string("price_id") == teamPrice.id.rawValue, "the last known base price stays")
        }
    }

    @Test(arguments: TestDatabase.engines) func checkoutSellsTheBaseWithTheMeteredPrices(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let refused = try await api.request(
                .post,
                "/v1/checkout-sessions",
                key: key,
                json: #"{"customer":"org_42","mode":"payment","plan":"scale","prices":["setup"],"success_url":"https://app.test/ok"}"#
            )
            #expect(refused.status == .badRequest && refused.errorParam == "prices", "\(refused.text)")
            let session = try await api.request(
                .post,
                "/v1/checkout-sessions",
                key: key,
                json: #"{"customer":"org_42","mode":"subscription","plan":"scale","prices":["base","calls"],"success_url":"https://app.test/ok"}"#
            )
            #expect(session.status == .created, "\(session.text)")
            let providerID = try #require(session.string("provider_session_id"))
            let paid = try await api.request(
                .post,
                "/sandbox/checkout/\(providerID)/complete",
                json: nil,
                headers: [.contentType: "application/x-www-form-urlencoded"]
            )
            #expect(paid.status == .ok)
            let completed = try await api.request(.get, "/v1/checkout-sessions/\(session.string("id")!)", key: key)
            let subscription = try await api.request(.get, "/v1/subscriptions/\(try #require(completed.string("subscription_id")))", key: key)
            let items = subscription["items"] as? [[String: Any]] ?? []
            #expect(items.count == 2, "\(subscription.text)")
            #expect(items.allSatisfy { $0["price_id"] is String && $0["unknown_price"] as? Bool == false })
            #expect(items.last?["quantity"] is NSNull)
        }
    }

    @Test(arguments: TestDatabase.engines) func cancellingNowBillsTheUsageSoFar(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"scale","price":"base","payment_method":"pm_sandbox_visa"}"#
            )
            let id = try #require(created.string("id"))
            for event in [
                #"{"id":"c1","customer":"org_42","metric":"api_calls","value":2500}"#,
                #"{"id":"u1","customer":"org_42","metric":"active_users","properties":{"user_id":"ann"}}"#,
            ] {
                #expect(try await api.request(.post, "/v1/usage-events", key: key, json: event).status == .created)
            }
            api.clock.advance(seconds: 86_400 * 10)
            let usage = try await UsageTests.usage(api, key)
            // No report has been sent yet: the cancellation sends it, then the final invoice bills it.
            let canceled = try await api.request(.post, "/v1/subscriptions/\(id)/cancel", key: key, json: "{}")
            #expect(canceled.string("status") == "canceled", "\(canceled.text)")
            try await api.services.inbox.settle()
            let paid = try await api.request(.get, "/v1/events?type=invoice.paid", key: key)
            #expect(paid.data.count == 2, "the first period's invoice and the final one")
            let final = try #require(((paid.data.first?["data"] as? [String: Any])?["object"]) as? [String: Any])
            let lines = final["lines"] as? [[String: Any]] ?? []
            #expect(lines.allSatisfy { $0["description"] is String }, "metered lines only, no base for a period ahead: \(lines)")
            let amounts = lines.compactMap { $0["amount"] as? Int }.sorted()
            let shown = ["api_calls", "active_users", "peak_gb"].compactMap { usage[$0]?["amount"] as? Int }.sorted()
            #expect(amounts == shown && shown == [0, 300, 3900], "the usage so far, priced as GET usage priced it: \(amounts)")
            #expect(final["amount_paid"] as? Int == 4200)  // 2,400 beyond 100 included: 1,000 × 2 + 1,400 × 1 + 500; one user at 300
        }
    }
}
