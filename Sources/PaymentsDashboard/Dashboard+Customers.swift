import Foundation
import Hummingbird
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore

extension Dashboard {
    /// An app's customers matching an external id, a name or an email.
    @Sendable func customersPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let search = Self.query(request, "q")
        let page = try await services.customers.list(
            app: app.id,
            search: search,
            try PageRequest(limit: 50, startingAfter: Self.query(request, "starting_after"))
        )
        let customers: [[String: Any]] = page.data.map { customer in
            [
                "external": customer.externalID, "name": customer.name ?? "", "email": customer.email ?? "",
                "created": Self.time(customer.createdAt),
            ]
        }
        return Self.page(
            "customers",
            [
                "title": "Customers of \(app.name)", "csrf": session.csrf, "app": app.id.rawValue, "q": search ?? "", "customers": customers,
                "next": page.hasMore ? page.data.last?.id.rawValue as Any : false,
            ]
        )
    }

    /// One customer, everything about them: what the app's UI shows, what they pay and paid,
    /// what they may use, their grace periods, and what happened to them (the audit trail).
    @Sendable func customerPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let external = try context.parameters.require("customer")
        let customer = try await services.customers.get(app: app.id, externalID: external)
        let summary = try await services.billingSummaries.summary(app: app.id, externalID: external)
        let page = try PageRequest(limit: 50)
        let subscriptions = try await services.subscriptions.list(app: app.id, customer: external, status: nil, page).data
        let payments = try await services.payments.list(app: app.id, customer: external, page).data
        let invoices = try await services.invoices.list(app: app.id, customer: external, filter: InvoiceFilter(), page).data
        let grace = try await services.gracePeriods.list(app: app.id, customer: external, status: nil, page).data
        let entitlements = try await services.entitlements.entitlements(app: app.id, externalID: external)
        let usage = try await services.usage.usage(app: app.id, externalID: external, metric: nil, window: .current)
        // The trail: what was done to the customer and to each thing of theirs.
        var targets = [customer.id.rawValue]
        targets += subscriptions.map(\.id.rawValue) + payments.map(\.id.rawValue) + invoices.map(\.id.rawValue) + grace.map(\.id.rawValue)
        for payment in payments where payment.amountRefunded > 0 {
            targets += try await services.payments.get(app: app.id, payment.id.rawValue).1.map(\.id.rawValue)
        }
        var trail: [AuditEntry] = []
        for target in targets {
            trail += try await services.audit.list(app: app.id, filter: AuditFilter(targetID: target), try PageRequest(limit: 20)).data
        }
        trail.sort { $0.id.rawValue > $1.id.rawValue }
        let context: [String: Any] = [
            "title": customer.externalID, "csrf": session.csrf, "app": app.id.rawValue, "appName": app.name,
            "name": customer.name ?? "", "email": customer.email ?? "",
            "status": summary.status.rawValue, "plan": summary.planKey ?? false, "period": Self.time(summary.subscription?.currentPeriodEnd),
            "subscriptions": subscriptions.map { subscription -> [String: Any] in
                [
                    "id": subscription.id.rawValue, "status": subscription.status.rawValue, "cancelAtPeriodEnd": subscription.cancelAtPeriodEnd,
                    "items": subscription.items.map { item in
                        "\(item.priceID?.rawValue ?? item.providerPriceID ?? "?")\(item.quantity.map { " × \($0)" } ?? "")"
                    }
                    .joined(separator: ", "),
                    "periodEnd": Self.time(subscription.currentPeriodEnd), "live": subscription.isLive,
                ]
            },
            "payments": payments.map { payment -> [String: Any] in
                [
                    "id": payment.id.rawValue, "description": payment.description ?? "", "amount": payment.amount.display,
                    "refunded": Money(payment.amountRefunded, payment.amount.currency).display, "status": payment.status.rawValue,
                    "created": Self.time(payment.createdAt), "refundable": payment.refundable > 0,
                ]
            },
            "invoices": invoices.map { invoice -> [String: Any] in
                [
                    "id": invoice.id.rawValue, "number": invoice.number ?? "(draft)", "status": invoice.status.rawValue,
                    "collection": invoice.collection.rawValue, "total": Money(invoice.total, invoice.currency).display,
                    "paid": Money(invoice.amountPaid, invoice.currency).display,
                ]
            },
            "features": entitlements.features.map { feature -> [String: Any] in
                [
                    "feature": feature.decision.feature, "allowed": feature.decision.allowed ? "yes" : "no",
                    "reason": feature.decision.reason.rawValue, "limit": feature.decision.limit.map(String.init) ?? "",
                    "usage": feature.decision.usage.map { String($0) } ?? "",
                    "override": feature.override.map {
                        "\($0.enabled.map { $0 ? "granted" : "revoked" } ?? "limit \($0.limit.map(String.init) ?? "")")"
                    } ?? "",
                ]
            },
            "usage": usage.metrics.map { metric -> [String: Any] in
                [
                    "metric": metric.metric.key, "value": Self.number(metric.value), "included": metric.includedQuantity,
                    "billable": metric.billableQuantity, "amount": metric.amount?.display ?? "", "limit": metric.limit.map(String.init) ?? "",
                    "over": metric.limit.map { Double($0) < metric.value } ?? false,
                ]
            },
            "usagePeriod": "\(Self.time(usage.period.start)) – \(Self.time(usage.period.end))",
            "grace": grace.map { period -> [String: Any] in
                [
                    "id": period.id.rawValue, "status": period.status.rawValue, "reason": period.reason.rawValue, "ends": Self.time(period.endsAt),
                    "open": period.status == .open,
                ]
            },
            "audit": trail.prefix(50).map { entry -> [String: Any] in
                ["at": Self.time(entry.createdAt), "actor": entry.actorID, "action": entry.actionType, "target": entry.targetID]
            },
        ]
        return Self.page("customer", context)
    }

    // MARK: Actions, each confirmed first

    @Sendable func confirmRefund(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let (payment, _) = try await services.payments.get(app: app.id, try context.parameters.require("payment"))
        let remaining = Money(payment.refundable, payment.amount.currency)
        return Self.confirmPage(
            session,
            title: "Refund \(payment.id.rawValue)",
            question: "Refund payment \(payment.id.rawValue) of \(payment.customerExternalID) (\(payment.amount.display), "
                + "\(remaining.display) not refunded yet)? The money goes back through \(payment.provider.rawValue).",
            action: "/dashboard/apps/\(app.id.rawValue)/payments/\(payment.id.rawValue)/refund",
            button: "Refund",
            back: "/dashboard/apps/\(app.id.rawValue)/customers/\(payment.customerExternalID)",
            fields: [
                [
                    "label": "Amount in minor units (empty: all \(remaining.display))", "name": "amount", "value": "",
                    "placeholder": "\(remaining.amount)", "numeric": true,
                ]
            ],
            hidden: [["name": "once", "value": UUID().uuidString]],
            choices: Refund.Reason.allCases.map { reason in
                ["name": "reason", "value": reason.rawValue, "label": reason.rawValue, "checked": reason == .requestedByCustomer]
            }
        )
    }

    /// Refunds through the payments service; the form's one-time value is the request's key, so a
    /// form sent twice refunds once.
    @Sendable func refund(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let form = try await checkedForm(request, session)
        var amount: Int64?
        if let text = form["amount"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let value = Int64(text), value > 0 else {
                throw PaymentsError.invalid("amount", "amount is a positive whole number of minor units.")
            }
            amount = value
        }
        let (refund, payment) = try await services.payments.refund(
            app: app,
            payment: try context.parameters.require("payment"),
            amount: amount,
            reason: form["reason"].flatMap(Refund.Reason.init(rawValue:)),
            requestKey: form["once"].map { "dashboard-refund-\($0)" },
            origin: Self.origin(context)
        )
        return done(
            session,
            "Refund \(refund.id.rawValue): \(refund.amount.display), \(refund.status.rawValue).",
            back: "/dashboard/apps/\(app.id.rawValue)/customers/\(payment.customerExternalID)"
        )
    }

    @Sendable func confirmCancel(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let subscription = try await services.subscriptions.get(app: app.id, try context.parameters.require("subscription"))
        return Self.confirmPage(
            session,
            title: "Cancel \(subscription.id.rawValue)",
            question: "Cancel subscription \(subscription.id.rawValue) of \(subscription.customerExternalID) (\(subscription.status.rawValue))?",
            action: "/dashboard/apps/\(app.id.rawValue)/subscriptions/\(subscription.id.rawValue)/cancel",
            button: "Cancel the subscription",
            back: "/dashboard/apps/\(app.id.rawValue)/customers/\(subscription.customerExternalID)",
            choices: [
                ["name": "when", "value": "period_end", "label": "At the end of the current period", "checked": true],
                ["name": "when", "value": "now", "label": "Now", "checked": false],
            ]
        )
    }

    @Sendable func cancel(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let form = try await checkedForm(request, session)
        let subscription = try await services.subscriptions.cancel(
            app: app,
            try context.parameters.require("subscription"),
            atPeriodEnd: form["when"] != "now",
            requestKey: nil,
            origin: Self.origin(context)
        )
        return done(
            session,
            subscription.cancelAtPeriodEnd
                ? "Subscription \(subscription.id.rawValue) cancels at the end of its period."
                : "Subscription \(subscription.id.rawValue) is \(subscription.status.rawValue).",
            back: "/dashboard/apps/\(app.id.rawValue)/customers/\(subscription.customerExternalID)"
        )
    }

    @Sendable func confirmResolve(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let id = try context.parameters.require("grace")
        return Self.confirmPage(
            session,
            title: "Resolve \(id)",
            question: "Close grace period \(id) as resolved? Access no longer depends on it.",
            action: "/dashboard/apps/\(app.id.rawValue)/grace-periods/\(id)/resolve",
            button: "Resolve",
            back: "/dashboard/apps/\(app.id.rawValue)",
            fields: [["label": "Reason", "name": "reason", "value": "", "placeholder": "paid by bank transfer"]]
        )
    }

    @Sendable func resolve(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let form = try await checkedForm(request, session)
        let reason = form["reason"].flatMap { $0.isEmpty ? nil : $0 }
        let period = try await services.gracePeriods.resolve(
            app: app.id,
            try context.parameters.require("grace"),
            reason: reason,
            origin: Self.origin(context)
        )
        return done(
            session,
            "Grace period \(period.id.rawValue) is \(period.status.rawValue).",
            back: "/dashboard/apps/\(app.id.rawValue)/customers/\(period.customerExternalID)"
        )
    }

    /// A usage value: whole numbers without a fraction.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    func done(_ session: Session, _ text: String, back: String) -> Response {
        Self.page("message", ["title": "Done", "csrf": session.csrf, "notice": text, "back": back])
    }
}
