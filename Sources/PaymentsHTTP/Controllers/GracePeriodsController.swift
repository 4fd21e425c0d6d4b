import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/grace-periods`: list them, resolve one by hand.
struct GracePeriodsController {
    let grace: GracePeriods.Service

    func addRoutes(to routes: Routes) {
        routes.add(.get, "grace-periods", list)
        routes.add(.post, "grace-periods/:id/resolve", resolve)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        let customer = query.string("customer")
        var status: GracePeriod.Status?
        if let raw = query.string("status") {
            guard let parsed = GracePeriod.Status(rawValue: raw) else {
                throw PaymentsError.invalid("status", "status must be open, resolved or expired.")
            }
            status = parsed
        }
        try query.finish()
        return try APIEncoding.response(ListResponse(try await grace.list(app: app.id, customer: customer, status: status, page), GracePeriodResource.init))
    }

    @Sendable func resolve(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(ResolveRequest.self, from: request)
        let period = try await grace.resolve(app: app.id, try context.parameters.decoded("id"), reason: body.reason, origin: context.origin)
        return try APIEncoding.response(GracePeriodResource(period))
    }

    struct ResolveRequest: StrictDecodable {
        /// Required; checked after the grace period is found, so another app's id answers 404 first.
        let reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }
}

