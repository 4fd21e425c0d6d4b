import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A customer as the API shows it and events carry it.
public struct CustomerResource: Encodable, Sendable {
    public let id: String
    public let object = "customer"
    public let external_id: String
    public let name: String?
    public let email: String?
    public let legal_name: String?
    public let metadata: [String: String]
    public let created_at: Date
    public let updated_at: Date

    public init(_ customer: Customer) {
        id = customer.id.rawValue
        external_id = customer.externalID
        name = customer.name
        email = customer.email
        legal_name = customer.legalName
        metadata = customer.metadata
        created_at = customer.createdAt
        updated_at = customer.updatedAt
    }

    public func encode(to encoder: any Encoder) throws {
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
