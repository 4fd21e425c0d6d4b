import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/subscriptions`: start, read, change and cancel subscriptions.
struct SubscriptionsController {
    let subscriptions: Subscriptions.Service

    func addRoutes(to routes: Routes) {
        routes.add(.post, "subscriptions", create)
        routes.add(.get, "subscriptions", list)
        routes.add(.get, "subscriptions/:id", get)
        routes.add(.patch, "subscriptions/:id", update)
        routes.add(.post, "subscriptions/:id/cancel", cancel)
    }

    @Sendable func create(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(CreateRequest.self, from: request)
        let subscription = try await subscriptions.create(
            app: app,
            Subscriptions.CreateRequest(
                customer: body.customer, plan: body.plan, price: body.price, quantity: body.quantity ?? 1,
                trialPeriodDays: body.trial_period_days, paymentMethod: body.payment_method),
            requestKey: APIDecoding.idempotencyKey(request), origin: context.origin)
        return try APIEncoding.response(SubscriptionResource(subscription), status: .created)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        let customer = query.string("customer")
        var status: Subscription.Status?
        if let raw = query.string("status") {
            guard let parsed = Subscription.Status(rawValue: raw) else {
                throw PaymentsError.invalid(
                    "status", "status must be one of \(Subscription.Status.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            status = parsed
        }
        try query.finish()
        let list = try await subscriptions.list(app: app.id, customer: customer, status: status, page)
        return try APIEncoding.response(ListResponse(list, SubscriptionResource.init))
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        try QueryReader(request).finish()
        return try APIEncoding.response(SubscriptionResource(try await subscriptions.get(app: app.id, try context.parameters.decoded("id"))))
    }

    @Sendable func update(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(UpdateRequest.self, from: request)
        var proration: ProrationBehavior?
        if let raw = body.proration_behavior {
            guard let parsed = ProrationBehavior(rawValue: raw) else {
                throw PaymentsError.invalid("proration_behavior", "proration_behavior must be create_prorations, none or always_invoice.")
            }
            proration = parsed
        }
        let subscription = try await subscriptions.update(
            app: app, try context.parameters.decoded("id"),
            Subscriptions.Change(plan: body.plan, price: body.price, quantity: body.quantity, prorationBehavior: proration),
            requestKey: APIDecoding.idempotencyKey(request), origin: context.origin)
        return try APIEncoding.response(SubscriptionResource(subscription))
    }

    @Sendable func cancel(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(CancelRequest.self, from: request)
        let subscription = try await subscriptions.cancel(
            app: app, try context.parameters.decoded("id"), atPeriodEnd: body.at_period_end ?? false,
            requestKey: APIDecoding.idempotencyKey(request), origin: context.origin)
        return try APIEncoding.response(SubscriptionResource(subscription))
    }

    struct CreateRequest: StrictDecodable {
        let customer: String
        let plan: String
        let price: String?
        let quantity: Int?
        let trial_period_days: Int?
        let payment_method: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case customer, plan, price, quantity, trial_period_days, payment_method
        }
    }

    struct UpdateRequest: StrictDecodable {
        let plan: String?
        let price: String?
        let quantity: Int?
        let proration_behavior: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case plan, price, quantity, proration_behavior }
    }

    struct CancelRequest: StrictDecodable {
        let at_period_end: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable { case at_period_end }
    }
}

