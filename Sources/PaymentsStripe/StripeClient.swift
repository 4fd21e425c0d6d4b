import Logging
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Stripe's HTTP mechanics, as stripe-node does them: the pinned `Stripe-Version`, an
/// `Idempotency-Key` on every POST, and retries with capped, jittered exponential backoff on
/// connection failures, 409 `lock_timeout`, 429 and 5xx — honouring `Stripe-Should-Retry` and
/// `Retry-After`. The whole call, retries included, fits in one time budget, and a breaker per
/// account makes calls fail at once while Stripe cannot be reached. Failures come back as
/// `ProviderError`.
struct StripeClient: Sendable {
    static let apiVersion = "2026-10-28.endive"

    let secretKey: Secret<String>
    let transport: StripeTransport
    let policy: RetryPolicy
    let logger: Logger
    /// The account's breaker; nil calls Stripe whatever happened before (tests, `doctor`).
    var breaker: CircuitBreakers.Handle? = nil

    /// How hard to try.
    struct RetryPolicy: Sendable {
        /// Retries after the first attempt.
        var maxRetries = 2
        var initialDelay: Duration = .milliseconds(500)
        var maxDelay: Duration = .seconds(5)
        /// The longest `Retry-After` honoured.
        var maxRetryAfter: Duration = .seconds(60)
        /// The whole call, retries and waits included: an app's request never waits longer on Stripe.
        var budget: Duration = .seconds(6)
        /// No attempt starts with less of the budget left than this.
        var minimumAttempt: Duration = .milliseconds(500)
        var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        var random: @Sendable () -> Double = { Double.random(in: 0..<1) }
    }

    func get<T: Decodable>(_ path: String, query: FormBody = FormBody(), as type: T.Type) async throws(ProviderError) -> T {
        let full = query.fields.isEmpty ? path : path + "?" + query.encoded
        return try await send("GET", full, body: nil, idempotencyKey: nil, as: type)
    }

    func post<T: Decodable>(_ path: String, _ form: FormBody, idempotencyKey: String, as type: T.Type) async throws(ProviderError) -> T {
        try await send("POST", path, body: form.encoded, idempotencyKey: idempotencyKey, as: type)
    }

    func delete<T: Decodable>(_ path: String, idempotencyKey: String, as type: T.Type) async throws(ProviderError) -> T {
        try await send("DELETE", path, body: nil, idempotencyKey: idempotencyKey, as: type)
    }

    private func send<T: Decodable>(
        _ method: String,
        _ path: String,
        body: String?,
        idempotencyKey: String?,
        as type: T.Type
    ) async throws(ProviderError) -> T {
        var headers = [
            "Authorization": "Bearer \(secretKey.value)",
            "Stripe-Version": Self.apiVersion,
            "User-Agent": "payment-service/1.0",
            "Accept": "application/json",
        ]
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        if body != nil { headers["Content-Type"] = "application/x-www-form-urlencoded" }
        let request = StripeTransport.Request(method: method, path: path, headers: headers, body: body)
        if case .reject(let wait) = breaker?.admit() {
            throw .unavailable(
                "Stripe has not been reachable from this service for this account; calls fail at once until a probe gets through.",
                retryAfter: wait
            )
        }
        // Writes carry an idempotency key, so resending one after an unclear failure is safe.
        let mutating = method != "GET"
        let deadline = ContinuousClock.now + policy.budget
        var attempt = 0
        while true {
            let outcome: Outcome
            do {
                let response = try await transport.send(request, deadline - .now)
                outcome = .answered(response)
            } catch let failure as StripeTransport.Failure {
                outcome = .failed(failure)
            } catch {
                outcome = .failed(.mayHaveBeenSent("\(error)"))
            }
            if attempt < policy.maxRetries, let delay = retryDelay(outcome, attempt: attempt),
                ContinuousClock.now + delay + policy.minimumAttempt <= deadline
            {
                attempt += 1
                logger.debug("retrying a Stripe request", metadata: ["path": "\(path)", "attempt": "\(attempt)"])
                do { try await policy.sleep(delay) } catch { throw .unavailable("Cancelled while waiting to retry a Stripe request.") }
                continue
            }
            breaker?.record(reached: outcome.reached)
            return try finish(outcome, mutating: mutating, as: type)
        }
    }

    enum Outcome {
        case answered(StripeTransport.Response)
        case failed(StripeTransport.Failure)

        /// Whether Stripe answered at all: what the breaker counts.
        var reached: Bool {
            if case .answered = self { return true }
            return false
        }
    }

    /// The wait before retrying, or nil when the outcome is final.
    func retryDelay(_ outcome: Outcome, attempt: Int) -> Duration? {
        var retryAfter: Duration?
        switch outcome {
        case .failed:
            break
        case .answered(let response):
            switch response.headers["stripe-should-retry"] {
            case "true": break
            case "false": return nil
            default:
                let retryable = response.status == 409 || response.status == 429 || response.status >= 500
                guard retryable else { return nil }
            }
            if let seconds = response.headers["retry-after"].flatMap(Double.init), seconds > 0 {
                retryAfter = .milliseconds(Int64(seconds * 1000))
            }
        }
        let exponent = min(attempt, 16)
        var delay = policy.initialDelay * (1 << exponent)
        if delay > policy.maxDelay { delay = policy.maxDelay }
        // Jitter between half and all of the delay, never under the initial delay.
        delay = delay * (0.5 * (1 + policy.random()))
        if delay < policy.initialDelay { delay = policy.initialDelay }
        if let retryAfter, retryAfter <= policy.maxRetryAfter, retryAfter > delay { delay = retryAfter }
        return delay
    }

    func finish<T: Decodable>(_ outcome: Outcome, mutating: Bool, as type: T.Type) throws(ProviderError) -> T {
        switch outcome {
        case .failed(.notSent(let reason)):
            throw .unavailable("Stripe could not be reached: \(reason).")
        case .failed(.mayHaveBeenSent(let reason)):
            throw mutating
                ? .outcomeUnknown("The connection to Stripe failed after the request was sent (\(reason)).")
                : .unavailable("The connection to Stripe failed (\(reason)).")
        case .answered(let response):
            if (200..<300).contains(response.status) {
                do {
                    return try JSONDecoder().decode(T.self, from: Data(response.body))
                } catch {
                    let message = "Stripe answered HTTP \(response.status) with a body this service cannot read: \(error)"
                    throw mutating ? .outcomeUnknown(message) : .malformedResponse(message)
                }
            }
            guard let envelope = try? JSONDecoder().decode(StripeErrorEnvelope.self, from: Data(response.body)) else {
                let kind = response.headers["content-type"] ?? "no content type"
                let message = "Stripe answered HTTP \(response.status) with a body that is not JSON (\(kind))."
                if response.status >= 500 { throw mutating ? .outcomeUnknown(message) : .unavailable(message) }
                // No such route at all: as missing as an object can be.
                if response.status == 404 { throw .notFound(message, providerCode: nil) }
                throw .malformedResponse(message)
            }
            throw envelope.error.providerError(status: response.status, mutating: mutating)
        }
    }
}

/// Stripe's error envelope.
struct StripeErrorEnvelope: Decodable {
    struct Detail: Decodable {
        let type: String?
        let code: String?
        let decline_code: String?
        let message: String?
        let param: String?
        let payment_intent: StripePaymentIntent?

        func providerError(status: Int, mutating: Bool) -> ProviderError {
            let text = message ?? "Stripe answered HTTP \(status)."
            switch status {
            case 400: return .invalidRequest(text, providerCode: code, param: param)
            case 401: return .authentication(text)
            case 402:
                return .cardDeclined(text, declineCode: decline_code ?? code, payment: payment_intent.map { $0.domain(failure: failure) })
            case 403: return .permission(text)
            case 404: return .notFound(text, providerCode: code ?? "resource_missing")
            case 409: return .conflict(text, providerCode: code)
            case 429: return .rateLimited(text)
            case 500...: return mutating ? .outcomeUnknown(text) : .unavailable(text)
            default: return .invalidRequest(text, providerCode: code, param: param)
            }
        }

        var failure: PaymentFailure {
            PaymentFailure(code: code ?? "card_declined", declineCode: decline_code, message: message ?? "The card was declined.")
        }
    }

    let error: Detail
}
