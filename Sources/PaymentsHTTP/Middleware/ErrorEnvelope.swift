import Hummingbird
import Logging
import NIOCore
import PaymentsDomain

/// The one place errors become responses: `{"error":{"type","code","message","param"}}`.
enum ErrorEnvelope {
    struct Body: Encodable {
        struct Detail: Encodable {
            let type: String
            let code: String
            let message: String
            let param: String?
            let declineCode: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(type, forKey: .type)
                try container.encode(code, forKey: .code)
                try container.encode(message, forKey: .message)
                try container.encode(param, forKey: .param)  // always present, null when none
                try container.encodeIfPresent(declineCode, forKey: .decline_code)
            }

            enum CodingKeys: String, CodingKey { case type, code, message, param, decline_code }
        }
        let error: Detail
    }

    /// The status and `type` for each kind of failure.
    static func status(of kind: PaymentsError.Kind) -> (HTTPResponse.Status, String) {
        switch kind {
        case .invalidRequest: (.badRequest, "invalid_request_error")
        case .authentication: (.unauthorized, "authentication_error")
        case .paymentRequired: (.init(code: 402, reasonPhrase: "Payment Required"), "card_error")
        case .providerRejected: (.badRequest, "provider_error")
        case .providerUnavailable: (.serviceUnavailable, "provider_error")
        case .permission: (.forbidden, "permission_error")
        case .notFound: (.notFound, "invalid_request_error")
        case .conflict: (.conflict, "invalid_request_error")
        case .idempotency: (.conflict, "idempotency_error")
        case .payloadTooLarge: (.contentTooLarge, "invalid_request_error")
        case .unavailable: (.serviceUnavailable, "api_error")
        case .internal: (.internalServerError, "api_error")
        }
    }

    /// The error as the API reports it. Errors of our own carry their code; anything else is a
    /// 500 whose details go to the log only.
    static func paymentsError(from error: any Error, logger: Logger) -> PaymentsError {
        switch error {
        case let error as PaymentsError:
            return error
        case let error as ProviderError:
            return error.paymentsError
        case is NIOTooManyBytesError:
            return PaymentsError(
                .payloadTooLarge, code: .requestTooLarge, message: "The request body is larger than the limit.")
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return PaymentsError(.notFound, code: .routeNotFound, message: "Unrecognized request URL.")
            case .contentTooLarge:
                return PaymentsError(
                    .payloadTooLarge, code: .requestTooLarge, message: "The request body is larger than the limit.")
            case .methodNotAllowed:
                return PaymentsError(
                    .notFound, code: .routeNotFound, message: "Unrecognized request URL or method.")
            default:
                return PaymentsError(
                    .invalidRequest, code: .invalidRequest, message: error.body ?? "The request could not be handled.")
            }
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return PaymentsError(.internal, code: .internalError, message: "An internal error occurred. Quote the Request-Id when asking for help.")
        }
    }

    static func response(for error: any Error, logger: Logger) -> Response {
        let error = paymentsError(from: error, logger: logger)
        let (status, type) = status(of: error.kind)
        let body = Body(error: .init(type: type, code: error.code.rawValue, message: error.message, param: error.param, declineCode: error.declineCode))
        guard var response = try? APIEncoding.response(body, status: status) else { return Response(status: .internalServerError) }
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }
}
