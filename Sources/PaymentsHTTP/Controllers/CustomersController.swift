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

    func addRoutes(to routes: Routes) {
        routes.add(.put, "customers/:external_id", upsert)
        routes.add(.get, "customers/:external_id", get)
        routes.add(.get, "customers", list)
    }

    @Sendable func upsert(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let externalID = try context.parameters.decoded("external_id")
        let body = try await APIDecoding.decode(UpsertRequest.self, from: request)
        let (customer, created) = try await customers.upsert(
            app: app.id, externalID: externalID, changes: body.changes, origin: context.origin)
        return try APIEncoding.response(CustomerResponse(customer), status: created ? .created : .ok)
    }

    @Sendable func get(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        try query.finish()
        let customer = try await customers.get(app: app.id, externalID: try context.parameters.decoded("external_id"))
        return try APIEncoding.response(CustomerResponse(customer))
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let page = try query.page()
        try query.finish()
        let customers = try await customers.list(app: app.id, page)
        return try APIEncoding.response(ListResponse(customers, CustomerResponse.init))
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

    struct CustomerResponse: Encodable, Sendable {
        let id: String
        let object = "customer"
        let external_id: String
        let name: String?
        let email: String?
        let legal_name: String?
        let metadata: [String: String]
        let created_at: Date
        let updated_at: Date

        init(_ customer: Customer) {
            id = customer.id.rawValue
            external_id = customer.externalID
            name = customer.name
            email = customer.email
            legal_name = customer.legalName
            metadata = customer.metadata
            created_at = customer.createdAt
            updated_at = customer.updatedAt
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(object, forKey: .object)
            try container.encode(external_id, forKey: .external_id)
            try container.encode(name, forKey: .name)
            try container.encode(email, forKey: .email)
            try container.encode(legal_name, forKey: .legal_name)
            try container.encode(metadata, forKey: .metadata)
            try container.encode(created_at, forKey: .created_at)
            try container.encode(updated_at, forKey: .updated_at)
        }

        enum CodingKeys: String, CodingKey {
            case id, object, external_id, name, email, legal_name, metadata, created_at, updated_at
        }
    }
}
