#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A tenant: one SaaS product. Every row it owns carries its id.
public struct App: Sendable, Equatable, Identified {
    public static let idPrefix = "app"
    public static let resourceType = ResourceType.app
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
    /// The length of a grace period when the plan names none (nil: `GracePeriod.defaultDays`).
    public var gracePeriodDays: Int?

    public init(id: ID, name: String, mode: Mode, createdAt: Date, gracePeriodDays: Int? = nil) {
        self.id = id
        self.name = name
        self.mode = mode
        self.createdAt = createdAt
        self.gracePeriodDays = gracePeriodDays
    }

    /// Checks an app's default grace period length.
    public static func validate(gracePeriodDays days: Int) throws(PaymentsError) {
        try GracePeriod.daysRule.check(Int64(days), param: "grace_period_days")
    }

    /// An app's name (leading and trailing spaces are trimmed).
    public static let nameRule = TextRule(length: 1...100, notBlank: true)

    /// Checks a name given for a new app.
    public static func validate(name: String) throws(PaymentsError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .missing("name") }
        try nameRule.check(trimmed, param: "name")
        return trimmed
    }
}
