import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PaymentsDashboard
import PaymentsDomain
import PaymentsSandbox
import PaymentsServer
import PaymentsServices
import PaymentsStore
import PaymentsStripe
import Prometheus
import Testing

@testable import PaymentsHTTP

let adminToken = "adm_test_token_0123456789abcdef"

/// Webhooks read as the server reads them (Stripe's tolerance, the test clock's time).
let testWebhooks: [ProviderName: ProviderWebhooks] = [
    .stripe: ProviderWebhooks(
        verify: { payload, header, secrets, now in
            try StripeWebhookSignature.verify(payload: payload, header: header, secrets: secrets, tolerance: .seconds(300), now: now)
        },
        identify: StripeWebhooks.identify,
        interpret: StripeWebhooks.interpret
    ),
    .sandbox: ProviderWebhooks(verify: { _, _, _, _ in }, interpret: SandboxProvider.interpret),
]

/// What a test may change before the services and the router are built: the service parts
/// (provider directory, webhooks, sender, key cache) and the body limit.
@dynamicMemberLookup
struct TestSetup {
    var parts: ServiceParts
    var bodyLimit = 1 << 20
    /// The breakers `/metrics` shows: give the same to a provider directory built for a test.
    var breakers = CircuitBreakers()

    subscript<T>(dynamicMember path: WritableKeyPath<ServiceParts, T>) -> T {
        get { parts[keyPath: path] }
        set { parts[keyPath: path] = newValue }
    }
}

/// The real router over a test store, driven without sockets.
struct TestAPI {
    let store: Store
    let clock: TestClock
    let table: RouteTable
    let client: any TestClientProtocol
    /// The services the router was built with (one container, as the server builds it).
    let services: Services

    /// The providers the router was built with.
    var providers: Providers.Directory { services.providers }

    /// Runs `body` against the API on a fresh database of `engine`.
    static func run(
        _ engine: SQLEngine,
        configure: (inout TestSetup) -> Void = { _ in },
        _ body: @Sendable (TestAPI) async throws -> Void
    ) async throws {
        let clock = TestClock()
        try await TestDatabase.withStore(engine, clock: clock.clock) { store in
            let secrets = SecretBox(appSecret: Secret("test-app-secret-0123456789abcdefghij"))
            var setup = TestSetup(
                parts: ServiceParts(
                    store: store,
                    secrets: secrets,
                    providers: Providers.Directory(
                        store: store,
                        secrets: secrets,
                        platformStripe: nil,
                        makeStripe: nil,
                        makeSandbox: { app, now in
                            SandboxProvider(backend: store.backend, appID: app.id, ids: store.ids, publicURL: "http://sandbox.test", now: now)
                        }
                    ),
                    webhooks: testWebhooks,
                    sender: WebhookSender { _, _, _ in .init(status: 200) },
                    keyCacheTTL: .seconds(5),
                    logger: testLogger
                )
            )
            configure(&setup)
            let services = buildServices(setup.parts)
            let registry = PrometheusCollectorRegistry()
            var dependencies = APIDependencies(
                services: services,
                adminToken: Secret(adminToken),
                metrics: HTTPMetrics(registry: registry),
                breakers: setup.breakers
            )
            dependencies.bodyLimit = setup.bodyLimit
            let api = buildAPI(dependencies)
            Dashboard(services: services, adminToken: Secret(adminToken), registry: registry, signInDelay: .milliseconds(20))
                .addRoutes(to: api.router)
            let (app, table) = (Application(responder: api.responder(), logger: testLogger), api.table)
            try await app.test(.router) { client in
                try await body(TestAPI(store: store, clock: clock, table: table, client: client, services: services))
            }
        }
    }

    /// A response with its body as JSON.
    struct Reply {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer

        var text: String { String(buffer: body) }
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
        }
        /// `error.code` of an error envelope.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorParam: String? { (json["error"] as? [String: Any])?["param"] as? String }
        var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
        subscript(_ key: String) -> Any? { json[key] }
        func string(_ key: String) -> String? { json[key] as? String }

        /// A reply standing for one object of a list.
        static func object(_ object: [String: Any]) -> Reply {
            Reply(status: .ok, headers: [:], body: ByteBuffer(data: (try? JSONSerialization.data(withJSONObject: object)) ?? Data()))
        }
    }

    @discardableResult
    func request(
        _ method: HTTPRequest.Method,
        _ uri: String,
        key: String? = nil,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(
            uri: uri,
            method: method,
            headers: headers,
            body: json.map { ByteBuffer(string: $0) }
        )
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    @discardableResult
    func admin(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]) async throws -> Reply {
        try await request(method, uri, key: adminToken, json: json, headers: headers)
    }

    /// Creates an app through the admin API.
    /// - Returns: its id and key.
    func createApp(_ name: String = "funnel", mode: String = "test") async throws -> (id: String, key: String) {
        let reply = try await admin(.post, "/admin/v1/apps", json: #"{"name":"\#(name)","mode":"\#(mode)"}"#)
        #expect(reply.status == .created, "\(reply.text)")
        return (try #require(reply.string("id")), try #require(reply.string("api_key")))
    }
}

extension HTTPField.Name {
    static let testIdempotencyKey = Self("Idempotency-Key")!
    static let testRequestID = Self("Request-Id")!
    static let testReplayed = Self("Idempotent-Replayed")!
    static let testActorID = Self("X-Actor-Id")!
}
