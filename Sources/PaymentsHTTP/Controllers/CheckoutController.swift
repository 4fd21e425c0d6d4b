import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/checkout-sessions` and `/v1/portal-sessions`: pages hosted by the provider.
struct CheckoutController {
    let checkout: Checkout.Service

    func addRoutes(to routes: Routes) {
        routes.add(.post, "checkout-sessions", create)
        routes.add(.get, "checkout-sessions/:id", get)
        routes.add(.post, "portal-sessions", portal)
    }

    @Sendable func create(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(CreateRequest.self, from: request)
        guard let mode = CheckoutSession.Mode(rawValue: body.mode) else {
            throw PaymentsError.invalid("mode", "mode must be subscription or payment.")
        }
        let session = try await checkout.create(
            app: app,
            Checkout.CreateRequest(
                customer: body.customer, mode: mode, plan: body.plan, price: body.price, quantity: body.quantity ?? 1,
                trialPeriodDays: body.trial_period_days, successURL: body.success_url, cancelURL: body.cancel_url,
                metadata: body.metadata ?? [:]),
            requestKey: APIDecoding.idempotencyKey(request), origin: context.origin)
        return try APIEncoding.response(CheckoutSessionResponse(session), status: .created)
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        try QueryReader(request).finish()
        let session = try await checkout.get(app: app, try context.parameters.decoded("id"), origin: context.origin)
        return try APIEncoding.response(CheckoutSessionResponse(session))
    }

    @Sendable func portal(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(PortalRequest.self, from: request)
        let url = try await checkout.portal(
            app: app, customer: body.customer, returnURL: body.return_url, requestKey: APIDecoding.idempotencyKey(request),
            origin: context.origin)
        return try APIEncoding.response(PortalSessionResponse(url: url), status: .created)
    }

    struct CreateRequest: StrictDecodable {
        let customer: String
        let mode: String
        let plan: String
        let price: String?
        let quantity: Int?
        let trial_period_days: Int?
        let success_url: String
        let cancel_url: String?
        let metadata: [String: String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case customer, mode, plan, price, quantity, trial_period_days, success_url, cancel_url, metadata
        }
    }

    struct PortalRequest: StrictDecodable {
        let customer: String
        let return_url: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case customer, return_url }
    }
}

struct CheckoutSessionResponse: Encodable, Sendable {
    let id: String
    let object = "checkout_session"
    let customer_id: String
    let mode: String
    let plan_id: String
    let price_id: String
    let quantity: Int
    @Nullable var trial_period_days: Int?
    let status: String
    /// Where to send the buyer; null once the session is no longer open.
    @Nullable var url: String?
    @Nullable var expires_at: Date?
    let success_url: String
    @Nullable var cancel_url: String?
    let metadata: [String: String]
    let provider: String
    @Nullable var provider_session_id: String?
    @Nullable var subscription_id: String?
    @Nullable var payment_id: String?
    let created_at: Date

    init(_ s: CheckoutSession) {
        id = s.id.rawValue
        customer_id = s.customerID.rawValue
        mode = s.mode.rawValue
        plan_id = s.planID.rawValue
        price_id = s.priceID.rawValue
        quantity = s.quantity
        trial_period_days = s.trialPeriodDays
        status = s.status.rawValue
        url = s.status == .open ? s.url : nil
        expires_at = s.expiresAt
        success_url = s.successURL
        cancel_url = s.cancelURL
        metadata = s.metadata
        provider = s.provider.rawValue
        provider_session_id = s.providerSessionID
        subscription_id = s.subscriptionID?.rawValue
        payment_id = s.paymentID?.rawValue
        created_at = s.createdAt
    }
}

struct PortalSessionResponse: Encodable, Sendable {
    let object = "portal_session"
    let url: String
}
