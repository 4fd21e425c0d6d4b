/// The one error type the service's own code throws. It carries a stable `code` (what API users
/// match on), a `kind` (mapped once, at the HTTP edge, to a status and an error `type`), a message
/// for people, and the request parameter at fault, if any.
public struct PaymentsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Broad classes of failure. The HTTP layer maps each to one status.
    public enum Kind: String, Sendable, CaseIterable {
        case invalidRequest  // 400
        case authentication  // 401
        case paymentRequired  // 402: the card was declined
        case permission  // 403
        case notFound  // 404
        case conflict  // 409
        case idempotency  // 409
        case payloadTooLarge  // 413
        case providerRejected  // 400: the provider refused the credentials configured for the app
        case providerUnavailable  // 503: the provider is down, throttling, or did not answer
        case unavailable  // 503
        case `internal`  // 500
    }

    public let kind: Kind
    public let code: ErrorCode
    public let message: String
    public let param: String?
    /// The issuer's reason, on a declined card.
    public let declineCode: String?
    /// Seconds before a retry can succeed (the `Retry-After` header), when known.
    public let retryAfterSeconds: Int?

    public init(
        _ kind: Kind,
        code: ErrorCode,
        message: String,
        param: String? = nil,
        declineCode: String? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.param = param
        self.declineCode = declineCode
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String {
        "\(code.rawValue): \(message)" + (param.map { " (param: \($0))" } ?? "")
    }
}

extension PaymentsError {
    /// `<resource>_not_found`: the object does not exist *for this app*. Another app's object
    /// gets exactly this error too.
    public static func notFound(_ code: ErrorCode, id: String) -> Self {
        .init(.notFound, code: code, message: "No such \(code.missingObject): '\(id)'.")
    }

    public static func invalid(_ param: String, _ message: String) -> Self {
        .init(.invalidRequest, code: .parameterInvalid, message: message, param: param)
    }

    public static func missing(_ param: String) -> Self {
        .init(.invalidRequest, code: .parameterMissing, message: "Missing required parameter: \(param).", param: param)
    }

    public static func unknown(_ param: String) -> Self {
        .init(.invalidRequest, code: .parameterUnknown, message: "Received unknown parameter: \(param).", param: param)
    }

    public static func unauthenticated(_ message: String) -> Self {
        .init(.authentication, code: .apiKeyInvalid, message: message)
    }

    /// How an app gets a provider, for the errors and notes that need one.
    public static let configureProvider =
        "Configure one with PUT /v1/provider-accounts/stripe (the app's own account, a key of the app's mode), "
        + "or set the platform's STRIPE_SECRET_KEY to a key of that mode."

    /// A live-mode app with no live provider account: it is never handed to the sandbox.
    public static let providerNotConfigured = PaymentsError(
        .invalidRequest,
        code: .providerNotConfigured,
        message: "This live-mode app has no payment provider, and the sandbox serves test-mode apps only. \(configureProvider)"
    )

    public static let idempotencyKeyReused = PaymentsError(
        .idempotency,
        code: .idempotencyKeyReused,
        message: "This Idempotency-Key was already used with another request. Use a new key for a new request.",
        param: "Idempotency-Key"
    )

    public static let idempotencyKeyInUse = PaymentsError(
        .idempotency,
        code: .idempotencyKeyInUse,
        message: "A request with this Idempotency-Key is still being processed. Retry later.",
        param: "Idempotency-Key"
    )
}
