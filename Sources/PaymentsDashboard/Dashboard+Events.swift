import Foundation
import Hummingbird
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore

extension Dashboard {
    /// An app's outbound events, newest first, by type; each links to its deliveries.
    @Sendable func eventsPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        let apps = try await services.apps.list(try PageRequest(limit: PageRequest.maximumLimit)).data
        let appID = Self.query(request, "app").flatMap(App.ID.init(parsing:)) ?? apps.first?.id
        let type = Self.query(request, "type")
        var page: [String: Any] = [
            "title": "Events", "csrf": session.csrf,
            "apps": apps.map { ["id": $0.id.rawValue, "name": $0.name, "selected": $0.id == appID] },
            "types": ([""] + Event.Kind.allCases.map(\.rawValue)).map {
                ["value": $0, "label": $0.isEmpty ? "all" : $0, "selected": $0 == (type ?? "")]
            },
        ]
        guard let appID else { return Self.page("events", page) }
        let events = try await services.events.list(
            app: appID,
            afterSequence: nil,
            type: type,
            customer: nil,
            try PageRequest(limit: 50, startingAfter: Self.query(request, "starting_after"))
        )
        page["app"] = appID.rawValue
        page["events"] = events.data.map { event -> [String: Any] in
            [
                "id": event.id.rawValue, "sequence": event.sequence, "type": event.type.rawValue, "objectType": event.objectType.rawValue,
                "object": event.objectID, "at": Self.time(event.createdAt),
            ]
        }
        if events.hasMore, let last = events.data.last {
            page["next"] = "/dashboard/events?app=\(appID.rawValue)&type=\(type ?? "")&starting_after=\(last.id.rawValue)"
        }
        return Self.page("events", page)
    }

    /// Provider events of an app that failed processing (or any status), each with its error; one
    /// can be processed again.
    @Sendable func providerEventsPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        let apps = try await services.apps.list(try PageRequest(limit: PageRequest.maximumLimit)).data
        let appID = Self.query(request, "app").flatMap(App.ID.init(parsing:)) ?? apps.first?.id
        let statusText = Self.query(request, "status") ?? "failed"
        var page: [String: Any] = [
            "title": "Provider events", "csrf": session.csrf,
            "apps": apps.map { ["id": $0.id.rawValue, "name": $0.name, "selected": $0.id == appID] },
            "statuses": (["all"] + ProviderEvent.Status.allCases.map(\.rawValue)).map { ["value": $0, "label": $0, "selected": $0 == statusText] },
        ]
        guard let appID else { return Self.page("provider-events", page) }
        let events = try await services.inbox.events(
            app: appID,
            status: ProviderEvent.Status(rawValue: statusText),
            try PageRequest(limit: 50, startingAfter: Self.query(request, "starting_after"))
        )
        page["app"] = appID.rawValue
        page["events"] = events.data.map { event -> [String: Any] in
            [
                "id": event.id.rawValue, "provider": event.provider.rawValue, "type": event.type, "status": event.status.rawValue,
                "attempts": event.attempts, "error": event.lastError ?? "", "received": Self.time(event.receivedAt),
                "reprocessable": event.status != .processing,
            ]
        }
        if events.hasMore, let last = events.data.last {
            page["next"] = "/dashboard/provider-events?app=\(appID.rawValue)&status=\(statusText)&starting_after=\(last.id.rawValue)"
        }
        return Self.page("provider-events", page)
    }

    @Sendable func confirmReprocess(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let id = try context.parameters.require("event")
        return Self.confirmPage(
            session,
            title: "Reprocess \(id)",
            question: "Process provider event \(id) again? It is read from the provider's current state, as when it arrived.",
            action: "/dashboard/apps/\(app.id.rawValue)/provider-events/\(id)/reprocess",
            button: "Reprocess",
            back: "/dashboard/provider-events?app=\(app.id.rawValue)"
        )
    }

    @Sendable func reprocess(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        _ = try await checkedForm(request, session)
        let event = try await services.inbox.reprocess(app: app.id, try context.parameters.require("event"), origin: Self.origin(context))
        return done(
            session,
            "Provider event \(event.id.rawValue) (\(event.type)) is queued to be processed again.",
            back: "/dashboard/provider-events?app=\(app.id.rawValue)"
        )
    }
}
