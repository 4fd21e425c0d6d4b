#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A billing period usage is counted in: `[start, end)`, UTC.
public struct UsagePeriod: Sendable, Equatable, Hashable {
    public let start: Date
    public let end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    public func contains(_ time: Date) -> Bool { start <= time && time < end }

    /// The UTC calendar month holding `time`: the period of a customer without a subscription.
    public static func calendarMonth(of time: Date) -> UsagePeriod {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: time)
        let start = calendar.date(from: parts) ?? time
        let end = calendar.date(byAdding: .month, value: 1, to: start) ?? time
        return UsagePeriod(start: start, end: end)
    }

    /// Where usage at `time` belongs for a customer whose current subscription (if any) is
    /// `subscription`, billed every `interval`.
    /// - Returns: nil when `time` falls in a period of the subscription that has been billed
    ///   (before its current period, after it began).
    public static func placing(_ time: Date, subscription: (period: UsagePeriod, since: Date, interval: BillingInterval)?) -> UsagePeriod? {
        guard let subscription else { return calendarMonth(of: time) }
        let current = subscription.period
        if current.contains(time) { return current }
        if time >= current.end {
            // The period ended and its renewal is not recorded yet: the next one.
            var period = UsagePeriod(start: current.end, end: subscription.interval.advance(current.end))
            while !period.contains(time), period.end > period.start {
                period = UsagePeriod(start: period.end, end: subscription.interval.advance(period.end))
            }
            return period
        }
        // Before the subscription began, usage counts by calendar month (nothing billed it).
        return time < subscription.since ? calendarMonth(of: time) : nil
    }

    /// The period before this one, for a subscription billed every `interval`.
    public func previous(every interval: BillingInterval) -> UsagePeriod {
        UsagePeriod(start: interval.retreat(start), end: start)
    }
}

extension BillingInterval {
    /// The start of the period that ends at `end`, in UTC calendar months.
    public func retreat(_ end: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let months = unit == .month ? count : 12 * count
        return calendar.date(byAdding: .month, value: -months, to: end) ?? end
    }
}

/// One measurement of a metric for a customer, kept forever under the app's own id.
public struct UsageEvent: Sendable, Equatable {
    /// The app's id for the event: unique per app, for ever.
    public let id: String
    public let customerID: Customer.ID
    public let customerExternalID: String
    public let metric: String
    public let value: Double
    public let timestamp: Date
    public let properties: [String: JSONValue]
    public let period: UsagePeriod
    public let createdAt: Date

    public init(
        id: String,
        customerID: Customer.ID,
        customerExternalID: String,
        metric: String,
        value: Double,
        timestamp: Date,
        properties: [String: JSONValue],
        period: UsagePeriod,
        createdAt: Date
    ) {
        self.id = id
        self.customerID = customerID
        self.customerExternalID = customerExternalID
        self.metric = metric
        self.value = value
        self.timestamp = timestamp
        self.properties = properties
        self.period = period
        self.createdAt = createdAt
    }

    /// An event id: 1–255 characters without spaces or control characters.
    public static let idRule = TextRule(length: 1...255, characters: .pathSafe)
    /// How many events a batch may carry.
    public static let batchLimit = 1000
    /// How many properties an event may carry.
    public static let propertyCount = 0...50
    /// The largest magnitude of one event's value (sums of many stay exact enough and finite).
    public static let maximumValue: Double = 1e15
    /// How far ahead of the app's clock an event may be stamped.
    public static let maximumLead: TimeInterval = 300

    /// What an app sends for one event, as it sent it (`value` and `timestamp` may be absent).
    public struct Input: Sendable, Equatable {
        public var id: String
        public var customer: String
        public var metric: String
        public var value: Double?
        public var timestamp: Date?
        public var properties: [String: JSONValue]

        public init(id: String, customer: String, metric: String, value: Double?, timestamp: Date?, properties: [String: JSONValue]) {
            self.id = id
            self.customer = customer
            self.metric = metric
            self.value = value
            self.timestamp = timestamp
            self.properties = properties
        }

        /// The event as sent, in one canonical text: the same event sent again has the same
        /// fingerprint (an absent timestamp stays absent, so a retry is not a new event).
        public var fingerprint: String {
            var writer = JSONWriter()
            writer.object { writer in
                writer.key("customer")
                writer.value(customer)
                writer.key("metric")
                writer.value(metric)
                writer.key("properties")
                writer.value(JSONValue.object(properties))
                writer.key("timestamp")
                if let timestamp { writer.value(Int64((timestamp.timeIntervalSince1970 * 1000).rounded())) } else { writer.null() }
                writer.key("value")
                if let value { writer.value(value) } else { writer.null() }
            }
            return writer.string
        }

        /// The number the event adds and, for `unique_count`, the value it counts once.
        /// - Parameter prefix: the request's path to this event (`events[3]`), for `param`.
        public func reading(for metric: Metric, prefix: String) throws(PaymentsError) -> (number: Double, distinct: String?) {
            func param(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix)[\(name)]" }
            var number = value ?? 1
            if let field = metric.field, metric.aggregation != .uniqueCount {
                switch properties[field] {
                case .integer(let integer)?: number = Double(integer)
                case .number(let double)?: number = double
                default:
                    throw .invalid(
                        param("properties") + "[\(field)]",
                        "Metric '\(metric.key)' reads its number from properties.\(field): it must be a number."
                    )
                }
            }
            guard number.isFinite, abs(number) <= UsageEvent.maximumValue else {
                throw .invalid(param("value"), "The value must be a number of magnitude at most 10^15.")
            }
            if number < 0, !metric.aggregation.allowsNegative {
                throw .invalid(param("value"), "A \(metric.aggregation.rawValue) metric takes no negative value (only sum does).")
            }
            guard metric.aggregation == .uniqueCount, let field = metric.field else { return (number, nil) }
            guard let counted = properties[field].flatMap(UsageEvent.distinctValue) else {
                throw .invalid(
                    param("properties") + "[\(field)]",
                    "Metric '\(metric.key)' counts distinct values of properties.\(field): the event must carry it (a string or number)."
                )
            }
            return (1, counted)
        }
    }

    /// A property's value as `unique_count` counts it: text, a number or a flag, written as text.
    public static func distinctValue(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .integer(let integer): String(integer)
        case .number(let double) where double.isFinite: "\(double)"
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }
}

/// A customer's usage of one metric in one period, as its rollup holds it.
public struct UsageTotal: Sendable, Equatable {
    public let metric: String
    public let period: UsagePeriod
    public let value: Double
    public let events: Int64

    public init(metric: String, period: UsagePeriod, value: Double, events: Int64) {
        self.metric = metric
        self.period = period
        self.value = value
        self.events = events
    }
}

extension Metered {
    /// The whole units billed for `value` in one period: what exceeds the included quantity,
    /// rounded up to a whole unit.
    public func billableQuantity(_ value: Double) -> Int64 {
        max(0, Self.units(value) - includedQuantity)
    }

    /// The whole units a period's value bills: rounded up, never below zero. What a provider's
    /// meter must hold for the period for its invoice to equal ours.
    public static func units(_ value: Double) -> Int64 {
        guard value > 0 else { return 0 }
        return value >= 9.2e18 ? Int64.max : Int64(value.rounded(.up))
    }

    /// What `quantity` billable units cost in one period, in minor units: the unit amount, or the
    /// tiers (`graduated`: each unit at its tier's price, plus each reached tier's flat amount;
    /// `volume`: every unit at the price of the tier the total falls in, plus its flat amount).
    public func amount(forQuantity quantity: Int64) -> Int64 {
        guard quantity > 0 else { return 0 }
        guard let tiers else { return (unitAmount ?? 0).multipliedReportingOverflow(by: quantity).partialValue }
        switch tiers.mode {
        case .volume:
            let tier = tiers.tiers.first { ($0.upTo ?? .max) >= quantity } ?? tiers.tiers[tiers.tiers.count - 1]
            return tier.unitAmount * quantity + tier.flatAmount
        case .graduated:
            var total: Int64 = 0
            var below: Int64 = 0
            for tier in tiers.tiers {
                let top = min(quantity, tier.upTo ?? .max)
                guard top > below else { break }
                total += tier.unitAmount * (top - below) + tier.flatAmount
                below = top
            }
            return total
        }
    }
}

/// A live subscription of a customer, as usage sees it: where its periods lie and how long they
/// are.
public struct UsageAnchor: Sendable, Equatable {
    public let status: Subscription.Status
    /// When the subscription was made: usage before it counts by calendar month.
    public let since: Date
    public let period: UsagePeriod?
    public let planID: Plan.ID
    public let interval: BillingInterval?
    /// The prices the subscription bills (its items): usage is priced by its metered items.
    public let prices: [Price.ID]

    public init(status: Subscription.Status, since: Date, period: UsagePeriod?, planID: Plan.ID, interval: BillingInterval?, prices: [Price.ID]) {
        self.status = status
        self.since = since
        self.period = period
        self.planID = planID
        self.interval = interval
        self.prices = prices
    }

    /// The one that counts: one with access first, then the newest (as the billing summary picks).
    public static func current(of anchors: [UsageAnchor]) -> UsageAnchor? {
        anchors.min { ($0.status.accessRank, $1.since) < ($1.status.accessRank, $0.since) }
    }

    /// The period usage at `time` counts in; nil when it falls in a billed one.
    public func period(of time: Date) -> UsagePeriod? {
        guard let period, let interval else { return UsagePeriod.calendarMonth(of: time) }
        return UsagePeriod.placing(time, subscription: (period, since: since, interval: interval))
    }
}

extension Subscription.Status {
    /// How much access it gives, 0 the most: which subscription of a customer counts.
    public var accessRank: Int {
        switch self {
        case .active, .trialing: 0
        case .pastDue, .unpaid: 1
        case .incomplete, .paused: 2
        case .canceled, .incompleteExpired: 3
        }
    }
}
