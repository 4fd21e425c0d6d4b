import Foundation
import Hummingbird
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore

extension Dashboard {
    /// Every app at a glance and in total: subscriptions by state, MRR, the last 30 days' money in
    /// and out, and what needs a look; a live app no provider serves stands out.
    @Sendable func overview(_ request: Request, context: Context, session: Session) async throws -> Response {
        let report = try await services.overview.report(days: 30)
        var rows: [[String: Any]] = []
        for row in report.apps {
            var cells = Self.cells(row.figures)
            cells["id"] = row.app.id.rawValue
            cells["name"] = row.app.name
            cells["mode"] = row.app.mode.rawValue
            cells["provider"] = row.provider?.rawValue ?? "none: configure a provider"
            cells["attention"] = row.provider == nil || row.figures.deadDeliveries > 0 || row.figures.failedProviderEvents > 0
            rows.append(cells)
        }
        var charts: [[String: Any]] = []
        for (name, series) in [("MRR at each day's end", report.total.mrrPerDay), ("Payments per day", report.total.paidPerDay)] {
            for currency in series.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                charts.append([
                    "caption": "\(name), \(currency.rawValue.uppercased()), all apps",
                    "svg": Self.barChart(series[currency] ?? [:], days: report.days, since: report.since, currency: currency),
                ])
            }
        }
        return Self.page(
            "overview",
            [
                "title": "Overview", "csrf": session.csrf, "rows": rows, "total": Self.cells(report.total), "days": report.days,
                "since": Self.time(report.since), "charts": charts,
            ]
        )
    }

    /// One row's cells, as the table shows them.
    static func cells(_ figures: AppFigures) -> [String: Any] {
        [
            "active": figures.subscriptions[.active] ?? 0,
            "trialing": figures.subscriptions[.trialing] ?? 0,
            "pastDue": figures.subscriptions[.pastDue] ?? 0,
            "inGrace": figures.openGracePeriods,
            "mrr": money(figures.mrr),
            "payments": figures.paymentsCount == 0 ? "0" : "\(figures.paymentsCount) · \(money(figures.paid))",
            "refunds": figures.refundsCount == 0 ? "0" : "\(figures.refundsCount) · \(money(figures.refunded))",
            "failedPayments": figures.failedPayments,
            "deadDeliveries": figures.deadDeliveries,
            "failedEvents": figures.failedProviderEvents,
        ]
    }

    /// Bars of an amount per day, drawn here (server-rendered SVG: no script, no library). Only
    /// numbers and dates the service formats go into it.
    static func barChart(_ perDay: [Int: Int64], days: Int, since: Date, currency: Currency) -> String {
        let (barWidth, gap, height, top, bottom) = (14, 4, 120, 14, 18)
        let width = days * (barWidth + gap) + gap
        let highest = max(1, perDay.values.max() ?? 1)
        var bars = ""
        for day in 0..<days {
            let amount = perDay[day] ?? 0
            let barHeight = Int((Double(amount) / Double(highest) * Double(height - top - bottom)).rounded())
            let x = gap + day * (barWidth + gap)
            let date = RFC3339.format(since.addingTimeInterval(Double(day) * 86_400)).prefix(10)
            bars +=
                "<rect class=\"bar\" x=\"\(x)\" y=\"\(height - bottom - barHeight)\" width=\"\(barWidth)\" height=\"\(barHeight)\">"
                + "<title>\(date): \(Money(amount, currency).display)</title></rect>"
        }
        let first = RFC3339.format(since).prefix(10)
        let last = RFC3339.format(since.addingTimeInterval(Double(days - 1) * 86_400)).prefix(10)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" \
            aria-label="Amounts per day in \(currency.rawValue)">\(bars)\
            <text x="\(gap)" y="10">max \(Money(highest, currency).display)</text>\
            <text x="\(gap)" y="\(height - 4)">\(first)</text><text x="\(width - gap)" y="\(height - 4)" text-anchor="end">\(last)</text></svg>
            """
    }
}
