import Hummingbird
import OpenAPIKit
import PaymentsContract
import PaymentsDomain
import PaymentsStore
import SQLKit

/// `/health`, `/ping`, `/metrics`, `/openapi.json`: no key needed.
struct OperationsController: Controller {
    let store: Store
    let metrics: HTTPMetrics
    let breakers: CircuitBreakers
    /// How long the health check waits for the database.
    let healthTimeout: Duration

    static let access = Access.open

    static let routes: [Route<Self>] = [
        Route(
            .get,
            "/health",
            id: "health",
            summary: "Liveness and a database round trip",
            success: .ok(health.codec, "Healthy", or: (503, "The database does not answer"), when: { !$0 }),
            handler: checkHealth
        ),
        .raw(
            .get,
            "/ping",
            id: "ping",
            summary: "No-op (the benchmark baseline)",
            responses: [(200, "Always", "application/json", .object(properties: ["ok": .boolean]))],
            handler: ping
        ),
        Route(
            .get,
            "/metrics",
            id: "metrics",
            summary: "Prometheus metrics: requests by route and status, latency histogram, database pool, providers' breakers",
            success: .text("text/plain; version=0.0.4; charset=utf-8", "Prometheus text format"),
            handler: scrape
        ),
        .raw(
            .get,
            "/openapi.json",
            id: "openapi",
            summary: "This document",
            responses: [(200, "OpenAPI 3.1", "application/json", .object)],
            handler: openAPI
        ),
    ]

    /// Whether the database answered.
    static let health = Resource<Bool>("Health") {
        Field("status", { $0 ? "ok" : "unavailable" }, .string(allowedValues: ["ok", "unavailable"]))
        Field("database", { $0 ? "ok" : "unreachable" }, .string(allowedValues: ["ok", "unreachable"]))
    }

    /// Liveness with a database round trip; 503 when the database does not answer in time.
    @Sendable func checkHealth(_ call: Call<NoBody, NoQuery>) async throws -> Bool {
        let store = self.store
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await store.read { session in try await session.db.raw("SELECT 1 AS ok").run() }
                    return true
                } catch {
                    return false
                }
            }
            group.addTask { [healthTimeout] in
                try? await Task.sleep(for: healthTimeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// The no-op route: what every benchmark figure is compared with.
    @Sendable func ping(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
    }

    @Sendable func scrape(_ call: Call<NoBody, NoQuery>) async throws -> String {
        let pool = store.backend.poolStatistics()
        metrics.recordPool(inUse: pool.inUse, capacity: pool.capacity)
        metrics.recordBreakers(breakers.states)
        metrics.recordOpenDrift(try await store.read { try await $0.openDriftDifferences() })
        return String(decoding: metrics.registry.emitToBuffer(), as: UTF8.self)
    }

    @Sendable func openAPI(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: APIDocument.json)))
    }
}
