import Foundation
import NIOConcurrencyHelpers
import PaymentsDomain
import Testing

@testable import PaymentsStripe

/// A transport that answers from a script and records what it was sent.
final class ScriptedTransport: Sendable {
    enum Step: Sendable {
        case answer(Int, String, headers: [String: String] = ["content-type": "application/json"])
        case fail(StripeTransport.Failure)
    }

    private let steps: NIOLockedValueBox<[Step]>
    let sent = NIOLockedValueBox<[StripeTransport.Request]>([])
    let sleeps = NIOLockedValueBox<[Duration]>([])

    init(_ steps: [Step]) { self.steps = NIOLockedValueBox(steps) }

    var transport: StripeTransport {
        StripeTransport { [self] request, _ in
            sent.withLockedValue { $0.append(request) }
            let step = steps.withLockedValue { $0.isEmpty ? .answer(500, "{}") : $0.removeFirst() }
            switch step {
            case .answer(let status, let body, let headers): return .init(status: status, headers: headers, body: Array(body.utf8))
            case .fail(let failure): throw failure
            }
        }
    }

    func client(maxRetries: Int = 2) -> StripeClient {
        var policy = StripeClient.RetryPolicy()
        policy.maxRetries = maxRetries
        policy.sleep = { [sleeps] delay in sleeps.withLockedValue { $0.append(delay) } }
        policy.random = { 0.5 }
        return StripeClient(secretKey: Secret("sk_test_123"), transport: transport, policy: policy, logger: testLogger)
    }
}

@Suite struct StripeClientTests {
    static let customer = #"{"id":"cus_1","object":"customer"}"#

    @Test func writesCarryTheVersionTheKeyAndAFormBody() async throws {
        let script = ScriptedTransport([.answer(200, Self.customer), .answer(200, Self.customer)])
        let client = script.client()
        var form = FormBody()
        form.add("email", "a+b@acme.test")
        form.add("metadata", ["z": "last", "a": "first & more"])
        form.add("items[0][plan]", "payments_price_1")
        _ = try await client.post("/v1/customers", form, idempotencyKey: "op_1", as: StripeID.self)
        _ = try await client.get("/v1/customers/cus_1", as: StripeID.self)

        let (post, get) = try #require(script.sent.withLockedValue { ($0.first, $0.last) } as? (StripeTransport.Request, StripeTransport.Request))
        #expect(post.method == "POST" && post.path == "/v1/customers")
        #expect(post.headers["Stripe-Version"] == "2026-10-28.endive")
        #expect(post.headers["Idempotency-Key"] == "op_1")
        #expect(post.headers["Authorization"] == "Bearer sk_test_123")
        #expect(post.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(post.body == "email=a%2Bb%40acme.test&metadata[a]=first%20%26%20more&metadata[z]=last&items[0][plan]=payments_price_1")
        #expect(get.method == "GET" && get.headers["Idempotency-Key"] == nil && get.body == nil)
        #expect(get.headers["Stripe-Version"] == "2026-10-28.endive")
    }

    @Test func serverErrorsAreRetriedWithTheSameKeyAndABackoff() async throws {
        let script = ScriptedTransport([
            .answer(500, #"{"error":{"type":"api_error","message":"boom"}}"#),
            .answer(409, #"{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"locked"}}"#),
            .answer(200, Self.customer),
        ])
        let id = try await script.client().post("/v1/customers", FormBody(), idempotencyKey: "op_2", as: StripeID.self).id
        #expect(id == "cus_1")
        let keys = script.sent.withLockedValue { $0.map { $0.headers["Idempotency-Key"] } }
        #expect(keys == ["op_2", "op_2", "op_2"], "a retry resends the same key, never a new one")
        // 0.5 s, then 1 s, each times the jitter factor 0.75 (never under the initial delay).
        #expect(script.sleeps.withLockedValue { $0 } == [.milliseconds(500), .milliseconds(750)])
    }

    @Test func retryAfterAndStripeShouldRetryAreHonoured() async throws {
        let limited = ScriptedTransport([
            .answer(
                429,
                #"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"slow down"}}"#,
                headers: ["content-type": "application/json", "retry-after": "3"]
            ),
            .answer(200, Self.customer),
        ])
        _ = try await limited.client().get("/v1/customers/cus_1", as: StripeID.self)
        #expect(limited.sleeps.withLockedValue { $0 } == [.seconds(3)])

        let refused = ScriptedTransport([
            .answer(
                503,
                #"{"error":{"type":"api_error","message":"no"}}"#,
                headers: ["content-type": "application/json", "stripe-should-retry": "false"]
            )
        ])
        await #expect(throws: ProviderError.self) { try await refused.client().get("/v1/customers/cus_1", as: StripeID.self) }
        #expect(refused.sent.withLockedValue { $0.count } == 1, "Stripe-Should-Retry: false stops retries")

        let told = ScriptedTransport([
            .answer(
                400,
                #"{"error":{"type":"invalid_request_error","message":"retry me"}}"#,
                headers: ["content-type": "application/json", "stripe-should-retry": "true"]
            ),
            .answer(200, Self.customer),
        ])
        _ = try await told.client().get("/v1/customers/cus_1", as: StripeID.self)
        #expect(told.sent.withLockedValue { $0.count } == 2, "Stripe-Should-Retry: true retries even a 400")
    }

    @Test func errorsAreTyped() async throws {
        func failure(_ step: ScriptedTransport.Step, post: Bool = true) async -> ProviderError? {
            let client = ScriptedTransport([step, step, step]).client()
            do {
                if post {
                    _ = try await client.post("/v1/payment_intents", FormBody(), idempotencyKey: "op", as: StripeID.self)
                } else {
                    _ = try await client.get("/v1/payment_intents/pi_1", as: StripeID.self)
                }
                return nil
            } catch { return error }
        }
        let invalid = await failure(
            .answer(
                400,
                #"{"error":{"type":"invalid_request_error","code":"parameter_unknown","param":"foo","message":"Received unknown parameter: foo"}}"#
            )
        )
        #expect(invalid?.param == "foo" && invalid?.providerCode == "parameter_unknown" && invalid?.paymentsError.kind == .invalidRequest)

        let declined = await failure(
            .answer(
                402,
                #"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","payment_intent":{"id":"pi_9","status":"requires_payment_method","amount":500,"currency":"usd","last_payment_error":{"code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}}}"#
            )
        )
        #expect(declined?.isCardDeclined == true && declined?.declineCode == "insufficient_funds")
        #expect(declined?.payment?.id == "pi_9" && declined?.payment?.status == .failed)
        #expect(declined?.paymentsError.code.rawValue == "card_declined")

        #expect(
            await failure(.answer(401, #"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}"#))?.paymentsError.code
                .rawValue == "provider_authentication_failed"
        )
        #expect(
            await failure(.answer(404, #"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such payment_intent"}}"#))?
                .isNotFound == true
        )

        let html = await failure(.answer(502, "<html>Bad gateway</html>", headers: ["content-type": "text/html"]))
        #expect(
            html?.isOutcomeUnknown == true && html?.message.contains("not JSON (text/html)") == true,
            "a write answered by a proxy may have reached Stripe"
        )
        let htmlRead = await failure(.answer(502, "<html>Bad gateway</html>", headers: ["content-type": "text/html"]), post: false)
        #expect(htmlRead?.isOutcomeUnknown == false && htmlRead?.paymentsError.code.rawValue == "provider_unavailable")
        let garbage = await failure(.answer(400, "oops", headers: ["content-type": "text/plain"]))
        #expect(garbage?.codeLabel == "malformed_response")

        let lost = await failure(.fail(.mayHaveBeenSent("read timeout")))
        #expect(lost?.isOutcomeUnknown == true, "a write whose answer was lost has an unknown outcome")
        let refused = await failure(.fail(.notSent("connection refused")))
        #expect(refused?.isOutcomeUnknown == false && refused?.paymentsError.code.rawValue == "provider_unavailable", "nothing sent, nothing done")
    }

    @Test func retriesStopAtTheLimit() async throws {
        let script = ScriptedTransport([
            .fail(.mayHaveBeenSent("reset")), .fail(.mayHaveBeenSent("reset")), .fail(.mayHaveBeenSent("reset")), .answer(200, Self.customer),
        ])
        await #expect(throws: ProviderError.self) {
            try await script.client(maxRetries: 2).post("/v1/customers", FormBody(), idempotencyKey: "op_3", as: StripeID.self)
        }
        #expect(script.sent.withLockedValue { $0.count } == 3)
    }
}

@Suite struct FormBodyTests {
    @Test func bracketsStayLiteralInKeysOnlyAndValuesAreEscaped() {
        var form = FormBody()
        form.add("metadata[note]", "a[b]=c&d e/ü")
        form.add("items[0][plan]", "payments_price_1")
        #expect(form.encoded == "metadata[note]=a%5Bb%5D%3Dc%26d%20e%2F%C3%BC&items[0][plan]=payments_price_1")
    }
}

@Suite struct StripeTiersTests {
    func metered(unit: Int64? = nil, tiers: Metered.Tiers? = nil, included: Int64) -> Metered {
        Metered(metric: "m", currency: .usd, interval: BillingInterval(.month), unitAmount: unit, tiers: tiers, includedQuantity: included)
    }

    @Test func anIncludedQuantityBecomesAFreeFirstTier() throws {
        #expect(try StripeTiers(metered(unit: 5, included: 0)) == StripeTiers.perUnit(5))
        let free = try StripeTiers(metered(unit: 5, included: 100))
        #expect(
            free.mode == "graduated"
                && free.tiers == [.init(upTo: 100, unitAmount: 0, flatAmount: 0), .init(upTo: nil, unitAmount: 5, flatAmount: 0)]
        )
        let shifted = try StripeTiers(
            metered(
                tiers: .init(
                    mode: .graduated,
                    tiers: [.init(upTo: 10, unitAmount: 3, flatAmount: 0), .init(upTo: nil, unitAmount: 1, flatAmount: 0)]
                ),
                included: 5
            )
        )
        #expect(shifted.tiers.map(\.upTo) == [5, 15, nil])
        let volume = try StripeTiers(metered(tiers: .init(mode: .volume, tiers: [.init(upTo: nil, unitAmount: 2, flatAmount: 0)]), included: 0))
        #expect(volume.mode == "volume" && volume.tiers.count == 1)
        #expect(throws: ProviderError.self) {
            try StripeTiers(metered(tiers: .init(mode: .volume, tiers: [.init(upTo: nil, unitAmount: 2, flatAmount: 0)]), included: 10))
        }
    }
}

extension StripeTiers {
    static func perUnit(_ amount: Int64) -> StripeTiers {
        try! StripeTiers(Metered(metric: "m", currency: .usd, interval: BillingInterval(.month), unitAmount: amount, tiers: nil, includedQuantity: 0))
    }
}
