#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A catalog entry: a stable `key`, its prices, and the features and limits it grants.
public struct Plan: Sendable, Equatable, Identified {
    public static let idPrefix = "plan"
    public static let resourceType = ResourceType.plan
    public typealias ID = TypedID<Plan>

    public let id: ID
    public let appID: App.ID
    public let key: String
    public var name: String
    public var description: String?
    /// Active prices first, then archived ones (kept because subscriptions may still use them).
    public var prices: [Price]
    public var trialPeriodDays: Int?
    public var gracePeriodDays: Int?
    public var features: [String]
    public var limits: [String: Int64]
    public var metadata: [String: String]
    public var active: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        key: String,
        name: String,
        description: String?,
        prices: [Price],
        trialPeriodDays: Int?,
        gracePeriodDays: Int?,
        features: [String],
        limits: [String: Int64],
        metadata: [String: String],
        active: Bool,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.key = key
        self.name = name
        self.description = description
        self.prices = prices
        self.trialPeriodDays = trialPeriodDays
        self.gracePeriodDays = gracePeriodDays
        self.features = features
        self.limits = limits
        self.metadata = metadata
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The active price with `key`.
    public func price(_ key: String) -> Price? { prices.first { $0.key == key && $0.active } }

    /// The price a request names, or, when it names none, the plan's only active price that
    /// fits (`recurring`: for a subscription; else for a one-time purchase).
    /// - Throws: `price_not_found`, or `parameter_missing` for `price` when several fit.
    public func resolvePrice(_ key: String?, recurring: Bool? = nil, param: String = "price") throws(PaymentsError) -> Price {
        if let key {
            guard let price = price(key) else { throw .notFound(.priceNotFound, id: key) }
            return price
        }
        let active = prices.filter { $0.active && (recurring == nil || $0.isRecurring == recurring) }
        guard active.count == 1 else {
            throw active.isEmpty ? .invalid(param, "Plan \(self.key) has no active price.") : .missing(param)
        }
        return active[0]
    }

    /// A plan key, a price key, a feature, a limit key or a metric: 1–64 of `A-Z a-z 0-9 _ - .`.
    public static let keyRule = TextRule(length: 1...64, characters: .key)
    public static let nameRule = TextRule(length: 1...255)
    public static let descriptionRule = TextRule(length: 0...5000)
    /// How many features, limits and prices a plan may have.
    public static let featureCount = 0...100
    public static let limitCount = 0...100
    public static let priceCount = 1...20
    /// A limit's value.
    public static let limitRule = IntegerRule(0...Int64.max)

    /// Checks a plan key, a price key, a feature or a limit key.
    public static func validate(key: String, param: String) throws(PaymentsError) {
        try keyRule.check(key, param: param)
    }
}

/// One way to pay for a plan. Prices are immutable once used: changing an amount archives the
/// price and adds a new one with the same key.
public struct Price: Sendable, Equatable, Identified {
    /// A provider's price id an app links instead of having one made.
    public static let providerPriceIDRule = TextRule(length: 1...255)

    public static let idPrefix = "price"
    public static let resourceType = ResourceType.price
    public typealias ID = TypedID<Price>

    public let id: ID
    public let key: String
    public let terms: Terms
    /// A provider price the app linked instead of letting the service create one.
    public let linkedProviderPriceID: String?
    public var active: Bool
    public let createdAt: Date

    public init(id: ID, key: String, terms: Terms, linkedProviderPriceID: String?, active: Bool, createdAt: Date) {
        self.id = id
        self.key = key
        self.terms = terms
        self.linkedProviderPriceID = linkedProviderPriceID
        self.active = active
        self.createdAt = createdAt
    }

    public var currency: Currency {
        switch terms {
        case .oneTime(let money), .recurring(let money, _): money.currency
        case .metered(let metered): metered.currency
        }
    }

    public var interval: BillingInterval? {
        switch terms {
        case .oneTime: nil
        case .recurring(_, let interval): interval
        case .metered(let metered): metered.interval
        }
    }

    public var isRecurring: Bool { interval != nil }

    /// Billed by usage: an item of it has no quantity.
    public var isMetered: Bool {
        if case .metered = terms { return true }
        return false
    }

    /// What a customer is charged.
    /// How a price charges: once, every interval, or by usage.
    public enum Kind: String, Sendable, CaseIterable {
        case oneTime = "one_time"
        case recurring
        case metered
    }

    public enum Terms: Sendable, Equatable {
        case oneTime(Money)
        case recurring(Money, BillingInterval)
        case metered(Metered)

        /// What `quantity` units bring in a month (monthly recurring revenue), rounded to the
        /// minor unit: a yearly price counts a twelfth. Nil for one-time and metered prices
        /// (usage is not recurring revenue).
        public func monthlyAmount(quantity: Int64) -> Money? {
            guard case .recurring(let money, let interval) = self else { return nil }
            let months = Int64(interval.months)
            let total = money.amount * quantity
            return Money((total + (total >= 0 ? months : -months) / 2) / months, money.currency)
        }

        public var kind: Kind {
            switch self {
            case .oneTime: .oneTime
            case .recurring: .recurring
            case .metered: .metered
            }
        }

        public var type: String { kind.rawValue }
    }
}

/// How often a recurring price bills: every `count` months or years (at most one year, as Stripe).
public struct BillingInterval: Sendable, Equatable, Codable {
    public enum Unit: String, Sendable, Codable, CaseIterable {
        case month, year
    }

    public let unit: Unit
    public let count: Int

    /// Every `count` months, up to 12; a year is counted once.
    public static let countRule = IntegerRule(1...12)

    public init(_ unit: Unit, count: Int = 1) {
        self.unit = unit
        self.count = count
    }

    public static func validate(unit: Unit, count: Int, param: String) throws(PaymentsError) {
        let maximum = unit == .month ? 12 : 1
        guard (1...maximum).contains(count) else {
            throw .invalid(param, "\(param) must be between 1 and \(maximum) for interval \(unit.rawValue) (at most one year).")
        }
    }

    /// The months one period lasts.
    public var months: Int { unit == .month ? count : 12 * count }

    /// The end of the period that starts at `start`, in UTC calendar months.
    public func advance(_ start: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let months = unit == .month ? count : 12 * count
        return calendar.date(byAdding: .month, value: months, to: start) ?? start
    }
}

/// Usage-based pricing: a metric, a unit amount or tiers, and a quantity included free.
public struct Metered: Sendable, Equatable, Codable {
    public let metric: String
    public let currency: Currency
    public let interval: BillingInterval
    public let unitAmount: Int64?
    public let tiers: Tiers?
    public let includedQuantity: Int64

    public init(
        metric: String,
        currency: Currency,
        interval: BillingInterval,
        unitAmount: Int64?,
        tiers: Tiers?,
        includedQuantity: Int64
    ) {
        self.metric = metric
        self.currency = currency
        self.interval = interval
        self.unitAmount = unitAmount
        self.tiers = tiers
        self.includedQuantity = includedQuantity
    }

    public struct Tiers: Sendable, Equatable, Codable {
        public enum Mode: String, Sendable, Codable, CaseIterable {
            case graduated, volume
        }

        public let mode: Mode
        public let tiers: [Tier]

        public init(mode: Mode, tiers: [Tier]) {
            self.mode = mode
            self.tiers = tiers
        }
    }

    /// A tier: up to `upTo` units (nil: no upper bound) at `unitAmount` each plus `flatAmount`.
    public struct Tier: Sendable, Equatable, Codable {
        public let upTo: Int64?
        public let unitAmount: Int64
        public let flatAmount: Int64

        public init(upTo: Int64?, unitAmount: Int64, flatAmount: Int64) {
            self.upTo = upTo
            self.unitAmount = unitAmount
            self.flatAmount = flatAmount
        }

        enum CodingKeys: String, CodingKey {
            case upTo = "up_to"
            case unitAmount = "unit_amount"
            case flatAmount = "flat_amount"
        }
    }

    /// How many tiers a price may have.
    public static let tierCount = 1...250
    /// A tier's upper bound.
    public static let upToRule = IntegerRule(1...Int64.max)
    /// Units included free each period.
    public static let includedQuantityRule = IntegerRule(0...Int64.max)

    /// Checks the tiers: at least one, bounds strictly increasing, only the last unbounded.
    public static func validate(_ tiers: Tiers, param: String) throws(PaymentsError) {
        guard tierCount.contains(tiers.tiers.count) else {
            throw .invalid(param, "\(param) must have 1 to 250 tiers.")
        }
        var previous: Int64 = 0
        for (index, tier) in tiers.tiers.enumerated() {
            try Money.validate(amount: tier.unitAmount, param: "\(param)[\(index)][unit_amount]")
            try Money.validate(amount: tier.flatAmount, param: "\(param)[\(index)][flat_amount]")
            let last = index == tiers.tiers.count - 1
            switch (tier.upTo, last) {
            case (nil, true): break
            case (nil, false):
                throw .invalid("\(param)[\(index)][up_to]", "Only the last tier may have no up_to.")
            case (.some, true):
                throw .invalid("\(param)[\(index)][up_to]", "The last tier must have no up_to (it covers the rest).")
            case (.some(let upTo), false):
                guard upTo > previous else {
                    throw .invalid("\(param)[\(index)][up_to]", "up_to must be greater than the tier before.")
                }
                previous = upTo
            }
        }
    }
}
