#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Plan {
    /// A plan as an app asks for it, before it has ids.
    public struct Draft: Sendable, Equatable {
        public var key: String
        public var name: String
        public var description: String?
        public var prices: [Price.Draft]
        public var trialPeriodDays: Int?
        public var gracePeriodDays: Int?
        public var features: [String]
        public var limits: [String: Int64]
        public var metadata: [String: String]

        public init(
            key: String, name: String, description: String?, prices: [Price.Draft], trialPeriodDays: Int?,
            gracePeriodDays: Int?, features: [String], limits: [String: Int64], metadata: [String: String]
        ) {
            self.key = key
            self.name = name
            self.description = description
            self.prices = prices
            self.trialPeriodDays = trialPeriodDays
            self.gracePeriodDays = gracePeriodDays
            self.features = features
            self.limits = limits
            self.metadata = metadata
        }

        public func validate() throws(PaymentsError) {
            try Plan.validate(key: key, param: "key")
            try Plan.validateFields(
                name: name, description: description, trialPeriodDays: trialPeriodDays, gracePeriodDays: gracePeriodDays,
                features: features, limits: limits, metadata: metadata)
            try Price.Draft.validate(prices)
        }
    }

    /// What `PATCH /v1/plans/{key}` may change. `prices`, when given, is the whole new list:
    /// prices kept as they were stay, changed ones get a new version, missing ones are archived.
    public struct Changes: Sendable, Equatable {
        public var name: String?
        public var description: Patch<String>
        public var prices: [Price.Draft]?
        public var trialPeriodDays: Patch<Int>
        public var gracePeriodDays: Patch<Int>
        public var features: [String]?
        public var limits: [String: Int64]?
        public var metadata: [String: String]?
        public var active: Bool?

        public init(
            name: String? = nil, description: Patch<String> = .unchanged, prices: [Price.Draft]? = nil,
            trialPeriodDays: Patch<Int> = .unchanged, gracePeriodDays: Patch<Int> = .unchanged, features: [String]? = nil,
            limits: [String: Int64]? = nil, metadata: [String: String]? = nil, active: Bool? = nil
        ) {
            self.name = name
            self.description = description
            self.prices = prices
            self.trialPeriodDays = trialPeriodDays
            self.gracePeriodDays = gracePeriodDays
            self.features = features
            self.limits = limits
            self.metadata = metadata
            self.active = active
        }
    }

    /// Applies `changes`, making new price versions with `newPriceID` and archiving replaced ones.
    /// - Returns: the prices archived (whose provider prices should be deactivated).
    public mutating func apply(_ changes: Changes, at time: Date, newPriceID: () -> Price.ID) throws(PaymentsError)
        -> [Price]
    {
        if let name = changes.name { self.name = name }
        changes.description.apply(to: &description)
        changes.trialPeriodDays.apply(to: &trialPeriodDays)
        changes.gracePeriodDays.apply(to: &gracePeriodDays)
        if let features = changes.features { self.features = features }
        if let limits = changes.limits { self.limits = limits }
        if let metadata = changes.metadata { self.metadata = metadata }
        if let active = changes.active { self.active = active }
        try Plan.validateFields(
            name: name, description: description, trialPeriodDays: trialPeriodDays, gracePeriodDays: gracePeriodDays,
            features: features, limits: limits, metadata: metadata)
        var archived: [Price] = []
        if let drafts = changes.prices {
            try Price.Draft.validate(drafts)
            var next: [Price] = []
            for draft in drafts {
                if let current = price(draft.key), current.terms == draft.terms,
                    current.linkedProviderPriceID == draft.linkedProviderPriceID
                {
                    next.append(current)
                } else {
                    next.append(draft.price(id: newPriceID(), at: time))
                }
            }
            let kept = Set(next.map(\.id))
            for var old in prices where old.active && !kept.contains(old.id) {
                old.active = false
                archived.append(old)
            }
            let formerlyArchived = prices.filter { !$0.active }
            prices = next + archived + formerlyArchived
        }
        updatedAt = time
        return archived
    }

    static func validateFields(
        name: String, description: String?, trialPeriodDays: Int?, gracePeriodDays: Int?, features: [String],
        limits: [String: Int64], metadata: [String: String]
    ) throws(PaymentsError) {
        guard (1...255).contains(name.unicodeScalars.count) else {
            throw .invalid("name", "name must be 1 to 255 characters.")
        }
        if let description, description.unicodeScalars.count > 5000 {
            throw .invalid("description", "description must be at most 5000 characters.")
        }
        if let trialPeriodDays { try Subscription.validate(trialPeriodDays: trialPeriodDays) }
        if let gracePeriodDays, !(0...365).contains(gracePeriodDays) {
            throw .invalid("grace_period_days", "grace_period_days must be between 0 and 365.")
        }
        guard features.count <= 100 else { throw .invalid("features", "A plan may grant at most 100 features.") }
        for (index, feature) in features.enumerated() { try Plan.validate(key: feature, param: "features[\(index)]") }
        guard Set(features).count == features.count else { throw .invalid("features", "features must not repeat.") }
        guard limits.count <= 100 else { throw .invalid("limits", "A plan may set at most 100 limits.") }
        for (key, value) in limits.sorted(by: { $0.key < $1.key }) {
            try Plan.validate(key: key, param: "limits[\(key)]")
            guard value >= 0 else { throw .invalid("limits[\(key)]", "Limits must be zero or more.") }
        }
        try Metadata.validate(metadata)
    }
}

extension Price {
    /// A price as an app asks for it.
    public struct Draft: Sendable, Equatable {
        public var key: String
        public var terms: Terms
        public var linkedProviderPriceID: String?

        public init(key: String, terms: Terms, linkedProviderPriceID: String?) {
            self.key = key
            self.terms = terms
            self.linkedProviderPriceID = linkedProviderPriceID
        }

        public func price(id: Price.ID, at time: Date) -> Price {
            Price(id: id, key: key, terms: terms, linkedProviderPriceID: linkedProviderPriceID, active: true, createdAt: time)
        }

        /// Checks a plan's list of prices: 1–20, keys unique, amounts and tiers in range.
        public static func validate(_ drafts: [Draft]) throws(PaymentsError) {
            guard !drafts.isEmpty else { throw .missing("prices") }
            guard drafts.count <= 20 else { throw .invalid("prices", "A plan may have at most 20 prices.") }
            var seen = Set<String>()
            for (index, draft) in drafts.enumerated() {
                let param = "prices[\(index)]"
                try Plan.validate(key: draft.key, param: "\(param)[key]")
                guard seen.insert(draft.key).inserted else {
                    throw .invalid("\(param)[key]", "Price keys must be unique within a plan; '\(draft.key)' repeats.")
                }
                if let linked = draft.linkedProviderPriceID, linked.isEmpty || linked.utf8.count > 255 {
                    throw .invalid("\(param)[provider_price_id]", "provider_price_id must be 1 to 255 characters.")
                }
                switch draft.terms {
                case .oneTime(let money):
                    try Money.validate(amount: money.amount, param: "\(param)[amount]")
                case .recurring(let money, let interval):
                    try Money.validate(amount: money.amount, param: "\(param)[amount]")
                    try BillingInterval.validate(unit: interval.unit, count: interval.count, param: "\(param)[interval_count]")
                case .metered(let metered):
                    try Plan.validate(key: metered.metric, param: "\(param)[metric]")
                    try BillingInterval.validate(
                        unit: metered.interval.unit, count: metered.interval.count, param: "\(param)[interval_count]")
                    guard metered.includedQuantity >= 0 else {
                        throw .invalid("\(param)[included_quantity]", "included_quantity must be zero or more.")
                    }
                    switch (metered.unitAmount, metered.tiers) {
                    case (let amount?, nil): try Money.validate(amount: amount, param: "\(param)[unit_amount]")
                    case (nil, let tiers?): try Metered.validate(tiers, param: "\(param)[tiers]")
                    case (nil, nil): throw .missing("\(param)[unit_amount]")
                    case (.some, .some):
                        throw .invalid("\(param)[tiers]", "A metered price has either unit_amount or tiers, not both.")
                    }
                }
            }
        }
    }
}
