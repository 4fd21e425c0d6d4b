import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Hybrid subscriptions in the sandbox: items, usage reported as meter events, and invoices that
// bill the base price ahead and the metered usage behind, priced as Stripe prices it.

extension SandboxProvider {
    /// Records usage once per identifier, as Stripe's meter events (the sandbox keeps
    /// identifiers forever, Stripe at least 24 hours).
    public func reportUsage(_ report: ProviderUsageReport) async throws(ProviderError) {
        let now = try await now()
        guard report.timestamp <= now.addingTimeInterval(300) else {
            throw .invalidRequest("A meter event's timestamp may be at most 5 minutes ahead.", param: "timestamp")
        }
        try await run {
            try await ledger.transaction { tx in
                if try await tx.find(.meterEvent, idempotencyKey: report.identifier, as: SBMeterEvent.self) != nil { return }
                guard try await tx.exists(.customer, report.customer) else {
                    throw ProviderError.invalidRequest(
                        "No such customer: '\(report.customer)'.",
                        providerCode: "resource_missing",
                        param: "payload[stripe_customer_id]"
                    )
                }
                let event = SBMeterEvent(
                    identifier: report.identifier,
                    customer: report.customer,
                    metric: report.metric,
                    value: report.value,
                    timestamp: report.timestamp
                )
                try await tx.insert(
                    .meterEvent,
                    id: tx.newID(.meterEvent, at: now),
                    idempotencyKey: report.identifier,
                    parent: report.customer,
                    event,
                    at: now
                )
            }
        }
    }

    /// What the customer reported of `metric` in `[start, end)`: the quantity a sum meter holds
    /// (never below zero, as Stripe bills it).
    static func reportedQuantity(_ tx: SandboxLedger.Tx, customer: String, metric: String, start: Date, end: Date) async throws -> Int64 {
        let events = try await tx.all(.meterEvent, parent: customer, as: SBMeterEvent.self)
        let total = events.reduce(Int64(0)) { total, event in
            event.metric == metric && event.timestamp >= start && event.timestamp < end ? total + event.value : total
        }
        return max(0, total)
    }

    /// Whether any of the subscription's items is metered.
    static func billsUsage(_ tx: SandboxLedger.Tx, _ subscription: SBSubscription) async throws -> Bool {
        for item in subscription.allItems where item.quantity == nil {
            if try await tx.get(.price, item.price, as: SBPrice.self)?.metered != nil { return true }
        }
        return false
    }

    /// An invoice's lines: each licensed item at its amount times quantity for the period ahead
    /// (unless `ahead` is false: a final invoice), each metered item at its reported quantity
    /// priced by the price's tiers for `usage`.
    static func invoiceLines(
        _ tx: SandboxLedger.Tx,
        _ subscription: SBSubscription,
        usage: (start: Date, end: Date)?,
        ahead: Bool = true
    ) async throws -> (lines: [ProviderInvoiceLine], currency: Currency) {
        var lines: [ProviderInvoiceLine] = []
        var currency: Currency?
        for item in subscription.allItems {
            guard let price = try await tx.get(.price, item.price, as: SBPrice.self) else { continue }
            currency = currency ?? price.currency
            if let metered = price.metered {
                guard let usage else { continue }
                let quantity = try await reportedQuantity(
                    tx,
                    customer: subscription.customer,
                    metric: metered.metric,
                    start: usage.start,
                    end: usage.end
                )
                let billable = max(0, quantity - metered.includedQuantity)
                lines.append(
                    ProviderInvoiceLine(
                        price: price.id,
                        description: "\(metered.metric): \(quantity) (\(metered.includedQuantity) included)",
                        quantity: quantity,
                        amount: metered.amount(forQuantity: billable),
                        periodStart: usage.start,
                        periodEnd: usage.end
                    )
                )
            } else if ahead {
                let quantity = Int64(item.quantity ?? 1)
                lines.append(
                    ProviderInvoiceLine(
                        price: price.id,
                        description: nil,
                        quantity: quantity,
                        amount: (price.amount ?? 0) * quantity,
                        periodStart: subscription.periodStart,
                        periodEnd: subscription.periodEnd
                    )
                )
            }
        }
        return (lines, currency ?? .usd)
    }

    /// Applies a change's items: an existing item takes a new price or quantity or goes; an item
    /// without id is added. The base price follows the first licensed item.
    static func apply(_ changes: [ProviderItemChange], to subscription: inout SBSubscription, _ tx: SandboxLedger.Tx, now: Date) async throws {
        var items = subscription.allItems
        let interval = try await tx.get(.price, subscription.price, as: SBPrice.self)?.interval
        for (index, change) in changes.enumerated() {
            var price: SBPrice?
            if let id = change.price {
                guard let found = try await tx.get(.price, id, as: SBPrice.self), found.active, found.interval != nil else {
                    throw ProviderError.invalidRequest(
                        "No such active recurring price: '\(id)'.",
                        providerCode: "resource_missing",
                        param: "items[\(index)][price]"
                    )
                }
                price = found
            }
            if let id = change.id {
                guard let position = items.firstIndex(where: { $0.id == id }) else {
                    throw ProviderError.invalidRequest(
                        "No such subscription item: '\(id)'.",
                        providerCode: "resource_missing",
                        param: "items[\(index)][id]"
                    )
                }
                if change.deleted {
                    items.remove(at: position)
                    continue
                }
                if let price {
                    items[position].price = price.id
                    items[position].quantity = price.metered == nil ? change.quantity ?? items[position].quantity ?? 1 : nil
                } else if let quantity = change.quantity, items[position].quantity != nil {
                    items[position].quantity = quantity
                }
            } else {
                guard let price else { throw ProviderError.invalidRequest("A new item needs a price.", param: "items[\(index)][price]") }
                items.append(SBItem(id: tx.newID(.item, at: now), price: price.id, quantity: price.metered == nil ? change.quantity ?? 1 : nil))
            }
        }
        guard !items.isEmpty else { throw ProviderError.invalidRequest("A subscription needs at least one item.", param: "items") }
        var base = items[0]
        for item in items where item.quantity != nil {
            base = item
            break
        }
        if let newInterval = try await tx.get(.price, base.price, as: SBPrice.self)?.interval, let interval, newInterval != interval {
            // Stripe restarts the period when the interval changes; the sandbox does as well.
            subscription.periodStart = now
            subscription.periodEnd = newInterval.advance(now)
        }
        subscription.items = items
        subscription.price = base.price
        subscription.quantity = base.quantity ?? 1
    }
}
