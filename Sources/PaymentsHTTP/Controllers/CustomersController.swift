import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/customers`: create or update by the app's own id, read, list, and where each stands.
struct CustomersController: Controller {
    let customers: Customers.Service
    let summaries: BillingSummary.Service

    static let access = Access.app
    static let externalID = PathParameter("external_id", Customer.externalIDRule, "The app's own id for the customer, e.g. org_42")

    static let routes: [Route<Self>] = [
        Route(
            .put,
            "/v1/customers/{external_id}",
            id: "upsertCustomer",
            summary: "Create or update a customer by the app's own id",
            description: "Absent fields are kept, `null` clears a field, metadata merges key by key and an empty value removes its key. "
                + "Audited as CREATE_CUSTOMER or UPDATE_CUSTOMER.",
            parameters: [externalID],
            success: .upserted(Resources.customer.codec, created: "Created", updated: "Updated"),
            handler: upsert
        ),
        Route(
            .get,
            "/v1/customers/{external_id}",
            id: "getCustomer",
            summary: "A customer by the app's own id",
            parameters: [externalID],
            success: .ok(Resources.customer.codec, "The customer"),
            errors: [.notFound],
            handler: get
        ),
        Route(
            .get,
            "/v1/customers",
            id: "listCustomers",
            summary: "The app's customers, newest first",
            success: .ok(Resources.customer.list, "A page"),
            handler: list
        ),
        Route(
            .get,
            "/v1/customers/{external_id}/billing-summary",
            id: "getBillingSummary",
            summary: "Where the customer stands, for the app's UI",
            description: "The customer's most relevant subscription (one with access first, newest first), its plan and period, an open "
                + "grace period, and the last payment (a one-time payment or a paid invoice). Nothing secret.",
            parameters: [externalID],
            success: .ok(Resources.billingSummary.codec, "The summary"),
            errors: [.notFound],
            handler: summary
        ),
    ]

    @Sendable func upsert(_ call: Call<CustomerInput, NoQuery>) async throws -> Upserted<Customer> {
        let (customer, created) = try await customers.upsert(
            app: try call.app().id,
            externalID: try call.path("external_id"),
            changes: call.body.changes,
            origin: call.origin
        )
        return Upserted(customer, created: created)
    }

    @Sendable func get(_ call: Call<NoBody, NoQuery>) async throws -> Customer {
        try await customers.get(app: try call.app().id, externalID: try call.path("external_id"))
    }

    @Sendable func list(_ call: Call<NoBody, ListQuery>) async throws -> Page<Customer> {
        try await customers.list(app: try call.app().id, call.query.page)
    }

    @Sendable func summary(_ call: Call<NoBody, NoQuery>) async throws -> BillingSummary {
        try await summaries.summary(app: try call.app().id, externalID: try call.path("external_id"))
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        static let query = QueryShape<Self> { PageParameters(\.page, of: Customer.self) }
    }

    /// `PUT /v1/customers/{external_id}`: absent fields stay, `null` clears, metadata merges
    /// (an empty value removes its key).
    struct CustomerInput: APIInput {
        var changes = Customer.Changes()

        static let shape = Shape<Self>("CustomerInput") {
            Clearable("name", \.changes.name, .text(Customer.nameRule))
            Clearable("email", \.changes.email, .text(Customer.emailRule))
            Clearable("legal_name", \.changes.legalName, .text(Customer.nameRule))
            Clearable("metadata", \.changes.metadata, .metadata, description: "Merged key by key; an empty value removes its key")
        }
    }
}
