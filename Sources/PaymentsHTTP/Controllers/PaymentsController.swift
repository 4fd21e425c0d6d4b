import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/payments`: one-time charges and their refunds.
struct PaymentsController {
    let payments: Payments.Service

    func addRoutes(to routes: Routes) {
        routes.add(.post, "payments", create)
        routes.add(.get, "payments", list)
        routes.add(.get, "payments/:id", get)
        routes.add(.post, "payments/:id/refunds", refund)
    }

    @Sendable func create(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(CreateRequest.self, from: request)
        let payment = try await payments.create(
            app: app,
            Payments.CreateRequest(
                customer: body.customer, amount: Money(body.amount, try Currency.parse(body.currency)),
                paymentMethod: body.payment_method, description: body.description, metadata: body.metadata ?? [:]),
            requestKey: APIDecoding.idempotencyKey(request), origin: context.origin)
        return try APIEncoding.response(PaymentResource(payment, refunds: []), status: .created)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        let customer = query.string("customer")
        try query.finish()
        let list = try await payments.list(app: app.id, customer: customer, page)
        return try APIEncoding.response(ListResponse(list) { PaymentResource($0, refunds: nil) })
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        try QueryReader(request).finish()
        let (payment, refunds) = try await payments.get(app: app.id, try context.parameters.decoded("id"))
        return try APIEncoding.response(PaymentResource(payment, refunds: refunds))
    }

    @Sendable func refund(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(RefundRequest.self, from: request)
        var reason: Refund.Reason?
        if let raw = body.reason {
            guard let parsed = Refund.Reason(rawValue: raw) else {
                throw PaymentsError.invalid("reason", "reason must be duplicate, fraudulent or requested_by_customer.")
            }
            reason = parsed
        }
        let (refund, _) = try await payments.refund(
            app: app, payment: try context.parameters.decoded("id"), amount: body.amount, reason: reason,
            requestKey: APIDecoding.idempotencyKey(request), origin: context.origin)
        return try APIEncoding.response(RefundResource(refund), status: .created)
    }

    struct CreateRequest: StrictDecodable {
        let customer: String
        let amount: Int64
        let currency: String
        let payment_method: String
        let description: String?
        let metadata: [String: String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case customer, amount, currency, payment_method, description, metadata
        }
    }

    struct RefundRequest: StrictDecodable {
        let amount: Int64?
        let reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case amount, reason }
    }
}

