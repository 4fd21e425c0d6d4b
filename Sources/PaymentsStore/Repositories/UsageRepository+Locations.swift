import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension UsageRepository {
    /// The property of a usage event that names its location.
    public static let locationProperty = "location_id"

    /// The customer's usage of `metric` in the period starting at `periodStart`, counting only
    /// the events whose `properties.location_id` is `location`: what a per-location limit
    /// compares. Read from the customer's events of that metric and period (the rollups are not
    /// kept per location); entitlement checks cache it.
    public func value(customer: Customer.ID, metric: Metric, periodStart: Date, location: String) async throws -> Double {
        let rows = try await session.db.raw(
            """
            SELECT value, timestamp, properties FROM usage_events
            WHERE app_id = \(bind: appID.rawValue) AND customer_id = \(bind: customer.rawValue) AND metric = \(bind: metric.key)
              AND period_start = \(bind: periodStart.millis)
            """
        ).all()
        var total: (value: Double, last: Int64)?
        var distinct = Set<String>()
        for row in rows {
            let text = try row.decode(column: "properties", as: String.self)
            // Most events of other locations are passed over without parsing.
            guard text.contains(location) else { continue }
            guard case .object(let properties) = try JSONReader.value(of: text),
                properties[Self.locationProperty].flatMap(UsageEvent.distinctValue) == location
            else { continue }
            if metric.aggregation == .uniqueCount {
                if let field = metric.field, let counted = properties[field].flatMap(UsageEvent.distinctValue) { distinct.insert(counted) }
                continue
            }
            let part = (
                value: metric.aggregation.contribution(of: try row.decode(column: "value", as: Double.self)),
                last: try row.decode(column: "timestamp", as: Int64.self)
            )
            total = total.map { (metric.aggregation.combine($0, part), max($0.last, part.last)) } ?? part
        }
        return metric.aggregation == .uniqueCount ? Double(distinct.count) : total?.value ?? 0
    }
}
