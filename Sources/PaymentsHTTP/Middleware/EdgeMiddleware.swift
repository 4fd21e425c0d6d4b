import HTTPTypes
import Hummingbird
import Logging
import PaymentsDomain

extension HTTPField.Name {
    static let requestID = Self("Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let actorID = Self("X-Actor-Id")!
}

extension HTTPFields {
    /// The field's value as `self[name]` gives it (several values joined by ", "), without the
    /// generic joining when there is one value: what every request's `Authorization` is.
    func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard let first = found else {
                found = field.value
                continue
            }
            found = first + ", " + field.value
        }
        return found
    }
}

/// The edge every request passes first (called by `APIResponder` for the declared routes, and
/// Hummingbird's router's middleware for the pages): gives the request an id, reads the body
/// within the size limit into the context, turns every error into the JSON envelope, stamps
/// `Request-Id`, records metrics and logs.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = PaymentsRequestContext
    let metrics: HTTPMetrics
    /// The largest request body accepted, in bytes.
    let bodyLimit: Int

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        var context = context
        let requestID = RequestIDs.next()
        context.requestID = requestID
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let start = ContinuousClock.now
        var response: Response
        do {
            var request = request
            if request.method != .get && request.method != .head {
                context.body = try await request.collectBody(upTo: bodyLimit)
            }
            response = try await next(request, context)
        } catch {
            response = ErrorEnvelope.response(for: error, logger: context.logger)
        }
        response.headers[.requestID] = requestID
        let elapsed = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed)
        let level: Logger.Level = response.status.code >= 500 ? .error : .info
        context.logger.log(
            level: level,
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .stringConvertible(
                    Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
                ),
            ]
        )
        return response
    }
}

/// Request ids: `req_` and a new prefixed-id body.
enum RequestIDs {
    static func next() -> String {
        IDGenerator.live.next(prefix: "req", at: .now)
    }
}
