import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsServer
@testable import PaymentsStripe

/// The breaker's states and moves, without I/O.
@Suite struct CircuitBreakerTests {
    @Test func opensAfterRepeatedFailuresAndClosesWhenAProbeGetsThrough() {
        var policy = CircuitBreaker.Policy()
        policy.failureThreshold = 3
        policy.openFor = .seconds(5)
        policy.maxOpenFor = .seconds(12)
        var breaker = CircuitBreaker(policy: policy)
        let start = ContinuousClock.now

        // closed: calls go through; two failures and a success reset the count
        #expect(breaker.admit(at: start) == .call)
        breaker.record(reached: false, at: start)
        breaker.record(reached: false, at: start)
        breaker.record(reached: true, at: start)
        #expect(breaker.state == .closed && breaker.consecutiveFailures == 0)

        // three in a row open it: calls are refused with the time left
        for _ in 0..<3 { breaker.record(reached: false, at: start) }
        #expect(breaker.state == .open)
        #expect(breaker.admit(at: start + .seconds(1)) == .reject(retryAfter: .seconds(4)))

        // when the time is up one call probes; the others still fail fast
        #expect(breaker.admit(at: start + .seconds(5)) == .probe)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.admit(at: start + .seconds(5)) == .reject(retryAfter: .seconds(1)))

        // a failed probe opens it for twice as long, capped
        breaker.record(reached: false, at: start + .seconds(6))
        #expect(breaker.state == .open)
        #expect(breaker.admit(at: start + .seconds(15)) == .reject(retryAfter: .seconds(1)), "open 10 s from 6 s")
        #expect(breaker.admit(at: start + .seconds(16)) == .probe)
        breaker.record(reached: false, at: start + .seconds(16))
        #expect(breaker.admit(at: start + .seconds(27)) == .reject(retryAfter: .seconds(1)), "20 s capped at 12 s")
        #expect(breaker.admit(at: start + .seconds(28)) == .probe)

        // a probe that gets through closes it, and the next opening starts short again
        breaker.record(reached: true, at: start + .seconds(28))
        #expect(breaker.state == .closed && breaker.admit(at: start + .seconds(28)) == .call)
        for _ in 0..<3 { breaker.record(reached: false, at: start + .seconds(30)) }
        #expect(breaker.admit(at: start + .seconds(34)) == .reject(retryAfter: .seconds(1)))
    }

    @Test func aLostProbeDoesNotKeepTheBreakerShut() {
        var breaker = CircuitBreaker()
        let start = ContinuousClock.now
        for _ in 0..<breaker.policy.failureThreshold { breaker.record(reached: false, at: start) }
        #expect(breaker.admit(at: start + breaker.policy.openFor) == .probe)
        // the probe's task was cancelled and never reported
        #expect(breaker.admit(at: start + breaker.policy.openFor + breaker.policy.probeLease) == .probe)
    }
}

/// A budget for the whole call: retries stop when the next one would not fit.
@Suite struct StripeCallBudgetTests {
    @Test func retriesStopAtTheBudget() async throws {
        let timeouts = NIOLockedValueBoxArray()
        let transport = StripeTransport { _, timeout in
            timeouts.append(timeout)
            try await Task.sleep(for: .milliseconds(400))
            throw StripeTransport.Failure.notSent("connection refused")
        }
        var policy = StripeClient.RetryPolicy()
        policy.budget = .seconds(1)
        policy.initialDelay = .milliseconds(100)
        policy.minimumAttempt = .milliseconds(300)
        policy.maxRetries = 5
        let client = StripeClient(secretKey: Secret("sk_test_1"), transport: transport, policy: policy, logger: testLogger)
        let started = ContinuousClock.now
        await #expect(throws: ProviderError.self) { try await client.get("/v1/balance", as: StripeProvider.StripeBalance.self) }
        #expect(ContinuousClock.now - started < .seconds(3), "within the budget, give or take an attempt's end (loosely: a loaded machine)")
        let given = timeouts.values
        #expect((1...2).contains(given.count), "a third attempt would not have had its minimum: \(given)")
        #expect(
            given.allSatisfy { $0 <= .seconds(1) } && zip(given, given.dropFirst()).allSatisfy { $1 < $0 },
            "each attempt gets what is left: \(given)"
        )
    }
}

/// Stripe down, as a new user meets it: the app's requests answer fast.
@Suite struct ProviderOutageTests {
    /// A local port with nothing listening (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else { throw POSIXError(.EADDRINUSE) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// An API whose apps are served by the platform's Stripe account at `base`, over a real HTTP
    /// client configured as the server's is.
    static func run(
        _ engine: SQLEngine,
        stripeAt base: String,
        timeout: Duration = .seconds(6),
        _ body: @Sendable @escaping (TestAPI, String) async throws -> Void
    ) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .stripe)
        do {
            try await TestAPI.run(
                engine,
                configure: { setup in
                    let (store, breakers) = (setup.store, setup.breakers)
                    var options = StripeProvider.Options()
                    options.timeout = timeout
                    setup.providers = Providers.Directory(
                        store: store,
                        secrets: setup.secrets,
                        platformStripe: .init(secretKey: Secret("sk_test_platform"), webhookSecrets: []),
                        makeStripe: { [options] credentials, account in
                            StripeProvider(
                                secretKey: credentials.secretKey,
                                account: account,
                                transport: .live(client: client, baseURL: base),
                                options: options,
                                breakers: breakers,
                                logger: testLogger
                            )
                        },
                        makeSandbox: { _, _ in fatalError("served by Stripe") }
                    )
                }
            ) { api in
                let (_, key) = try await api.createApp()
                _ = try await api.request(.put, "/v1/customers/org_42", key: key, json: "{}")
                try await body(api, key)
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static let payment = #"{"customer":"org_42","amount":500,"currency":"usd","payment_method":"pm_card_visa"}"#

    @Test(arguments: TestDatabase.engines) func aClosedPortAnswersFastThenTheBreakerFailsFaster(engine: SQLEngine) async throws {
        let port = try Self.closedPort()
        try await Self.run(engine, stripeAt: "http://127.0.0.1:\(port)") { api, key in
            // MUT: money routes while Stripe refuses connections
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/v1/payments", Self.payment), (.post, "/v1/portal-sessions", #"{"customer":"org_42"}"#),
                (.post, "/v1/subscriptions", #"{"customer":"org_42","plan":"nope"}"#),
            ] {
                let started = ContinuousClock.now
                let reply = try await api.request(method, path, key: key, json: body)
                let took = ContinuousClock.now - started
                // validate: a 503 well inside the budget (each refused attempt fails at once; the
                // waits between the three attempts are what it takes)
                if path == "/v1/subscriptions" {
                    #expect(reply.status == .notFound, "no such plan: answered without Stripe")
                } else {
                    #expect(reply.status == .serviceUnavailable && reply.errorCode == "provider_unavailable", "\(path): \(reply.text)")
                    #expect(took < .seconds(6), "\(path) took \(took)")
                }
            }
            // the third failed call opened the breaker: the next fails at once, saying when to retry
            _ = try await api.request(.post, "/v1/payments", key: key, json: Self.payment)
            let started = ContinuousClock.now
            let fast = try await api.request(.post, "/v1/payments", key: key, json: Self.payment)
            let took = ContinuousClock.now - started
            #expect(fast.status == .serviceUnavailable && fast.errorCode == "provider_unavailable", "\(fast.text)")
            // (the time is measured by e2e's Stripe-down run; here, loosely, beside proof that no
            // attempt was made: the breaker's count of failures did not move)
            #expect(took < .seconds(2), "\(took)")
            let retryAfter = try #require(fast.headers[.retryAfter].flatMap(Int.init))
            #expect((1...5).contains(retryAfter))
            let metrics = try await api.request(.get, "/metrics")
            #expect(metrics.text.contains(#"provider_circuit_state{provider="stripe",account="platform"} 2"#), "\(metrics.text)")
            #expect(
                metrics.text.contains(#"provider_circuit_consecutive_failures{provider="stripe",account="platform"} 3"#),
                "three calls failed; the one refused at once was never tried: \(metrics.text)"
            )
            // nothing was recorded as charged: the customer could not even be linked
            #expect(try await api.request(.get, "/v1/payments", key: key).data.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.engines) func aProviderThatNeverAnswersIsBoundedAndTheOperationStaysUnknown(engine: SQLEngine) async throws {
        // A Stripe stand-in that makes customers but does not answer a payment (until the test ends).
        let released = NIOLockedValueBox(false)
        let router = Router()
        router.post("/v1/customers") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"id":"cus_1"}"#)))
        }
        router.post("/v1/payment_intents") { _, _ -> Response in
            while !released.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
            return Response(status: .serviceUnavailable)
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: testLogger)
            .test(.live) { stand in
                let port = try #require(stand.port)
                try await Self.run(engine, stripeAt: "http://127.0.0.1:\(port)", timeout: .seconds(2)) { api, key in
                    // MUT
                    let started = ContinuousClock.now
                    let reply = try await api.request(.post, "/v1/payments", key: key, json: Self.payment)
                    let took = ContinuousClock.now - started

                    // validate: bounded by the call's budget; the payment may have happened, so
                    // it stays unknown (and is settled by looking it up later, as before)
                    #expect(reply.status == .serviceUnavailable && reply.errorCode == "provider_outcome_unknown", "\(reply.text)")
                    // bounded by the 2 s budget (loosely: this runs beside a hundred other tests),
                    // not by the 30 s read timeout the client had before
                    #expect(took < .seconds(10), "\(took)")
                    let operation = try await api.store.read { session in
                        try await session.db.raw("SELECT kind, status FROM provider_operations").first()!
                    }
                    #expect(try operation.decode(column: "kind", as: String.self) == "create_payment")
                    #expect(try operation.decode(column: "status", as: String.self) == "unknown")
                    let payment = try #require(try await api.request(.get, "/v1/payments", key: key).data.first)
                    #expect(payment["status"] as? String == "unknown")
                    released.withLockedValue { $0 = true }
                }
            }
    }
}

/// Timeouts handed to a transport, in order.
final class NIOLockedValueBoxArray: Sendable {
    private let box = NIOLockedValueBox<[Duration]>([])
    func append(_ value: Duration) { box.withLockedValue { $0.append(value) } }
    var values: [Duration] { box.withLockedValue { $0 } }
}
