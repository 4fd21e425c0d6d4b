import Crypto
import Hummingbird
import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Idempotency for every POST, PUT, PATCH and DELETE that sends `Idempotency-Key`, done once here
/// and not in handlers.
///
/// The same key with the same request replays the first response, byte for byte, with
/// `Idempotent-Replayed: true`; with another request it is a 409 `idempotency_key_reused`; while
/// the first is still running, a 409 `idempotency_key_in_use`. Responses below 500 are kept;
/// after a 5xx or a crash the key is free again for a retry.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = PaymentsRequestContext
    let store: Store
    /// How long a running request holds its key before a retry may take it over.
    let lease: Duration
    /// How long keys and responses are kept.
    let retention: Duration

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        guard request.method.changes, let key = request.headers.value(.idempotencyKey) else {
            return try await next(request, context)
        }
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw PaymentsError.invalid("Idempotency-Key", "Idempotency-Key must be 1 to 255 characters.")
        }
        let scope: String
        switch context.identity {
        case .app(let found, _): scope = found.app.id.rawValue
        case .admin, nil: scope = ""
        }
        let requestHash = Self.fingerprint(
            method: request.method.rawValue,
            uri: request.uri.description,
            body: try await context.body(of: request)
        )
        let claim = try await store.idempotency.claim(
            scope: scope,
            key: key,
            requestHash: requestHash,
            now: store.clock.now(),
            lease: lease,
            retention: retention
        )
        switch claim {
        case .mismatch: throw PaymentsError.idempotencyKeyReused
        case .inProgress: throw PaymentsError.idempotencyKeyInUse
        case .replay(let stored):
            var headers: HTTPFields = [.idempotentReplayed: "true"]
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            return Response(
                status: .init(code: stored.status),
                headers: headers,
                body: ResponseBody(byteBuffer: stored.body)
            )
        case .acquired:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The app's id is added to the logger here, where it is used, not on every request.
            var logger = context.logger
            if !scope.isEmpty { logger[metadataKey: "app_id"] = .string(scope) }
            let failure = ErrorEnvelope.paymentsError(from: error, logger: logger)
            if ErrorEnvelope.status(of: failure.kind).0.code >= 500 {
                try? await store.idempotency.release(scope: scope, key: key)
                throw error
            }
            let errorResponse = ErrorEnvelope.response(for: failure, logger: logger)
            return try await keep(errorResponse, scope: scope, key: key)
        }
        guard response.status.code < 500 else {
            try? await store.idempotency.release(scope: scope, key: key)
            return response
        }
        return try await keep(response, scope: scope, key: key)
    }

    /// Stores the response and returns it with its body read into memory.
    private func keep(_ response: Response, scope: String, key: String) async throws -> Response {
        let collector = BodyCollector()
        let body = response.body
        try await body.write(collector)
        try await store.idempotency.complete(
            scope: scope,
            key: key,
            response: StoredResponse(
                status: response.status.code,
                contentType: response.headers[.contentType],
                body: collector.buffer
            )
        )
        var kept = response
        kept.body = ResponseBody(byteBuffer: collector.buffer)
        return kept
    }

    /// SHA-256 over the method, the path with its query and the body.
    static func fingerprint(method: String, uri: String, body: ByteBuffer) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(method) \(uri)\n".utf8))
        body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().hexString
    }
}

/// Collects a response body into one buffer.
final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
