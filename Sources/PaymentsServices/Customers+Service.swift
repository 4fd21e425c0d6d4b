import PaymentsDomain
import PaymentsStore

public enum Customers {}

extension Customers {
    /// Customers, created or updated by the app's own external id.
    public struct Service: Sendable {
        let store: Store

        public init(store: Store) { self.store = store }

        /// Creates the customer or applies `changes` to it.
        /// - Returns: the customer and whether it was created.
        public func upsert(
            app: App.ID,
            externalID: String,
            changes: Customer.Changes,
            origin: Origin
        ) async throws -> (customer: Customer, created: Bool) {
            try Customer.validate(externalID: externalID)
            try changes.validate()
            return try await store.write(origin, app: app) { session in
                let customers = session.customers(app)
                var fresh = Customer(
                    id: session.ids.next(Customer.self, at: session.now),
                    appID: app,
                    externalID: externalID,
                    name: nil,
                    email: nil,
                    legalName: nil,
                    metadata: [:],
                    createdAt: session.now,
                    updatedAt: session.now
                )
                fresh.apply(changes, at: session.now)
                if try await customers.insertIfAbsent(fresh) {
                    try await session.audit(
                        app,
                        try AuditRecord(
                            action: .createCustomer,
                            target: fresh.id,
                            snapshot: CustomerSnapshot(fresh)
                        )
                    )
                    try await session.emit(
                        app,
                        .customerCreated,
                        Resources.customer,
                        fresh,
                        id: fresh.id.rawValue,
                        customer: fresh.id,
                        type: .customer
                    )
                    return (fresh, true)
                }
                guard var existing = try await customers.find(externalID: externalID) else {
                    throw PaymentsError.notFound(.customerNotFound, id: externalID)
                }
                let before = existing
                existing.apply(changes, at: session.now)
                try await customers.update(existing)
                var unchanged = before
                unchanged.updatedAt = existing.updatedAt
                if unchanged != existing {
                    try await session.emit(
                        app,
                        .customerUpdated,
                        Resources.customer,
                        existing,
                        id: existing.id.rawValue,
                        customer: existing.id,
                        type: .customer
                    )
                }
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .updateCustomer,
                        target: existing.id,
                        snapshot: CustomerSnapshot(existing)
                    )
                )
                return (existing, false)
            }
        }

        /// - Parameter param: the request parameter that named the customer, when it was not the
        ///   path (`customer` in a body or query): the 404 names it.
        public func get(app: App.ID, externalID: String, param: String? = nil) async throws -> Customer {
            guard let customer = try await store.read({ try await $0.customers(app).find(externalID: externalID) }) else {
                throw PaymentsError(.notFound, code: .customerNotFound, message: "No such customer: '\(externalID)'.", param: param)
            }
            return customer
        }

        /// A customer by our id, which the caller holds from a row of the same app.
        func get(app: App.ID, id: Customer.ID) async throws -> Customer {
            guard let customer = try await store.read({ try await $0.customers(app).find(id: id) }) else {
                throw StoreError.inconsistent("customer \(id) vanished")
            }
            return customer
        }

        /// Customers newest first; with `search`, those whose external id, name or email contains it.
        public func list(app: App.ID, search: String? = nil, _ page: PageRequest) async throws -> Page<Customer> {
            try page.requireCursor(of: Customer.self)
            return try await store.read { try await $0.customers(app).list(page, search: search) }
        }
    }
}

struct CustomerSnapshot: Encodable {
    let external_id: String
    let name: String?
    let email: String?
    let legal_name: String?
    let metadata: [String: String]

    init(_ customer: Customer) {
        external_id = customer.externalID
        name = customer.name
        email = customer.email
        legal_name = customer.legalName
        metadata = customer.metadata
    }
}
