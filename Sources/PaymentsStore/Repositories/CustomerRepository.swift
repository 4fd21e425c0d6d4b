import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One app's customers. Every query is bound to `appID`: another app's rows are invisible.
public struct CustomerRepository: Sendable {
    let session: Session
    let appID: App.ID

    static let columnList = "id, app_id, external_id, name, email, legal_name, metadata, created_at, updated_at"
    static let columns = SQLQueryString(columnList)

    /// The customer the app knows as `externalID`; in a write, locked until the change commits
    /// unless `locking` is false (a write that only refers to it: usage events).
    public func find(externalID: String, locking: Bool = true) async throws -> Customer? {
        guard session.isWrite, locking else { return try await session.first(ByExternalID(app: appID, externalID: externalID)) }
        return try await session.db.raw(
            """
            SELECT \(Self.columns) FROM customers
            WHERE app_id = \(bind: appID.rawValue) AND external_id = \(bind: externalID)\(session.forUpdate)
            """
        ).first().map(Self.decode)
    }

    /// A customer by the app's id for it, prepared: every request about a customer reads it.
    struct ByExternalID: PreparedRead {
        static let sql = "SELECT \(columnList) FROM customers WHERE app_id = $1 AND external_id = $2"
        let app: App.ID
        let externalID: String
        var values: [PreparedValue] { [.text(app.rawValue), .text(externalID)] }
        static func decode(_ row: any SQLRow) throws -> Customer { try CustomerRepository.decode(row) }
    }

    public func find(id: Customer.ID) async throws -> Customer? {
        try await session.db.raw(
            "SELECT \(Self.columns) FROM customers WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: id.rawValue)"
        ).first().map(Self.decode)
    }

    /// Customers newest first; with `search`, those whose external id, name or email contains
    /// it (case-insensitive).
    public func list(_ page: PageRequest, search: String? = nil) async throws -> Page<Customer> {
        let after: SQLQueryString = page.startingAfter.map { " AND id < \(bind: $0)" } ?? ""
        var matching: SQLQueryString = ""
        if let search, !search.isEmpty {
            // LIKE's wildcards in the text are matched as themselves.
            let escaped = search.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            let pattern = "%\(escaped)%"
            matching = """
                 AND (LOWER(external_id) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(COALESCE(name, '')) LIKE \(bind: pattern) ESCAPE '\\'
                      OR LOWER(COALESCE(email, '')) LIKE \(bind: pattern) ESCAPE '\\')
                """
        }
        let rows = try await session.db.raw(
            """
            SELECT \(Self.columns) FROM customers
            WHERE app_id = \(bind: appID.rawValue)\(after)\(matching)
            ORDER BY id DESC LIMIT \(bind: page.limit + 1)
            """
        ).all()
        return Page(fetched: try rows.map(Self.decode), limit: page.limit)
    }

    /// Inserts a customer unless the app already has one with its external id.
    /// - Returns: whether it was inserted.
    public func insertIfAbsent(_ customer: Customer) async throws -> Bool {
        _ = try session.requireWrite()
        return try await session.db.raw(
            """
            INSERT INTO customers (id, app_id, external_id, name, email, legal_name, metadata, created_at, updated_at)
            VALUES (\(bind: customer.id.rawValue), \(bind: appID.rawValue), \(bind: customer.externalID),
                    \(bind: customer.name), \(bind: customer.email), \(bind: customer.legalName),
                    \(bind: Metadata.encode(customer.metadata)), \(bind: customer.createdAt.millis),
                    \(bind: customer.updatedAt.millis))
            ON CONFLICT (app_id, external_id) DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }

    public func update(_ customer: Customer) async throws {
        _ = try session.requireWrite()
        try await session.db.raw(
            """
            UPDATE customers SET name = \(bind: customer.name), email = \(bind: customer.email),
                legal_name = \(bind: customer.legalName), metadata = \(bind: Metadata.encode(customer.metadata)),
                updated_at = \(bind: customer.updatedAt.millis)
            WHERE app_id = \(bind: appID.rawValue) AND id = \(bind: customer.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> Customer {
        let metadata = try row.decode(column: "metadata", as: String.self)
        return Customer(
            id: Customer.ID(rawValue: try row.decode(column: "id", as: String.self)),
            appID: App.ID(rawValue: try row.decode(column: "app_id", as: String.self)),
            externalID: try row.decode(column: "external_id", as: String.self),
            name: try row.decode(column: "name", as: String?.self),
            email: try row.decode(column: "email", as: String?.self),
            legalName: try row.decode(column: "legal_name", as: String?.self),
            metadata: try Metadata.decode(metadata),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
    }
}
