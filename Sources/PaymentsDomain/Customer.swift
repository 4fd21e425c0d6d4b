#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The app's own paying party (an org, a workspace, a user), named by the app's `externalID`.
public struct Customer: Sendable, Equatable, Identified {
    public static let idPrefix = "cus"
    public static let resourceType = ResourceType.customer
    public typealias ID = TypedID<Customer>

    public let id: ID
    public let appID: App.ID
    public let externalID: String
    public var name: String?
    public var email: String?
    public var legalName: String?
    public var metadata: [String: String]
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID, appID: App.ID, externalID: String, name: String?, email: String?, legalName: String?,
        metadata: [String: String], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.externalID = externalID
        self.name = name
        self.email = email
        self.legalName = legalName
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Applies an update the way Stripe does: absent fields stay, `null` clears, metadata merges
    /// key by key and an empty value removes its key.
    public mutating func apply(_ changes: Changes, at time: Date) {
        changes.name.apply(to: &name)
        changes.email.apply(to: &email)
        changes.legalName.apply(to: &legalName)
        switch changes.metadata {
        case .unchanged: break
        case .clear: metadata = [:]
        case .set(let update):
            for (key, value) in update {
                metadata[key] = value.isEmpty ? nil : value
            }
        }
        updatedAt = time
    }

    /// What a create-or-update request may change.
    public struct Changes: Sendable, Equatable {
        public var name: Patch<String>
        public var email: Patch<String>
        public var legalName: Patch<String>
        public var metadata: Patch<[String: String]>

        public init(
            name: Patch<String> = .unchanged, email: Patch<String> = .unchanged,
            legalName: Patch<String> = .unchanged, metadata: Patch<[String: String]> = .unchanged
        ) {
            self.name = name
            self.email = email
            self.legalName = legalName
            self.metadata = metadata
        }

        /// Checks every field; the error names the first parameter at fault.
        public func validate() throws(PaymentsError) {
            if case .set(let name) = name, name.unicodeScalars.count > 255 {
                throw .invalid("name", "name must be at most 255 characters.")
            }
            if case .set(let legalName) = legalName, legalName.unicodeScalars.count > 255 {
                throw .invalid("legal_name", "legal_name must be at most 255 characters.")
            }
            if case .set(let email) = email, !Customer.isPlausibleEmail(email) {
                throw .invalid("email", "email must be an email address such as billing@example.com.")
            }
            if case .set(let metadata) = metadata { try Metadata.validate(metadata) }
        }
    }

    /// Checks an app's external id: 1–255 printable characters, no spaces or slashes.
    public static func validate(externalID: String) throws(PaymentsError) {
        guard !externalID.isEmpty, externalID.unicodeScalars.count <= 255 else {
            throw .invalid("external_id", "external_id must be 1 to 255 characters.")
        }
        guard externalID.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "/" }) else {
            throw .invalid("external_id", "external_id may not contain spaces, slashes or control characters.")
        }
    }

    static func isPlausibleEmail(_ email: String) -> Bool {
        guard email.utf8.count <= 254, !email.contains(where: \.isWhitespace) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".")
    }
}

/// A change to one optional field: leave it, clear it, or set it.
public enum Patch<Value: Sendable & Equatable>: Sendable, Equatable {
    case unchanged
    case clear
    case set(Value)

    func apply(to field: inout Value?) {
        switch self {
        case .unchanged: break
        case .clear: field = nil
        case .set(let value): field = value
        }
    }
}

/// Stripe's limits on metadata: 50 keys, keys up to 40 characters, values up to 500.
/// Lengths count Unicode scalars, as JSON Schema's `maxLength` does.
public enum Metadata {
    public static func validate(_ metadata: [String: String]) throws(PaymentsError) {
        guard metadata.count <= 50 else { throw .invalid("metadata", "metadata may have at most 50 keys.") }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            guard !key.isEmpty, key.unicodeScalars.count <= 40, !key.contains("[") && !key.contains("]") else {
                throw .invalid("metadata", "metadata keys must be 1 to 40 characters, without square brackets.")
            }
            guard value.unicodeScalars.count <= 500 else {
                throw .invalid("metadata[\(key)]", "metadata values must be at most 500 characters.")
            }
        }
    }
}
