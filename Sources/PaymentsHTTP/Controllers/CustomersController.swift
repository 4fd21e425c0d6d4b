import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/customers`: create or update by the app's own id, read, list.
struct CustomersController {
    let customers: Customers.Service
    let summaries: BillingSummary.Service

    func addRoutes(to routes: Routes) {
        routes.add(.put, "customers/:external_id", upsert)
        routes.add(.get, "customers/:external_id", get)
        routes.add(.get, "customers", list)
        routes.add(.get, "customers/:external_id/billing-summary", summary)
    }

    @Sendable func summary(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        try query.finish()
        let summary = try await summaries.summary(
            app: app.id, externalID: try context.parameters.decoded("external_id"))
        return try APIEncoding.response(BillingSummaryResource(summary))
    }

    @Sendable func upsert(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let externalID = try context.parameters.decoded("external_id")
        let body = try await APIDecoding.decode(UpsertRequest.self, from: request)
        let (customer, created) = try await customers.upsert(
            app: app.id, externalID: externalID, changes: body.changes, origin: context.origin)
        return try APIEncoding.response(CustomerResource(customer), status: created ? .created : .ok)
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        try query.finish()
        let customer = try await customers.get(app: app.id, externalID: try context.parameters.decoded("external_id"))
        return try APIEncoding.response(CustomerResource(customer))
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        try query.finish()
        let customers = try await customers.list(app: app.id, page)
        return try APIEncoding.response(ListResponse(customers, CustomerResource.init))
    }

    /// `PUT /v1/customers/{external_id}`: absent fields stay, `null` clears, metadata merges
    /// (an empty value removes its key).
    struct UpsertRequest: StrictDecodable {
        let changes: Customer.Changes

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, email, legal_name, metadata
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            changes = Customer.Changes(
                name: try container.decodePatch(String.self, forKey: .name),
                email: try container.decodePatch(String.self, forKey: .email),
                legalName: try container.decodePatch(String.self, forKey: .legal_name),
                metadata: try container.decodePatch([String: String].self, forKey: .metadata))
        }
    }

}
