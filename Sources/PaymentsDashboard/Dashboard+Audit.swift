import Foundation
import Hummingbird
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore

extension Dashboard {
    /// An app's audit log, filtered by actor, action, target and time; verify its chain.
    @Sendable func auditPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        try await auditPage(request, session: session, app: Self.query(request, "app"), verification: nil)
    }

    func auditPage(_ request: Request, session: Session, app requested: String?, verification: [String: Any]?) async throws -> Response {
        let apps = try await services.apps.list(try PageRequest(limit: PageRequest.maximumLimit)).data
        let appID = requested.flatMap(App.ID.init(parsing:)) ?? apps.first?.id
        var context: [String: Any] = [
            "title": "Audit log", "csrf": session.csrf,
            "apps": apps.map { ["id": $0.id.rawValue, "name": $0.name, "selected": $0.id == appID] },
        ]
        let (actor, action, target) = (Self.query(request, "actor"), Self.query(request, "action"), Self.query(request, "target"))
        let (from, to) = (Self.query(request, "from"), Self.query(request, "to"))
        context["actor"] = actor ?? ""
        context["action"] = action ?? ""
        context["target"] = target ?? ""
        context["from"] = from ?? ""
        context["to"] = to ?? ""
        if let verification { context["verification"] = verification }
        guard let appID else { return Self.page("audit", context) }
        let app = try await services.apps.get(appID)
        context["app"] = app.id.rawValue
        let filter = AuditFilter(
            actionType: action,
            targetID: target,
            actorID: actor,
            createdGTE: try from.map { try Self.day($0, param: "from") },
            createdLT: try to.map { try Self.day($0, param: "to").addingTimeInterval(86_400) }
        )
        let page = try await services.audit.list(
            app: app.id,
            filter: filter,
            try PageRequest(limit: 50, startingAfter: Self.query(request, "starting_after"))
        )
        context["entries"] = page.data.map { entry -> [String: Any] in
            [
                "at": Self.time(entry.createdAt), "sequence": entry.seal.map { String($0.sequence) } ?? "(sealing)", "actor": entry.actorID,
                "action": entry.actionType, "targetType": entry.targetType, "target": entry.targetID,
            ]
        }
        if page.hasMore, let last = page.data.last {
            var query = ["app=\(app.id.rawValue)", "starting_after=\(last.id.rawValue)"]
            for (name, value) in [("actor", actor), ("action", action), ("target", target), ("from", from), ("to", to)] {
                if let value, let escaped = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { query.append("\(name)=\(escaped)") }
            }
            context["next"] = "/dashboard/audit?" + query.joined(separator: "&")
        }
        return Self.page("audit", context)
    }

    /// Runs the same check as `payments audit verify` and shows the first broken link, if any.
    @Sendable func verify(_ request: Request, context: Context, session: Session) async throws -> Response {
        let form = try await checkedForm(request, session)
        let id = form["app"] ?? ""
        guard let appID = App.ID(parsing: id) else { throw PaymentsError.notFound(.appNotFound, id: id) }
        let app = try await services.apps.get(appID)
        let result = try await services.audit.verify(app: app.id)
        var text: String
        if let broken = result.firstBreak {
            text = "Broken at entry \(broken.sequence) (\(broken.entryID)): \(broken.reason). \(result.entries) entries before it verified."
        } else {
            text = "The chain verifies: \(result.entries) entries, every link intact."
        }
        if result.unsealed > 0 { text += " \(result.unsealed) entries are not sealed yet." }
        return try await auditPage(request, session: session, app: app.id.rawValue, verification: ["text": text, "broken": result.firstBreak != nil])
    }

    static func day(_ text: String, param: String) throws -> Date {
        guard let date = RFC3339.parse("\(text)T00:00:00Z") else { throw PaymentsError.invalid(param, "\(param) is a date, YYYY-MM-DD.") }
        return date
    }

    // MARK: Event deliveries

    /// An app's deliveries of events to its endpoints, dead ones first by default, each with its
    /// last attempt; a dead one can be sent again.
    @Sendable func deliveriesPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        let apps = try await services.apps.list(try PageRequest(limit: PageRequest.maximumLimit)).data
        let appID = Self.query(request, "app").flatMap(App.ID.init(parsing:)) ?? apps.first?.id
        let statusText = Self.query(request, "status") ?? "dead"
        let status = EventDelivery.Status(rawValue: statusText)
        var context: [String: Any] = [
            "title": "Event deliveries", "csrf": session.csrf,
            "apps": apps.map { ["id": $0.id.rawValue, "name": $0.name, "selected": $0.id == appID] },
            "statuses": (["all"] + EventDelivery.Status.allCases.map(\.rawValue)).map { ["value": $0, "label": $0, "selected": $0 == statusText] },
        ]
        guard let appID else { return Self.page("deliveries", context) }
        let event = Self.query(request, "event")
        let page = try await services.events.deliveries(
            app: appID,
            status: status,
            endpoint: nil,
            event: event,
            try PageRequest(limit: 50, startingAfter: Self.query(request, "starting_after"))
        )
        context["app"] = appID.rawValue
        context["deliveries"] = page.data.map { delivery -> [String: Any] in
            [
                "id": delivery.id.rawValue, "event": delivery.eventID.rawValue, "status": delivery.status.rawValue, "attempts": delivery.attempts,
                "lastAttempt": delivery.lastAttemptAt.map { Self.time($0) } ?? false,
                "lastResult": delivery.lastResponseStatus.map { "HTTP \($0)" } ?? delivery.lastError ?? "",
                "dead": delivery.status == .dead,
            ]
        }
        if page.hasMore, let last = page.data.last {
            context["next"] =
                "/dashboard/deliveries?app=\(appID.rawValue)&status=\(statusText)&event=\(event ?? "")&starting_after=\(last.id.rawValue)"
        }
        return Self.page("deliveries", context)
    }

    @Sendable func confirmRetry(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let delivery = try await services.events.delivery(app: app.id, try context.parameters.require("delivery"))
        return Self.confirmPage(
            session,
            title: "Retry \(delivery.id.rawValue)",
            question: "Send event \(delivery.eventID.rawValue) to its endpoint again (\(delivery.attempts) attempts so far)?",
            action: "/dashboard/apps/\(app.id.rawValue)/deliveries/\(delivery.id.rawValue)/retry",
            button: "Retry",
            back: "/dashboard/deliveries?app=\(app.id.rawValue)"
        )
    }

    @Sendable func retry(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        _ = try await checkedForm(request, session)
        let delivery = try await services.events.retry(app: app.id, try context.parameters.require("delivery"), origin: Self.origin(context))
        return done(
            session,
            "Delivery \(delivery.id.rawValue) is \(delivery.status.rawValue): it is sent again shortly.",
            back: "/dashboard/deliveries?app=\(app.id.rawValue)"
        )
    }
}
