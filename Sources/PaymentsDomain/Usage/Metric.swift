#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an app meters (`api_calls`, `messages`, `seats`) and how its events add up in a period.
/// Usage events and metered prices name a metric by its `key`.
public struct Metric: Sendable, Equatable, Identified {
    public static let idPrefix = "metric"
    public static let resourceType = ResourceType.metric
    public typealias ID = TypedID<Metric>

    /// How a period's events become one number.
    public enum Aggregation: String, Sendable, Codable, CaseIterable {
        /// The values added up (API calls, messages, GB transferred).
        case sum
        /// How many events there were, whatever their values.
        case count
        /// The largest value seen.
        case max
        /// How many distinct values `properties[field]` took (active users).
        case uniqueCount = "unique_count"
        /// The latest value by timestamp: a gauge (seats, locations), set by events or
        /// `PUT /v1/customers/{external_id}/usage/{metric}`.
        case last

        /// Whether an event's value may be negative (a correction of a sum); the others count
        /// things and refuse it.
        public var allowsNegative: Bool { self == .sum }

        /// What one event adds to a rollup: its value (`count` counts it as 1; for `unique_count`
        /// the caller counts the values it had not seen).
        public func contribution(of value: Double) -> Double { self == .count ? 1 : value }

        /// Two parts of one rollup (its events so far, and more events or another shard), each a
        /// value and the time of its latest event, as one: added up; the larger; or for `last`
        /// the later one's, of two at the same millisecond the larger (so arrival order and shards
        /// never change the answer). `UsageRepository.combinedSQL` is the same rule in SQL.
        public func combine(_ a: (value: Double, last: Int64), _ b: (value: Double, last: Int64)) -> Double {
            switch self {
            case .sum, .count, .uniqueCount: a.value + b.value
            case .max: Swift.max(a.value, b.value)
            case .last: b.last > a.last || (b.last == a.last && b.value > a.value) ? b.value : a.value
            }
        }
    }

    public let id: ID
    public let appID: App.ID
    public let key: String
    public var name: String
    public let aggregation: Aggregation
    /// The property whose distinct values `unique_count` counts; for `sum`, `max` and `last`, the
    /// property that holds the number (instead of the event's `value`).
    public let field: String?
    /// What one unit is, for people (`call`, `GB`, `seat`).
    public var unit: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        key: String,
        name: String,
        aggregation: Aggregation,
        field: String?,
        unit: String?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.key = key
        self.name = name
        self.aggregation = aggregation
        self.field = field
        self.unit = unit
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A metric key: as plan keys, 1–64 of `A-Z a-z 0-9 _ - .`.
    public static let keyRule = Plan.keyRule
    public static let nameRule = TextRule(length: 1...255)
    /// A property name.
    public static let fieldRule = TextRule(length: 1...64, characters: .key)
    public static let unitRule = TextRule(length: 1...32)
    /// How many metrics an app may have.
    public static let maximumCount = 200

    /// What `POST /v1/metrics` asks for.
    public struct Draft: Sendable {
        public var key: String
        public var name: String
        public var aggregation: Aggregation
        public var field: String?
        public var unit: String?

        public init(key: String, name: String, aggregation: Aggregation, field: String?, unit: String?) {
            self.key = key
            self.name = name
            self.aggregation = aggregation
            self.field = field
            self.unit = unit
        }

        /// What one field alone cannot say: `unique_count` needs the property it counts, `count`
        /// reads no number.
        public func validate() throws(PaymentsError) {
            switch aggregation {
            case .uniqueCount where field == nil:
                throw .invalid("field", "A unique_count metric counts the distinct values of one property: name it in field.")
            case .count where field != nil:
                throw .invalid("field", "A count metric counts events and reads no property: leave field out.")
            default: break
            }
        }
    }

    /// What `PATCH /v1/metrics/{key}` may change: how the metric is shown, never how it adds up
    /// (that would change what periods already recorded mean).
    public struct Changes: Sendable {
        public var name: String?
        public var unit: Patch<String>

        public init(name: String? = nil, unit: Patch<String> = .unchanged) {
            self.name = name
            self.unit = unit
        }
    }

    /// The metric with `changes` applied.
    public func applying(_ changes: Changes, at time: Date) -> Metric {
        var changed = self
        if let name = changes.name { changed.name = name }
        changes.unit.apply(to: &changed.unit)
        if changed != self { changed.updatedAt = time }
        return changed
    }
}
