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
        return try APIEncoding.response(CheckoutSessionResource(session), status: .created)
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        try QueryReader(request).finish()
        let session = try await checkout.get(app: app, try context.parameters.decoded("id"), origin: context.origin)
        return try APIEncoding.response(CheckoutSessionResource(session))
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

struct PortalSessionResponse: Encodable, Sendable {
    let object = "portal_session"
    let url: String
}
