#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A tenant: one SaaS product. Every row it owns carries its id.
public struct App: Sendable, Equatable, Identified {
    public static let idPrefix = "app"
    public typealias ID = TypedID<App>

    /// Whether the app moves real money. Fixed for the app's life.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case test
        case live
    }

    public let id: ID
    public var name: String
    public let mode: Mode
    public let createdAt: Date

    public init(id: ID, name: String, mode: Mode, createdAt: Date) {
        self.id = id
        self.name = name
        self.mode = mode
        self.createdAt = createdAt
    }

    /// Checks a name given for a new app.
    public static func validate(name: String) throws(PaymentsError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .missing("name") }
        guard trimmed.unicodeScalars.count <= 100 else { throw .invalid("name", "name must be at most 100 characters.") }
        return trimmed
    }
}
