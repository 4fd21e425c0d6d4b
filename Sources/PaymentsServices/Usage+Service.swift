import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum Usage {}

extension Usage {
    /// What one event of a request came to.
    public enum Outcome: Sendable {
        case created(UsageEvent)
        /// Sent before with the same body: nothing written again.
        case duplicate(UsageEvent)
        case refused(PaymentsError)
    }

    /// Which periods a usage read covers.
    public enum Window: Sendable, Equatable {
        case current
        case previous
        /// Periods that start in `[from, to)`.
        case between(Date, Date)
    }

    /// A customer's usage of one metric over a window, priced by the plan of the customer's
    /// current subscription.
    public struct MetricUsage: Sendable {
        public let metric: Metric
        public let value: Double
        public let events: Int64
        public let includedQuantity: Int64
        public let billableQuantity: Int64
        /// What the billable quantity costs (nil when no price of the plan meters the metric).
        public let amount: Money?
        /// The plan's limit named like the metric, per period.
        public let limit: Int64?
    }

    public struct CustomerUsage: Sendable {
        public let customer: Customer
        public let period: UsagePeriod
        public let metrics: [MetricUsage]
    }

    /// Usage events in, and usage read back from rollups (never from the raw events).
    ///
    /// A class: every request of its routes holds it, and a class is shared by one reference.
    public final class Service: Sendable {
        let store: Store
        let customers: Customers.Service
        let lookups = UsageLookups()

        public init(store: Store, customers: Customers.Service) {
            self.store = store
            self.customers = customers
        }

        /// One customer by the app's id for it, from the lookups or (once) the database: what
        /// usage reads and entitlement checks find their customer by.
        func customer(app: App.ID, externalID: String) async throws -> Customer? {
            if let known = lookups.customer(app, externalID) { return known }
            guard let found = try await store.read({ try await $0.customers(app).find(externalID: externalID, locking: false) }) else {
                return nil
            }
            lookups.remember(found)
            return found
        }

        /// The customers and metrics named, from the lookups or (once) the database.
        func resolve(
            app: App.ID,
            customers externalIDs: Set<String>,
            metrics keys: Set<String>
        ) async throws -> (
            customers: [String: Customer], metrics: [String: Metric]
        ) {
            var customers: [String: Customer] = [:]
            var metrics: [String: Metric] = [:]
            var missingCustomers: [String] = []
            var missingMetrics: [String] = []
            for id in externalIDs {
                if let known = lookups.customer(app, id) { customers[id] = known } else { missingCustomers.append(id) }
            }
            for key in keys {
                if let known = lookups.metric(app, key) { metrics[key] = known } else { missingMetrics.append(key) }
            }
            guard !missingCustomers.isEmpty || !missingMetrics.isEmpty else { return (customers, metrics) }
            let (foundCustomers, foundMetrics) = try await store.read { [missingCustomers, missingMetrics] session in
                var customers: [Customer] = []
                for id in missingCustomers { if let found = try await session.customers(app).find(externalID: id) { customers.append(found) } }
                var metrics: [Metric] = []
                for key in missingMetrics { if let found = try await session.metrics(app).find(key: key) { metrics.append(found) } }
                return (customers, metrics)
            }
            for customer in foundCustomers {
                lookups.remember(customer)
                customers[customer.externalID] = customer
            }
            for metric in foundMetrics {
                lookups.remember(metric)
                metrics[metric.key] = metric
            }
            return (customers, metrics)
        }

        /// Records events, each accepted or refused on its own, in one transaction: an event is
        /// acknowledged only once committed. Customers and metrics are looked up before it (neither
        /// is ever deleted); the billing period of each event is placed inside it.
        public func record(app: App.ID, _ inputs: [UsageEvent.Input], batch: Bool, origin: Origin) async throws -> [Outcome] {
            let (customers, metrics) = try await resolve(app: app, customers: Set(inputs.map(\.customer)), metrics: Set(inputs.map(\.metric)))
            let now = try await store.now(of: app)
            // What each event reads as, or why it is refused, before any write.
            var outcomes = [Outcome?](repeating: nil, count: inputs.count)
            var accepted: [Accepted] = []
            for (index, input) in inputs.enumerated() {
                let prefix = batch ? "events[\(index)]" : ""
                func param(_ name: String) -> String { batch ? "\(prefix)[\(name)]" : name }
                do {
                    guard let customer = customers[input.customer] else {
                        throw PaymentsError(
                            .invalidRequest,
                            code: .customerNotFound,
                            message: "No such customer: '\(input.customer)'.",
                            param: param("customer")
                        )
                    }
                    guard let metric = metrics[input.metric] else {
                        throw PaymentsError(
                            .invalidRequest,
                            code: .metricNotFound,
                            message: "No such metric: '\(input.metric)'. Declare it with POST /v1/metrics.",
                            param: param("metric")
                        )
                    }
                    let (number, distinct) = try input.reading(for: metric, prefix: prefix)
                    if let timestamp = input.timestamp, timestamp.timeIntervalSince(now) > UsageEvent.maximumLead {
                        throw PaymentsError.invalid(
                            param("timestamp"),
                            "The timestamp is more than \(Int(UsageEvent.maximumLead / 60)) minutes ahead of the app's clock."
                        )
                    }
                    // Worked out here, on the request's thread, not in the transaction on the writer's.
                    accepted.append(
                        Accepted(
                            index: index,
                            input: input,
                            customer: customer.id,
                            customerExternalID: customer.externalID,
                            metric: metric.key,
                            aggregation: metric.aggregation,
                            number: number,
                            distinct: distinct,
                            fingerprint: input.fingerprint,
                            propertiesText: UsageRepository.text(input.properties)
                        )
                    )
                } catch let error as PaymentsError {
                    outcomes[index] = .refused(error)
                }
            }
            guard !accepted.isEmpty else { return outcomes.map { $0! } }
            let recorded = try await store.recordUsage(origin, app: app) { [accepted] session in
                var anchors: [Customer.ID: UsageAnchor?] = [:]
                // The period last placed per customer: a time inside it is placed there again
                // without working the calendar out (a batch's events mostly share one).
                var lastPeriod: [Customer.ID: UsagePeriod] = [:]
                var pending: [UsageRepository.Pending] = []
                var placed: [Int] = []
                var refused: [(Int, PaymentsError)] = []
                for event in accepted {
                    if anchors[event.customer] == nil {
                        anchors[event.customer] = .some(UsageAnchor.current(of: try await session.usage(app).anchors(customer: event.customer)))
                    }
                    let timestamp = event.input.timestamp ?? session.now
                    let anchor = anchors[event.customer] ?? nil
                    let known = lastPeriod[event.customer].flatMap { $0.start <= timestamp && timestamp < $0.end ? $0 : nil }
                    guard let period = known ?? anchor.map({ $0.period(of: timestamp) }) ?? UsagePeriod.calendarMonth(of: timestamp) else {
                        refused.append(
                            (
                                event.index,
                                PaymentsError(
                                    .invalidRequest,
                                    code: .usagePeriodClosed,
                                    message: "The timestamp falls in a billing period that has been billed already.",
                                    param: batch ? "events[\(event.index)][timestamp]" : "timestamp"
                                )
                            )
                        )
                        continue
                    }
                    lastPeriod[event.customer] = period
                    pending.append(
                        UsageRepository.Pending(
                            event: UsageEvent(
                                id: event.input.id,
                                customerID: event.customer,
                                customerExternalID: event.customerExternalID,
                                metric: event.metric,
                                value: event.number,
                                timestamp: timestamp,
                                properties: event.input.properties,
                                period: period,
                                createdAt: session.wallClock
                            ),
                            fingerprint: event.fingerprint,
                            aggregation: event.aggregation,
                            distinct: event.distinct,
                            propertiesText: event.propertiesText
                        )
                    )
                    placed.append(event.index)
                }
                let (results, totals) = try await session.usage(app).record(pending)
                try await Self.enforceLimits(totals, anchors: anchors, customers: customers, app: app, session)
                return (placed, pending.map(\.event), results, refused)
            }
            for (index, error) in recorded.3 { outcomes[index] = .refused(error) }
            for (position, index) in recorded.0.enumerated() {
                switch recorded.2[position] {
                case .created: outcomes[index] = .created(recorded.1[position])
                case .duplicate(let stored): outcomes[index] = .duplicate(stored)
                case .conflict:
                    outcomes[index] = .refused(
                        PaymentsError(
                            .conflict,
                            code: .usageEventConflict,
                            message: "A usage event with id '\(inputs[index].id)' was recorded with another body; event ids are unique for ever.",
                            param: batch ? "events[\(index)][id]" : "id"
                        )
                    )
                }
            }
            return outcomes.map { $0! }
        }

        /// An event that passed the checks made before the transaction, with what was worked out
        /// for it there.
        struct Accepted: Sendable {
            let index: Int
            let input: UsageEvent.Input
            let customer: Customer.ID
            let customerExternalID: String
            let metric: String
            let aggregation: Metric.Aggregation
            let number: Double
            let distinct: String?
            let fingerprint: String
            let propertiesText: String
        }

        /// The thresholds of a plan's limit announced once per customer, metric and period, in percent.
        static let thresholds = [80, 100]

        /// After usage changed: announces each threshold of a plan's limit the usage reached
        /// (`usage.threshold_reached`, once per customer, metric, period and threshold), and opens
        /// a `usage_limit` grace period when usage went past a limit — in the same transaction.
        static func enforceLimits(
            _ touched: [(customer: Customer.ID, metric: String, period: UsagePeriod)],
            anchors: [Customer.ID: UsageAnchor?],
            customers: [String: Customer],
            app: App.ID,
            _ session: Session
        ) async throws {
            var plans: [Plan.ID: Plan?] = [:]
            let byID = Dictionary(customers.values.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for (customerID, metric, period) in touched {
                guard let anchor = anchors[customerID] ?? nil, anchor.period == period else { continue }
                if plans[anchor.planID] == nil { plans[anchor.planID] = .some(try await session.plans(app).find(id: anchor.planID)) }
                guard let plan = plans[anchor.planID] ?? nil, let limit = plan.limits[metric],
                    let customer = byID[customerID],
                    let total = try await session.usage(app).totals(customer: customerID, metric: metric, starts: period.start..<period.end).first
                else { continue }
                for threshold in thresholds where total.value > 0 && total.value * 100 >= Double(limit) * Double(threshold) {
                    guard
                        try await session.usage(app).reach(
                            customer: customerID,
                            metric: total.metric,
                            periodStart: total.period.start,
                            threshold: threshold
                        )
                    else { continue }
                    let reached = Resources.UsageThreshold(
                        customerID: customerID,
                        customer: customer.externalID,
                        metric: total.metric,
                        threshold: threshold,
                        value: total.value,
                        limit: limit,
                        period: total.period
                    )
                    // The quota is used up: checks of it answer otherwise from now on.
                    if threshold == 100 { session.entitlementsChanged(app, customer: customerID) }
                    try await session.emit(
                        app,
                        .usageThresholdReached,
                        Resources.usageThreshold,
                        reached,
                        id: customerID.rawValue,
                        customer: customerID,
                        type: .customer
                    )
                }
                if total.value > Double(limit), try await session.gracePeriods(app).open(customer: customerID, reason: .usageLimit) == nil {
                    var days = plan.gracePeriodDays
                    if days == nil { days = try await session.apps.find(app)?.gracePeriodDays }
                    _ = try await session.openGracePeriod(
                        app,
                        customer: (customerID, customer.externalID),
                        subscription: nil,
                        reason: .usageLimit,
                        days: days ?? GracePeriod.defaultDays
                    )
                }
            }
        }

        /// Sets a gauge (a `last` metric: seats, locations) to `value` now; audited as SET_USAGE
        /// with the value before and after.
        public func set(app: App.ID, externalID: String, metric key: String, value: Double, origin: Origin) async throws -> MetricUsage {
            let customer = try await customers.get(app: app, externalID: externalID)
            try await store.write(origin, app: app) { session in
                guard let metric = try await session.metrics(app).find(key: key) else { throw PaymentsError.notFound(.metricNotFound, id: key) }
                guard metric.aggregation == .last else {
                    throw PaymentsError.invalid(
                        "metric",
                        "Only a gauge (a metric with aggregation last) is set; send usage events for a \(metric.aggregation.rawValue) metric."
                    )
                }
                let input = UsageEvent.Input(
                    id: session.ids.next(prefix: "set", at: session.now),
                    customer: externalID,
                    metric: key,
                    value: value,
                    timestamp: session.now,
                    properties: [:]
                )
                let (number, _) = try input.reading(for: metric, prefix: "")
                let anchor = UsageAnchor.current(of: try await session.usage(app).anchors(customer: customer.id))
                guard let period = anchor.map({ $0.period(of: session.now) }) ?? UsagePeriod.calendarMonth(of: session.now) else {
                    throw StoreError.inconsistent("no open period now")
                }
                let before = try await session.usage(app).totals(customer: customer.id, metric: key, starts: period.start..<period.end).last?.value
                let event = UsageEvent(
                    id: input.id,
                    customerID: customer.id,
                    customerExternalID: customer.externalID,
                    metric: key,
                    value: number,
                    timestamp: session.now,
                    properties: [:],
                    period: period,
                    createdAt: session.wallClock
                )
                let (_, totals) = try await session.usage(app).record([
                    UsageRepository.Pending(event: event, fingerprint: input.fingerprint, aggregation: .last, distinct: nil)
                ])
                try await Self.enforceLimits(totals, anchors: [customer.id: anchor], customers: [customer.externalID: customer], app: app, session)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .setUsage,
                        target: customer.id,
                        snapshot: GaugeSnapshot(metric: key, before: before, after: number, period_start: period.start)
                    )
                )
            }
            let usage = try await self.usage(app: app, externalID: externalID, metric: key, window: .current)
            guard let set = usage.metrics.first else { throw StoreError.inconsistent("gauge \(key) not read back") }
            return set
        }

        /// The customer's usage per metric over `window`, from the rollups.
        public func usage(app: App.ID, externalID: String, metric: String?, window: Window) async throws -> CustomerUsage {
            guard let customer = try await customer(app: app, externalID: externalID) else {
                throw PaymentsError.notFound(.customerNotFound, id: externalID)
            }
            // The app's time (a test-mode app's advanced clock), as its writes see it.
            let now = try await store.now(of: app)
            return try await store.read { session in
                try await session.usage(app, of: customer, metric: metric, window: window, now: now)
            }
        }

        /// Rebuilds the app's rollups from its raw events.
        /// - Returns: how many rollups there are.
        public func recompute(app: App.ID, origin: Origin) async throws -> Int {
            try await store.recordUsage(origin, app: app) { session in
                let metrics = try await session.metrics(app).all()
                return try await session.usage(app).recompute(
                    aggregations: Dictionary(uniqueKeysWithValues: metrics.map { ($0.key, $0.aggregation) }),
                    fields: Dictionary(uniqueKeysWithValues: metrics.compactMap { metric in metric.field.map { (metric.key, $0) } })
                )
            }
        }

        /// Where a customer's usage is counted (its current subscription's periods, else months)
        /// and the plan that prices it.
        struct Placement: Sendable {
            let anchor: UsageAnchor?
            let plan: Plan?

            func period(of time: Date) -> UsagePeriod? { anchor.map { $0.period(of: time) } ?? UsagePeriod.calendarMonth(of: time) }

            func previous(before period: UsagePeriod) -> UsagePeriod {
                if let anchor, let interval = anchor.interval, period.start > anchor.since { return period.previous(every: interval) }
                // The month before the first period, up to where that period starts.
                return UsagePeriod(start: UsagePeriod.calendarMonth(of: period.start.addingTimeInterval(-0.001)).start, end: period.start)
            }

            /// The metered price of `metric` the customer's subscription bills (an archived price
            /// still billed included), or, without a subscription, the plan's active one.
            func meteredPrice(of metric: String) -> Metered? {
                for price in plan?.prices ?? [] where anchor.map({ $0.prices.contains(price.id) }) ?? price.active {
                    if case .metered(let metered) = price.terms, metered.metric == metric { return metered }
                }
                return nil
            }
        }
    }
}

struct GaugeSnapshot: Encodable {
    let metric: String
    let before: Double?
    let after: Double
    let period_start: Date
}

extension Session {
    /// The customer's usage per metric over `window` (at `now` on the app's clock), from the
    /// rollups: what `GET .../usage` answers and what entitlement limits count.
    func usage(_ app: App.ID, of customer: Customer, metric: String?, window: Usage.Window, now: Date) async throws -> Usage.CustomerUsage {
        let anchor = UsageAnchor.current(of: try await usage(app).anchors(customer: customer.id))
        let plan: Plan? = if let anchor { try await plans(app).find(id: anchor.planID) } else { nil }
        let placement = Usage.Service.Placement(anchor: anchor, plan: plan)
        let period: UsagePeriod
        switch window {
        case .current: period = placement.period(of: now) ?? UsagePeriod.calendarMonth(of: now)
        case .previous: period = placement.previous(before: placement.period(of: now) ?? UsagePeriod.calendarMonth(of: now))
        case .between(let from, let to): period = UsagePeriod(start: from, end: to)
        }
        return try await usage(app, of: customer, metric: metric, period: period, placement: placement)
    }

    /// The customer's usage over `period`, priced and limited as `placement` says (with no anchor
    /// and no plan: values and counts only, what a limit compares).
    func usage(
        _ app: App.ID,
        of customer: Customer,
        metric: String?,
        period: UsagePeriod,
        placement: Usage.Service.Placement
    ) async throws -> Usage.CustomerUsage {
        let read = try await usage(app).metricTotals(customer: customer.id, metric: metric, starts: period.start..<period.end)
        if let metric, read.isEmpty {
            throw PaymentsError(.invalidRequest, code: .metricNotFound, message: "No such metric: '\(metric)'.", param: "metric")
        }
        var usages: [Usage.MetricUsage] = []
        for (metric, periods) in read {
            let value: Double
            switch metric.aggregation {
            case .sum, .count: value = periods.reduce(0) { $0 + $1.value }
            case .max: value = periods.map(\.value).max() ?? 0
            case .last: value = periods.last?.value ?? 0
            case .uniqueCount:
                value =
                    periods.count > 1
                    ? Double(
                        try await usage(app).distinctCount(
                            customer: customer.id,
                            metric: metric.key,
                            starts: period.start..<period.end
                        )
                    )
                    : periods.first?.value ?? 0
            }
            let price = placement.meteredPrice(of: metric.key)
            let billable = periods.reduce(Int64(0)) { $0 + (price?.billableQuantity($1.value) ?? 0) }
            let amount = price.map { price in
                Money(periods.reduce(Int64(0)) { $0 + price.amount(forQuantity: price.billableQuantity($1.value)) }, price.currency)
            }
            usages.append(
                Usage.MetricUsage(
                    metric: metric,
                    value: value,
                    events: periods.reduce(0) { $0 + $1.events },
                    includedQuantity: price.map { $0.includedQuantity * Int64(max(periods.count, 1)) } ?? 0,
                    billableQuantity: billable,
                    amount: amount,
                    limit: placement.plan?.limits[metric.key]
                )
            )
        }
        return Usage.CustomerUsage(customer: customer, period: period, metrics: usages)
    }
}
