import Hummingbird
import Logging
import NIOCore
import PaymentsContract
import PaymentsDomain

/// The one place errors become responses: `{"error":{"type","code","message","param"}}`.
enum ErrorEnvelope {
    /// The envelope, declared once: responses are written from it and the document's `Error`
    /// schema is made from it.
    static let resource = Resource<PaymentsError>("Error") {
        Field("error", { $0 }, detail.codec)
    }

    static let detail = Resource<PaymentsError>(nil) {
        Field("type", { status(of: $0.kind).1 }, .string(allowedValues: types))
        Field("code", \.code)
        Field("message", \.message)
        Field("param", \.param, description: "The parameter at fault, in bracket notation (`prices[0][amount]`)")
        Field.omittedWhenNil("decline_code", \.declineCode, description: "The issuer's reason, on `card_declined`")
    }

    /// Every error `type`, as the document lists them.
    static let types: [String] = PaymentsError.Kind.allCases.map { status(of: $0).1 }.reduce(into: []) { types, type in
        if !types.contains(type) { types.append(type) }
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
                .payloadTooLarge,
                code: .requestTooLarge,
                message: "The request body is larger than the limit."
            )
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return PaymentsError(.notFound, code: .routeNotFound, message: "Unrecognized request URL.")
            case .contentTooLarge:
                return PaymentsError(
                    .payloadTooLarge,
                    code: .requestTooLarge,
                    message: "The request body is larger than the limit."
                )
            case .methodNotAllowed:
                return PaymentsError(
                    .notFound,
                    code: .routeNotFound,
                    message: "Unrecognized request URL or method."
                )
            default:
                return PaymentsError(
                    .invalidRequest,
                    code: .invalidRequest,
                    message: error.body ?? "The request could not be handled."
                )
            }
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return PaymentsError(.internal, code: .internalError, message: "An internal error occurred. Quote the Request-Id when asking for help.")
        }
    }

    static func response(for error: any Error, logger: Logger) -> Response {
        let error = paymentsError(from: error, logger: logger)
        var response = Response(
            status: status(of: error.kind).0,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: resource.json(error)))
        )
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }
}
