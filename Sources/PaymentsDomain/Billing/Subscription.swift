#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A customer's subscription to a plan, mirrored from its provider: its items are the plan's
/// recurring base price and its metered prices (a hybrid subscription), or any subset of them.
public struct Subscription: Sendable, Equatable, Identified {
    public static let idPrefix = "sub"
    public static let resourceType = ResourceType.subscription
    public typealias ID = TypedID<Subscription>

    /// Mirrors the provider's statuses (Stripe's names).
    public enum Status: String, Sendable, Codable, CaseIterable {
        case trialing, active
        case pastDue = "past_due"
        case unpaid, canceled, incomplete
        case incompleteExpired = "incomplete_expired"
        case paused
    }

    public let id: ID
    public let appID: App.ID
    public let customerID: Customer.ID
    /// The customer's external id: the id the app holds for it (`org_42`).
    public let customerExternalID: String
    public var planID: Plan.ID
    /// The base price: the first licensed item's (the first item's when all are metered).
    public var priceID: Price.ID
    /// The base item's quantity.
    public var quantity: Int
    public var items: [Item]
    public var status: Status
    public let provider: ProviderName
    public var providerSubscriptionID: String?
    public var currentPeriodStart: Date?
    public var currentPeriodEnd: Date?
    public var trialEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Date?
    public var endedAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        customerID: Customer.ID,
        customerExternalID: String,
        planID: Plan.ID,
        priceID: Price.ID,
        quantity: Int,
        items: [Item],
        status: Status,
        provider: ProviderName,
        providerSubscriptionID: String?,
        currentPeriodStart: Date?,
        currentPeriodEnd: Date?,
        trialEnd: Date?,
        cancelAtPeriodEnd: Bool,
        canceledAt: Date?,
        endedAt: Date?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.customerID = customerID
        self.customerExternalID = customerExternalID
        self.planID = planID
        self.priceID = priceID
        self.quantity = quantity
        self.items = items
        self.status = status
        self.provider = provider
        self.providerSubscriptionID = providerSubscriptionID
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.trialEnd = trialEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.endedAt = endedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A subscription of ours for one the provider made (a checkout's, an import's): its
    /// status, items, period, trial and cancellation as the provider has them.
    /// - Parameter prices: our prices by the provider's price ids.
    public static func mirroring(
        _ remote: ProviderSubscription,
        id: ID,
        appID: App.ID,
        customerID: Customer.ID,
        customerExternalID: String,
        planID: Plan.ID,
        priceID: Price.ID,
        quantity: Int,
        provider: ProviderName,
        prices: [String: Item.Known],
        at time: Date
    ) -> Subscription {
        var subscription = Subscription(
            id: id,
            appID: appID,
            customerID: customerID,
            customerExternalID: customerExternalID,
            planID: planID,
            priceID: priceID,
            quantity: quantity,
            items: [],
            status: remote.status,
            provider: provider,
            providerSubscriptionID: remote.id,
            currentPeriodStart: nil,
            currentPeriodEnd: nil,
            trialEnd: nil,
            cancelAtPeriodEnd: false,
            canceledAt: nil,
            endedAt: nil,
            createdAt: time,
            updatedAt: time
        )
        subscription.mirror(remote, prices: prices, at: time)
        return subscription
    }

    /// Whether the subscription still runs (it may be cancelled, updated or renewed).
    public var isLive: Bool { ![.canceled, .incompleteExpired].contains(status) }

    /// Copies the provider's view of the subscription onto this mirror: its status, dates and
    /// items. `prices` maps the provider's price ids to ours (with each price's plan and whether
    /// it is metered); an item whose price is not among them is kept with the provider's id and
    /// `priceID` nil. The base price and plan follow the provider's base item.
    public mutating func mirror(_ remote: ProviderSubscription, prices: [String: Item.Known], at time: Date) {
        providerSubscriptionID = remote.id
        status = remote.status
        if !remote.items.isEmpty {
            let previous = Dictionary(items.compactMap { item in item.providerItemID.map { ($0, item) } }, uniquingKeysWith: { a, _ in a })
            // Items recorded before the provider named them keep their ids, matched by price.
            var unnamed = items.filter { $0.providerItemID == nil }
            items = remote.items.map { remote in
                let known = prices[remote.price]
                let matched = unnamed.firstIndex { $0.priceID != nil && $0.priceID == known?.priceID }.map { unnamed.remove(at: $0) }
                return Item(
                    id: previous[remote.id]?.id ?? matched?.id ?? Item.ID(rawValue: "\(Item.idPrefix)_\(IDGenerator.derivedBody(from: remote.id))"),
                    priceID: known?.priceID,
                    providerPriceID: remote.price,
                    providerItemID: remote.id,
                    quantity: known?.metered == true ? nil : remote.quantity
                )
            }
            if let base = remote.items.first(where: { prices[$0.price]?.metered == false }) ?? remote.items.first,
                let known = prices[base.price]
            {
                priceID = known.priceID
                planID = known.planID
            }
            quantity = items.first { $0.priceID == priceID }?.quantity ?? quantity
        } else {
            quantity = remote.quantity
        }
        currentPeriodStart = remote.currentPeriodStart
        currentPeriodEnd = remote.currentPeriodEnd
        trialEnd = remote.trialEnd
        cancelAtPeriodEnd = remote.cancelAtPeriodEnd
        canceledAt = remote.canceledAt
        endedAt = remote.endedAt
        updatedAt = time
    }

    /// Trial length: 0–730 days, as Stripe allows.
    public static let trialDaysRule = IntegerRule(0...730)
    public static let quantityRule = IntegerRule(1...10_000)

    public static func validate(trialPeriodDays: Int, param: String = "trial_period_days") throws(PaymentsError) {
        try trialDaysRule.check(Int64(trialPeriodDays), param: param)
    }

    public static func validate(quantity: Int, param: String = "quantity") throws(PaymentsError) {
        try quantityRule.check(Int64(quantity), param: param)
    }

    /// How many items a subscription may have (Stripe's limit).
    public static let itemCount = 1...20

    /// One price the subscription bills: licensed (a quantity) or metered (usage, no quantity).
    public struct Item: Sendable, Equatable, Codable, Identified {
        public static let idPrefix = "si"
        public static let resourceType = ResourceType.subscription
        public typealias ID = TypedID<Item>

        public let id: ID
        /// Our price; nil when the provider bills a price the service does not know (set in the
        /// provider's dashboard): kept with `providerPriceID` and flagged.
        public var priceID: Price.ID?
        public var providerPriceID: String?
        public var providerItemID: String?
        /// Nil for a metered item.
        public var quantity: Int?

        public init(id: ID, priceID: Price.ID?, providerPriceID: String?, providerItemID: String?, quantity: Int?) {
            self.id = id
            self.priceID = priceID
            self.providerPriceID = providerPriceID
            self.providerItemID = providerItemID
            self.quantity = quantity
        }

        enum CodingKeys: String, CodingKey {
            case id
            case priceID = "price_id"
            case providerPriceID = "provider_price_id"
            case providerItemID = "provider_item_id"
            case quantity
        }

        /// What the service knows of a provider price: our price, its plan, whether metered.
        public struct Known: Sendable, Equatable {
            public let priceID: Price.ID
            public let planID: Plan.ID
            public let metered: Bool

            public init(priceID: Price.ID, planID: Plan.ID, metered: Bool) {
                self.priceID = priceID
                self.planID = planID
                self.metered = metered
            }
        }
    }
}

extension Plan {
    /// The prices a new subscription bills: those `keys` name (with `key`, if given, among them as
    /// the base), else the base price (`key`, or the plan's only recurring licensed price) with
    /// every active metered price of the same interval and currency. A plan of metered prices
    /// only gives them all.
    /// - Throws: `price_not_found`; `invalid_request` naming `prices[i]` for a one-time price,
    ///   or prices of mixed intervals or currencies.
    public func subscriptionPrices(base key: String?, keys: [String]?) throws(PaymentsError) -> [Price] {
        var chosen: [Price]
        if let keys {
            guard Subscription.itemCount.contains(keys.count) else {
                throw .invalid("prices", "prices must name 1 to \(Subscription.itemCount.upperBound) prices.")
            }
            chosen = []
            for (index, key) in keys.enumerated() {
                guard let price = price(key) else { throw .notFound(.priceNotFound, id: key) }
                guard price.isRecurring else {
                    throw .invalid("prices[\(index)]", "Price \(key) is one-time; a subscription bills recurring and metered prices.")
                }
                guard !chosen.contains(where: { $0.id == price.id }) else {
                    throw .invalid("prices[\(index)]", "Price \(key) is named twice.")
                }
                chosen.append(price)
            }
            if let key {
                guard let base = chosen.firstIndex(where: { $0.key == key }) else {
                    throw .invalid("price", "price \(key) must be one of prices (it names the base among them).")
                }
                chosen.insert(chosen.remove(at: base), at: 0)
            }
        } else {
            let licensed = prices.filter { $0.active && $0.isRecurring && !$0.isMetered }
            let metered = prices.filter { $0.active && $0.isMetered }
            if key != nil || !licensed.isEmpty {
                let base: Price
                if let key {
                    base = try resolvePrice(key, recurring: true)
                } else {
                    guard licensed.count == 1 else { throw .missing("price") }
                    base = licensed[0]
                }
                guard base.isRecurring else {
                    throw .invalid("price", "Price \(base.key) is one-time; a subscription needs a recurring or metered price.")
                }
                chosen = [base] + metered.filter { $0.id != base.id && $0.interval == base.interval && $0.currency == base.currency }
            } else {
                chosen = metered
            }
        }
        guard let first = chosen.first else { throw .invalid("price", "Plan \(self.key) has no active recurring price.") }
        for (index, price) in chosen.enumerated() where price.interval != first.interval || price.currency != first.currency {
            throw .invalid(
                keys == nil ? "price" : "prices[\(index)]",
                "Price \(price.key) bills in another interval or currency than \(first.key); a subscription's items share both."
            )
        }
        // The licensed base first: it is the subscription's `price_id`.
        return chosen.filter { !$0.isMetered } + chosen.filter(\.isMetered)
    }
}

/// How a plan change is charged, as Stripe names it.
public enum ProrationBehavior: String, Sendable, Codable, CaseIterable {
    case createProrations = "create_prorations"
    case none
    case alwaysInvoice = "always_invoice"
}
