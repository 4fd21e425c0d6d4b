import Hummingbird
import PaymentsDomain
import PaymentsStore
import SQLKit

/// `/health`, `/ping`, `/metrics`, `/openapi.json`: no key needed.
struct OperationsController {
    let store: Store
    let metrics: HTTPMetrics
    let breakers: CircuitBreakers
    /// How long the health check waits for the database.
    let healthTimeout: Duration

    func addRoutes(to routes: Routes) {
        routes.add(.get, "health", health)
        routes.add(.get, "ping", ping)
        routes.add(.get, "metrics", scrape)
        routes.add(.get, "openapi.json", openAPI)
    }

    /// Liveness with a database round trip; 503 when the database does not answer in time.
    @Sendable func health(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        struct Health: Encodable {
            let status: String
            let database: String
        }
        let store = self.store
        let healthy = await withTaskGroup(of: Bool.self) { group in
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
        return try APIEncoding.response(
            Health(status: healthy ? "ok" : "unavailable", database: healthy ? "ok" : "unreachable"),
            status: healthy ? .ok : .serviceUnavailable)
    }

    /// The no-op route: what every benchmark figure is compared with.
    @Sendable func ping(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
    }

    @Sendable func scrape(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let pool = store.backend.poolStatistics()
        metrics.recordPool(inUse: pool.inUse, capacity: pool.capacity)
        metrics.recordBreakers(breakers.states)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }

    @Sendable func openAPI(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
}
