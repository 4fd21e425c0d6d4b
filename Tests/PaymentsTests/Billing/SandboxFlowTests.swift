import Foundation
import HTTPTypes
import PaymentsStore
import Testing

/// The whole money flow through the HTTP API on the built-in sandbox provider.
@Suite struct SandboxFlowTests {
    static let plan = """
        {"key":"pro","name":"Pro","trial_period_days":null,"grace_period_days":7,
         "features":["sso","exports"],"limits":{"seats":10},
         "prices":[{"key":"monthly","type":"recurring","amount":2900,"currency":"usd","interval":"month"},
                   {"key":"setup","type":"one_time","amount":5000,"currency":"usd"}]}
        """

    /// An app with a customer `org_42` and the plan above.
    static func prepared(_ api: TestAPI) async throws -> String {
        let (_, key) = try await api.createApp()
        let customer = try await api.request(.put, "/v1/customers/org_42", key: key, json: #"{"name":"Acme"}"#)
        #expect(customer.status == .created)
        let plan = try await api.request(.post, "/v1/plans", key: key, json: plan)
        #expect(plan.status == .created, "\(plan.text)")
        return key
    }

    @Test(arguments: TestDatabase.engines) func catalogIsSyncedAndVersioned(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            // setup
            let plan = try await api.request(.get, "/v1/plans/pro", key: key)
            let prices = try #require(plan["prices"] as? [[String: Any]])
            #expect(prices.count == 2)
            let monthly = try #require(prices.first { $0["key"] as? String == "monthly" })
            #expect((monthly["provider_price_id"] as? String)?.hasPrefix("sbprice_") == true, "synced to the sandbox")
            #expect(plan.string("provider") == "sandbox")

            // MUT: a new amount makes a new price version and archives the old one
            let patched = try await api.request(
                .patch,
                "/v1/plans/pro",
                key: key,
                json:
                    #"{"prices":[{"key":"monthly","type":"recurring","amount":3900,"currency":"usd","interval":"month"},{"key":"setup","type":"one_time","amount":5000,"currency":"usd"}]}"#
            )

            // validate
            #expect(patched.status == .ok, "\(patched.text)")
            let after = try #require(patched["prices"] as? [[String: Any]])
            let active = after.filter { $0["active"] as? Bool == true }
            #expect(active.count == 2)
            let newMonthly = try #require(active.first { $0["key"] as? String == "monthly" })
            #expect(newMonthly["amount"] as? Int == 3900)
            #expect(newMonthly["id"] as? String != monthly["id"] as? String)
            #expect(newMonthly["provider_price_id"] as? String != monthly["provider_price_id"] as? String)
            #expect(after.contains { $0["id"] as? String == monthly["id"] as? String && $0["active"] as? Bool == false })
            let setup = try #require(active.first { $0["key"] as? String == "setup" })
            #expect(setup["id"] as? String == prices.first { $0["key"] as? String == "setup" }?["id"] as? String, "an unchanged price is kept")

            let duplicate = try await api.request(.post, "/v1/plans", key: key, json: Self.plan)
            #expect(duplicate.status == .conflict && duplicate.errorCode == "plan_key_exists")
            let badAmount = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: #"{"key":"x","name":"X","prices":[{"key":"m","type":"recurring","amount":-1,"currency":"usd","interval":"month"}]}"#
            )
            #expect(badAmount.status == .badRequest && badAmount.errorParam == "prices[0][amount]")
            let badCurrency = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: #"{"key":"x","name":"X","prices":[{"key":"m","type":"one_time","amount":1,"currency":"xyz"}]}"#
            )
            #expect(badCurrency.status == .badRequest && badCurrency.errorParam == "prices[0][currency]")
            let badTiers = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json:
                    #"{"key":"x","name":"X","prices":[{"key":"m","type":"metered","metric":"api_calls","currency":"usd","interval":"month","tiers_mode":"graduated","tiers":[{"up_to":100,"unit_amount":0},{"up_to":50,"unit_amount":2},{"unit_amount":1}]}]}"#
            )
            #expect(badTiers.status == .badRequest && badTiers.errorParam == "prices[0][tiers][1][up_to]", "\(badTiers.text)")

            let archived = try await api.request(.delete, "/v1/plans/pro", key: key)
            #expect(archived["active"] as? Bool == false)
            let activeList = try await api.request(.get, "/v1/plans?active=true", key: key)
            #expect(activeList.data.isEmpty)
            let refused = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#
            )
            #expect(refused.status == .badRequest && refused.errorCode == "plan_archived")
        }
    }

    @Test(arguments: TestDatabase.engines) func checkoutCompletesIntoAnActiveSubscription(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            // setup
            let session = try await api.request(
                .post,
                "/v1/checkout-sessions",
                key: key,
                json:
                    #"{"customer":"org_42","mode":"subscription","plan":"pro","price":"monthly","success_url":"https://app.test/ok?s={CHECKOUT_SESSION_ID}","cancel_url":"https://app.test/no"}"#
            )
            #expect(session.status == .created, "\(session.text)")
            let url = try #require(session.string("url"))
            #expect(url.hasPrefix("http://sandbox.test/sandbox/checkout/sbcs_"))
            #expect(session.string("status") == "open")
            let providerID = try #require(session.string("provider_session_id"))

            // MUT: the buyer pays on the hosted page
            let page = try await api.request(.get, "/sandbox/checkout/\(providerID)")
            #expect(page.status == .ok && page.text.contains("pm_sandbox_visa"))
            // What a buyer expects to see: test mode, who sells, what, at what price, for whom.
            for text in ["TEST MODE", "funnel", "Subscribe to Pro", "29.00 USD per month", "org_42 (Acme)", "href=\"https://app.test/no\""] {
                #expect(page.text.contains(text), "\(text) on the page")
            }
            let paid = try await api.request(
                .post,
                "/sandbox/checkout/\(providerID)/complete",
                json: nil,
                headers: [.contentType: "application/x-www-form-urlencoded"]
            )
            // validate
            #expect(paid.status == .ok && paid.text.contains("Payment confirmed"), "\(paid.text)")
            #expect(paid.text.contains("href=\"https://app.test/ok?s=\(providerID)\""), "a link back to the success URL")
            let completed = try await api.request(.get, "/v1/checkout-sessions/\(session.string("id")!)", key: key)
            #expect(completed.string("status") == "complete")
            #expect(completed["url"] is NSNull)
            let subscriptionID = try #require(completed.string("subscription_id"))
            let subscription = try await api.request(.get, "/v1/subscriptions/\(subscriptionID)", key: key)
            #expect(subscription.string("status") == "active")
            let byProviderID = try await api.request(.get, "/v1/checkout-sessions/\(providerID)", key: key)
            #expect(byProviderID.string("id") == session.string("id"), "looked up by the provider's id too")

            // A trial says so, and is started rather than paid.
            let trial = try await api.request(
                .post,
                "/v1/checkout-sessions",
                key: key,
                json: #"{"customer":"org_42","mode":"subscription","plan":"pro","trial_period_days":14,"success_url":"https://app.test/ok"}"#
            )
            let trialPage = try await api.request(.get, "/sandbox/checkout/\(try #require(trial.string("provider_session_id")))")
            #expect(trialPage.text.contains("14-day free trial") && trialPage.text.contains("Start the trial"), "\(trialPage.text)")

            // The billing portal shows the subscription as the buyer knows it, and the way back.
            let portal = try await api.request(
                .post,
                "/v1/portal-sessions",
                key: key,
                json: #"{"customer":"org_42","return_url":"https://app.test/account"}"#
            )
            let portalURL = try #require(portal.string("url"), "\(portal.text)")
            let portalPage = try await api.request(.get, try #require(portalURL.range(of: "/sandbox/").map { String(portalURL[$0.lowerBound...]) }))
            for text in ["TEST MODE", "funnel", "<td>Pro</td>", "29.00 USD per month", "active", "href=\"https://app.test/account\""] {
                #expect(portalPage.text.contains(text), "\(text) on the portal page")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func aTrialRenewsOnTheAppsClock(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","trial_period_days":14,"payment_method":"pm_sandbox_visa"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            #expect(created.string("status") == "trialing")
            let trialEnd = try #require(created.string("trial_end"))
            let id = try #require(created.string("id"))

            let advanced = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":1296000}"#)
            #expect(advanced.status == .ok, "\(advanced.text)")
            #expect(advanced["subscriptions_updated"] as? Int == 1)

            let renewed = try await api.request(.get, "/v1/subscriptions/\(id)", key: key)
            #expect(renewed.string("status") == "active")
            #expect(renewed.string("current_period_start") == trialEnd, "the first paid period starts when the trial ends")
            #expect(renewed.string("trial_end") == trialEnd)

            // A card that fails on renewal: past due after the first period.
            let failing = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_fails_later"}"#
            )
            #expect(failing.string("status") == "active")
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)
            let pastDue = try await api.request(.get, "/v1/subscriptions/\(failing.string("id")!)", key: key)
            #expect(pastDue.string("status") == "past_due")
            let listed = try await api.request(.get, "/v1/subscriptions?status=past_due&customer=org_42", key: key)
            #expect(listed.data.map { $0["id"] as? String } == [failing.string("id")])
        }
    }

    @Test(arguments: TestDatabase.engines) func cancelAtPeriodEndEndsWithThePeriod(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let created = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#
            )
            let id = try #require(created.string("id"))
            let cancel = try await api.request(.post, "/v1/subscriptions/\(id)/cancel", key: key, json: #"{"at_period_end":true}"#)
            #expect(cancel.status == .ok)
            #expect(cancel.string("status") == "active" && cancel["cancel_at_period_end"] as? Bool == true)
            _ = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":2764800}"#)
            let ended = try await api.request(.get, "/v1/subscriptions/\(id)", key: key)
            #expect(ended.string("status") == "canceled")
            #expect(ended.string("ended_at") == created.string("current_period_end"))

            let now = try await api.request(
                .post,
                "/v1/subscriptions",
                key: key,
                json: #"{"customer":"org_42","plan":"pro","payment_method":"pm_sandbox_visa"}"#
            )
            let immediately = try await api.request(.post, "/v1/subscriptions/\(now.string("id")!)/cancel", key: key, json: "{}")
            #expect(immediately.string("status") == "canceled")
            let change = try await api.request(.patch, "/v1/subscriptions/\(now.string("id")!)", key: key, json: #"{"quantity":2}"#)
            #expect(change.status == .badRequest && change.errorCode == "subscription_not_live")
        }
    }

    @Test(arguments: TestDatabase.engines) func paymentsDeclineAndRefund(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let declined = try await api.request(
                .post,
                "/v1/payments",
                key: key,
                json: #"{"customer":"org_42","amount":5000,"currency":"usd","payment_method":"pm_sandbox_declined"}"#
            )
            #expect(declined.status.code == 402)
            #expect(declined.errorCode == "card_declined")
            #expect((declined.json["error"] as? [String: Any])?["decline_code"] as? String == "generic_decline")
            let recorded = try await api.request(.get, "/v1/payments?customer=org_42", key: key)
            #expect(recorded.data.first?["status"] as? String == "failed", "the declined payment is recorded")

            let paid = try await api.request(
                .post,
                "/v1/payments",
                key: key,
                json:
                    #"{"customer":"org_42","amount":5000,"currency":"usd","payment_method":"pm_sandbox_visa","description":"Setup","metadata":{"order":"42"}}"#
            )
            #expect(paid.status == .created, "\(paid.text)")
            #expect(paid.string("status") == "succeeded" && paid["amount"] as? Int == 5000)
            let id = try #require(paid.string("id"))
            #expect(id.hasPrefix("pay_"))

            let partial = try await api.request(
                .post,
                "/v1/payments/\(id)/refunds",
                key: key,
                json: #"{"amount":2000,"reason":"requested_by_customer"}"#
            )
            #expect(partial.status == .created && partial.string("status") == "succeeded" && partial["amount"] as? Int == 2000)
            let tooMuch = try await api.request(.post, "/v1/payments/\(id)/refunds", key: key, json: #"{"amount":4000}"#)
            #expect(tooMuch.status == .badRequest && tooMuch.errorCode == "refund_exceeds_payment" && tooMuch.errorParam == "amount")
            let rest = try await api.request(.post, "/v1/payments/\(id)/refunds", key: key, json: "{}")
            #expect(rest["amount"] as? Int == 3000)
            let after = try await api.request(.get, "/v1/payments/\(id)", key: key)
            #expect(after["amount_refunded"] as? Int == 5000)
            #expect((after["refunds"] as? [Any])?.count == 2)
            let again = try await api.request(.post, "/v1/payments/\(id)/refunds", key: key, json: "{}")
            #expect(again.errorCode == "refund_exceeds_payment")

            let audit = try await api.request(.get, "/v1/audit-logs?target_type=payment", key: key)
            #expect(audit.data.contains { $0["action_type"] as? String == "CREATE_PAYMENT" })
        }
    }

    @Test(arguments: TestDatabase.engines) func concurrentFirstPaymentsShareOneProviderCustomer(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let key = try await Self.prepared(api)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await api.request(
                            .post,
                            "/v1/payments",
                            key: key,
                            json: #"{"customer":"org_42","amount":100,"currency":"usd","payment_method":"pm_sandbox_visa"}"#
                        ).status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 201, count: 16), "racing to make the provider customer fails none of them")
            let customers = try await api.store.read { session in
                try await session.db.raw("SELECT COUNT(*) AS n FROM sandbox_objects WHERE kind = 'customer'").first()!.decode(
                    column: "n",
                    as: Int.self
                )
            }
            #expect(customers == 1)
        }
    }

    @Test(arguments: TestDatabase.engines) func providerAccountsAndTheTestClockFollowTheAppsMode(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let mismatch = try await api.request(
                .put,
                "/v1/provider-accounts/stripe",
                key: key,
                json: #"{"secret_key":"sk_live_abcdef123456","webhook_secrets":["whsec_abc"]}"#
            )
            #expect(mismatch.status == .badRequest && mismatch.errorCode == "provider_mode_mismatch" && mismatch.errorParam == "secret_key")
            let set = try await api.request(
                .put,
                "/v1/provider-accounts/stripe",
                key: key,
                json: #"{"secret_key":"sk_test_abcdef123456WXYZ","webhook_secrets":["whsec_new1","whsec_old2"]}"#
            )
            #expect(set.status == .created, "\(set.text)")
            #expect(set.string("secret_key_last4") == "WXYZ")
            #expect(!set.text.contains("sk_test_abcdef"), "the key is never shown back")
            let audit = try await api.request(.get, "/v1/audit-logs?limit=100", key: key)
            #expect(!audit.text.contains("sk_test_abcdef") && !audit.text.contains("whsec_new1"), "nor audited")
            let stored = try await api.store.read { session in
                try await session.db.raw("SELECT secret_key_sealed FROM provider_accounts").first()?.decode(
                    column: "secret_key_sealed",
                    as: String.self
                )
            }
            #expect(stored?.hasPrefix("v1.") == true && stored?.contains("sk_test") == false, "sealed at rest")

            let providers = try await api.request(.get, "/v1/providers", key: key)
            let sandbox = try #require(providers.data.first { $0["name"] as? String == "sandbox" })
            #expect((sandbox["capabilities"] as? [String])?.contains("refunds") == true)

            let (_, liveKey) = try await api.createApp("live", mode: "live")
            let live = try await api.request(.post, "/v1/test-clock/advance", key: liveKey, json: #"{"seconds":60}"#)
            #expect(live.status == .notFound)
            let zero = try await api.request(.post, "/v1/test-clock/advance", key: key, json: #"{"seconds":0}"#)
            #expect(zero.status == .badRequest && zero.errorParam == "seconds")
        }
    }
}
