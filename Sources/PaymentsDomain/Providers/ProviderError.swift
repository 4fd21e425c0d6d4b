/// A provider call that did not succeed, in the domain's words.
///
/// A struct over a private code, so new cases do not break users; `code` is safe as a metric
/// label. `outcomeUnknown` is the one to handle with care: the provider may have acted.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: String, Sendable {
        case cardDeclined = "card_declined"
        case invalidRequest = "invalid_request"
        case authentication = "authentication"
        case permission = "permission"
        case notFound = "not_found"
        case rateLimited = "rate_limited"
        case conflict = "conflict"
        case unavailable = "unavailable"
        case outcomeUnknown = "outcome_unknown"
        case malformedResponse = "malformed_response"
    }

    let code: Code
    public let message: String
    /// The provider's own error code (`resource_missing`, `card_declined`...), when it gave one.
    public let providerCode: String?
    /// The parameter the provider named, when it did.
    public let param: String?
    /// For a decline: the payment the provider recorded as failed, with its decline code.
    public let payment: ProviderPayment?
    public let declineCode: String?
    /// When calls fail fast (a breaker is open): how long until the provider is tried again.
    public let retryAfter: Duration?

    init(
        _ code: Code,
        _ message: String,
        providerCode: String? = nil,
        param: String? = nil,
        payment: ProviderPayment? = nil,
        declineCode: String? = nil,
        retryAfter: Duration? = nil
    ) {
        self.code = code
        self.message = message
        self.providerCode = providerCode
        self.param = param
        self.payment = payment
        self.declineCode = declineCode
        self.retryAfter = retryAfter
    }

    public var codeLabel: String { code.rawValue }
    public var description: String { "\(code.rawValue): \(message)" }

    /// True when the provider may have acted: reconcile, never re-send under a new key.
    public var isOutcomeUnknown: Bool { code == .outcomeUnknown }
    public var isNotFound: Bool { code == .notFound }
    public var isCardDeclined: Bool { code == .cardDeclined }

    public static func cardDeclined(_ message: String, declineCode: String?, payment: ProviderPayment?) -> Self {
        .init(.cardDeclined, message, providerCode: "card_declined", payment: payment, declineCode: declineCode)
    }
    public static func invalidRequest(_ message: String, providerCode: String? = nil, param: String? = nil) -> Self {
        .init(.invalidRequest, message, providerCode: providerCode, param: param)
    }
    public static func authentication(_ message: String) -> Self { .init(.authentication, message) }
    public static func permission(_ message: String) -> Self { .init(.permission, message) }
    public static func notFound(_ message: String, providerCode: String? = "resource_missing") -> Self {
        .init(.notFound, message, providerCode: providerCode)
    }
    public static func rateLimited(_ message: String) -> Self { .init(.rateLimited, message) }
    public static func conflict(_ message: String, providerCode: String? = nil) -> Self {
        .init(.conflict, message, providerCode: providerCode)
    }
    public static func unavailable(_ message: String, retryAfter: Duration? = nil) -> Self {
        .init(.unavailable, message, retryAfter: retryAfter)
    }
    public static func outcomeUnknown(_ message: String) -> Self { .init(.outcomeUnknown, message) }
    public static func malformedResponse(_ message: String) -> Self { .init(.malformedResponse, message) }

    /// The error the API answers with.
    public var paymentsError: PaymentsError {
        switch code {
        case .cardDeclined:
            PaymentsError(
                .paymentRequired,
                code: .cardDeclined,
                message: message + (declineCode.map { " (decline_code: \($0))" } ?? ""),
                param: "payment_method",
                declineCode: declineCode
            )
        case .invalidRequest:
            // What we validate never reaches here, so this is a value the app chose (a payment
            // method, a linked price) that the provider does not accept.
            PaymentsError(
                .invalidRequest,
                code: .providerRequestInvalid,
                message: "The provider refused the request: \(message)",
                param: param
            )
        case .authentication, .permission:
            PaymentsError(
                .providerRejected,
                code: .providerAuthenticationFailed,
                message: "The provider refused the credentials configured for this app: \(message)"
            )
        case .notFound:
            PaymentsError(.providerRejected, code: .providerObjectMissing, message: message)
        case .rateLimited, .conflict, .unavailable, .malformedResponse:
            PaymentsError(
                .providerUnavailable,
                code: .providerUnavailable,
                message: message,
                retryAfterSeconds: retryAfter.map { max(1, Int(($0 / .seconds(1)).rounded(.up))) }
            )
        case .outcomeUnknown:
            PaymentsError(
                .providerUnavailable,
                code: .providerOutcomeUnknown,
                message: "The provider did not answer, so it is not known whether it acted: \(message) "
                    + "Retry with the same Idempotency-Key: the service looks the object up before sending anything again."
            )
        }
    }
}
