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
            key: String,
            name: String,
            description: String?,
            prices: [Price.Draft],
            trialPeriodDays: Int?,
            gracePeriodDays: Int?,
            features: [String],
            limits: [String: Int64],
            metadata: [String: String]
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
                name: name,
                description: description,
                trialPeriodDays: trialPeriodDays,
                gracePeriodDays: gracePeriodDays,
                features: features,
                limits: limits,
                metadata: metadata
            )
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
            name: String? = nil,
            description: Patch<String> = .unchanged,
            prices: [Price.Draft]? = nil,
            trialPeriodDays: Patch<Int> = .unchanged,
            gracePeriodDays: Patch<Int> = .unchanged,
            features: [String]? = nil,
            limits: [String: Int64]? = nil,
            metadata: [String: String]? = nil,
            active: Bool? = nil
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
    public mutating func apply(
        _ changes: Changes,
        at time: Date,
        newPriceID: () -> Price.ID
    ) throws(PaymentsError)
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
            name: name,
            description: description,
            trialPeriodDays: trialPeriodDays,
            gracePeriodDays: gracePeriodDays,
            features: features,
            limits: limits,
            metadata: metadata
        )
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
        name: String,
        description: String?,
        trialPeriodDays: Int?,
        gracePeriodDays: Int?,
        features: [String],
        limits: [String: Int64],
        metadata: [String: String]
    ) throws(PaymentsError) {
        try Plan.nameRule.check(name, param: "name")
        if let description { try Plan.descriptionRule.check(description, param: "description") }
        if let trialPeriodDays { try Subscription.validate(trialPeriodDays: trialPeriodDays) }
        if let gracePeriodDays { try GracePeriod.daysRule.check(Int64(gracePeriodDays), param: "grace_period_days") }
        guard Plan.featureCount.contains(features.count) else {
            throw .invalid("features", "A plan may grant at most \(Plan.featureCount.upperBound) features.")
        }
        for (index, feature) in features.enumerated() { try Plan.validate(key: feature, param: "features[\(index)]") }
        guard Set(features).count == features.count else { throw .invalid("features", "features must not repeat.") }
        guard Plan.limitCount.contains(limits.count) else {
            throw .invalid("limits", "A plan may set at most \(Plan.limitCount.upperBound) limits.")
        }
        for (key, value) in limits.sorted(by: { $0.key < $1.key }) {
            try Plan.validate(key: key, param: "limits[\(key)]")
            try Plan.limitRule.check(value, param: "limits[\(key)]")
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
            guard Plan.priceCount.contains(drafts.count) else {
                throw .invalid("prices", "A plan may have at most \(Plan.priceCount.upperBound) prices.")
            }
            var seen = Set<String>()
            for (index, draft) in drafts.enumerated() {
                let param = "prices[\(index)]"
                try Plan.validate(key: draft.key, param: "\(param)[key]")
                guard seen.insert(draft.key).inserted else {
                    throw .invalid("\(param)[key]", "Price keys must be unique within a plan; '\(draft.key)' repeats.")
                }
                if let linked = draft.linkedProviderPriceID {
                    try Price.providerPriceIDRule.check(linked, param: "\(param)[provider_price_id]")
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
                        unit: metered.interval.unit,
                        count: metered.interval.count,
                        param: "\(param)[interval_count]"
                    )
                    try Metered.includedQuantityRule.check(metered.includedQuantity, param: "\(param)[included_quantity]")
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
