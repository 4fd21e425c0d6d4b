import Foundation
import Hummingbird
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore

extension Dashboard {
    @Sendable func appsPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        let page = try await services.apps.list(try PageRequest(limit: 50, startingAfter: Self.query(request, "starting_after")))
        let apps: [[String: Any]] = page.data.map { app in
            [
                "id": app.id.rawValue, "name": app.name, "mode": app.mode.rawValue, "grace": app.gracePeriodDays.map(String.init) ?? "",
                "created": Self.time(app.createdAt),
            ]
        }
        return Self.page(
            "apps",
            ["title": "Apps", "csrf": session.csrf, "apps": apps, "next": page.hasMore ? page.data.last?.id.rawValue as Any : false]
        )
    }

    /// A new app, its secret key shown once on the page that follows.
    @Sendable func createApp(_ request: Request, context: Context, session: Session) async throws -> Response {
        let form = try await checkedForm(request, session)
        guard let mode = App.Mode(rawValue: form["mode"] ?? "") else { throw PaymentsError.invalid("mode", "mode is test or live.") }
        let (app, key, publishable) = try await services.apps.create(name: form["name"] ?? "", mode: mode, origin: Self.origin(context))
        return try await appPage(
            app,
            session: session,
            notice: "App created. Its publishable key: \(publishable.secret.value)",
            secret: key.secret.value
        )
    }

    @Sendable func appPage(_ request: Request, context: Context, session: Session) async throws -> Response {
        try await appPage(try await app(context), session: session, notice: nil, secret: nil)
    }

    func appPage(_ app: App, session: Session, notice: String?, secret: String?) async throws -> Response {
        let now = Date()
        let keys: [[String: Any]] = try await services.apps.keys(of: app.id).map { key in
            let status =
                key.revokedAt != nil
                ? "revoked" : (key.expiresAt.map { $0 <= now } == true ? "expired" : (key.expiresAt.map { "expires \(Self.time($0))" } ?? "active"))
            return [
                "id": key.id.rawValue, "kind": key.kind.rawValue, "last4": key.displayPrefix, "status": status,
                "revocable": key.revokedAt == nil && key.expiresAt.map { $0 > now } ?? true,
            ]
        }
        let providers: [[String: Any]] = try await services.providers.statuses(for: app).map { status in
            [
                "name": status.name.rawValue, "configured": status.configured ? "yes" : "no", "active": status.active ? "yes" : "no",
                "account": status.account ?? "", "detail": status.detail ?? "", "warn": app.mode == .live && !status.configured,
            ]
        }
        var context: [String: Any] = [
            "title": app.name, "csrf": session.csrf, "id": app.id.rawValue, "app": app.id.rawValue, "name": app.name,
            "mode": app.mode.rawValue, "grace": app.gracePeriodDays.map(String.init) ?? "", "keys": keys, "providers": providers,
        ]
        if let notice { context["notice"] = notice }
        if let secret { context["secret"] = secret }
        return Self.page("app", context)
    }

    @Sendable func updateApp(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let form = try await checkedForm(request, session)
        var grace = Patch<Int>.clear
        if let text = form["grace_period_days"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let days = Int(text) else { throw PaymentsError.invalid("grace_period_days", "grace_period_days is a whole number of days.") }
            grace = .set(days)
        }
        let updated = try await services.apps.update(app.id, name: form["name"], gracePeriodDays: grace, origin: Self.origin(context))
        return try await appPage(updated, session: session, notice: "Saved.", secret: nil)
    }

    /// A new key, shown once; the app's current keys of that kind keep working for a day.
    @Sendable func issueKey(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let form = try await checkedForm(request, session)
        guard let kind = APIKey.Kind(rawValue: form["kind"] ?? "secret") else {
            throw PaymentsError.invalid("kind", "kind is secret or publishable.")
        }
        let issued = try await services.apps.rotateKey(of: app.id, kind: kind, overlap: .seconds(86_400), origin: Self.origin(context))
        return try await appPage(
            app,
            session: session,
            notice: "New \(kind.rawValue) key issued; the previous ones work for 24 hours more.",
            secret: issued.secret.value
        )
    }

    @Sendable func confirmRevokeKey(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        let key = try context.parameters.require("key")
        return Self.confirmPage(
            session,
            title: "Revoke key \(key)",
            question: "Revoke key \(key) of \(app.name) now? Requests with it fail from this moment.",
            action: "/dashboard/apps/\(app.id.rawValue)/keys/\(key)/revoke",
            button: "Revoke the key",
            back: "/dashboard/apps/\(app.id.rawValue)"
        )
    }

    @Sendable func revokeKey(_ request: Request, context: Context, session: Session) async throws -> Response {
        let app = try await app(context)
        _ = try await checkedForm(request, session)
        let id = try context.parameters.require("key")
        guard let keyID = APIKey.ID(parsing: id) else { throw PaymentsError.notFound(.apiKeyNotFound, id: id) }
        _ = try await services.apps.revokeKey(keyID, of: app.id, origin: Self.origin(context))
        return try await appPage(app, session: session, notice: "Key \(id) revoked.", secret: nil)
    }

    /// The confirmation step every action goes through: a form that posts the action.
    static func confirmPage(
        _ session: Session,
        title: String,
        question: String,
        action: String,
        button: String,
        back: String,
        fields: [[String: Any]] = [],
        hidden: [[String: Any]] = [],
        choices: [[String: Any]] = []
    ) -> Response {
        page(
            "confirm",
            [
                "title": title, "csrf": session.csrf, "question": question, "action": action, "button": button, "back": back,
                "fields": fields, "hidden": hidden, "choices": choices,
            ]
        )
    }
}
