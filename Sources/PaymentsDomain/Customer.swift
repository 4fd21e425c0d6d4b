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
        id: ID,
        appID: App.ID,
        externalID: String,
        name: String?,
        email: String?,
        legalName: String?,
        metadata: [String: String],
        createdAt: Date,
        updatedAt: Date
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
            name: Patch<String> = .unchanged,
            email: Patch<String> = .unchanged,
            legalName: Patch<String> = .unchanged,
            metadata: Patch<[String: String]> = .unchanged
        ) {
            self.name = name
            self.email = email
            self.legalName = legalName
            self.metadata = metadata
        }

        /// Checks every field; the error names the first parameter at fault.
        public func validate() throws(PaymentsError) {
            if let name = name.value { try Customer.nameRule.check(name, param: "name") }
            if let legalName = legalName.value { try Customer.nameRule.check(legalName, param: "legal_name") }
            if let email = email.value { try Customer.validate(email: email) }
            if let metadata = metadata.value { try Metadata.validate(metadata) }
        }
    }

    /// The app's own id for a customer: 1–255 printable characters, no spaces or slashes (it goes
    /// in a URL path).
    public static let externalIDRule = TextRule(length: 1...255, characters: .pathSafe)
    /// A name or legal name.
    public static let nameRule = TextRule(length: 0...255)
    /// An email address (RFC 5321's limit of 254 characters).
    public static let emailRule = TextRule(length: 3...254, format: "email")

    /// Checks an app's external id.
    public static func validate(externalID: String, param: String = "external_id") throws(PaymentsError) {
        try externalIDRule.check(externalID, param: param)
    }

    /// Checks an email address: within its rule, and shaped like one.
    public static func validate(email: String) throws(PaymentsError) {
        try emailRule.check(email, param: "email")
        guard isPlausibleEmail(email) else { throw .invalid("email", "email must be an email address such as billing@example.com.") }
    }

    static func isPlausibleEmail(_ email: String) -> Bool {
        guard !email.contains(where: \.isWhitespace) else { return false }
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

    /// The value set, if any.
    public var value: Value? {
        if case .set(let value) = self { return value }
        return nil
    }

    public func apply(to field: inout Value?) {
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
    /// Metadata as stored: a JSON object, keys sorted.
    public static func encode(_ metadata: [String: String]) -> String {
        var writer = JSONWriter(capacity: 64)
        writer.object { writer in
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
                writer.key(key)
                writer.value(value)
            }
        }
        return writer.string
    }

    /// Metadata from its stored JSON object.
    public static func decode(_ text: String) throws -> [String: String] {
        guard case .object(let members) = try JSONReader.value(of: text) else {
            throw JSONReader.Failure(offset: 0, reason: "metadata is not a JSON object")
        }
        return try members.mapValues { value in
            guard case .string(let string) = value else { throw JSONReader.Failure(offset: 0, reason: "a metadata value is not a string") }
            return string
        }
    }

    public static let count = 0...50
    public static let keyRule = TextRule(length: 1...40, characters: .except([0x5B...0x5B, 0x5D...0x5D], "without square brackets"))
    public static let valueRule = TextRule(length: 0...500)

    public static func validate(_ metadata: [String: String]) throws(PaymentsError) {
        guard count.contains(metadata.count) else { throw .invalid("metadata", "metadata may have at most \(count.upperBound) keys.") }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            do {
                try keyRule.check(key, param: "metadata")
            } catch {
                throw .invalid("metadata", "metadata keys must be \(keyRule.describe).")
            }
            try valueRule.check(value, param: "metadata[\(key)]")
        }
    }
}
