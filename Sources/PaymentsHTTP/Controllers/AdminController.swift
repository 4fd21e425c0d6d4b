import PaymentsContract
import PaymentsDomain
import PaymentsServices
import PaymentsStore

/// `/admin/v1`: apps, their keys, any app's audit log. Admin token only.
struct AdminController: Controller {
    let apps: Apps.Service
    let audit: AuditLog.Service
    let clock: Clock

    static let access = Access.admin
    static let appID = PathParameter("app_id", .string(pattern: TypedID<App>.pattern), "The app's id (app_...)")

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/admin/v1/apps",
            id: "createApp",
            summary: "Create an app and its first key",
            success: .created(Resources.createdApp.codec, "The app, with its key shown this once"),
            handler: createApp
        ),
        Route(
            .get,
            "/admin/v1/apps",
            id: "listApps",
            summary: "Apps, newest first",
            success: .ok(Resources.app.list, "A page"),
            handler: listApps
        ),
        Route(
            .get,
            "/admin/v1/apps/{app_id}",
            id: "getApp",
            summary: "An app",
            parameters: [appID],
            success: .ok(Resources.app.codec, "The app"),
            errors: [.notFound],
            handler: getApp
        ),
        Route(
            .patch,
            "/admin/v1/apps/{app_id}",
            id: "updateApp",
            summary: "Rename an app or set its default grace period",
            parameters: [appID],
            success: .ok(Resources.app.codec, "The app"),
            errors: [.notFound],
            handler: updateApp
        ),
        Route(
            .get,
            "/admin/v1/apps/{app_id}/keys",
            id: "listKeys",
            summary: "The app's keys (never their secrets)",
            parameters: [appID],
            success: .ok(Resources.apiKey.list, "All keys"),
            errors: [.notFound],
            handler: listKeys
        ),
        Route(
            .post,
            "/admin/v1/apps/{app_id}/keys",
            id: "rotateKey",
            summary: "Issue a new key; the current keys keep working for the overlap",
            parameters: [appID],
            success: .created(Resources.apiKey.codec, "The new key, its secret shown this once"),
            errors: [.notFound],
            handler: rotateKey
        ),
        Route(
            .delete,
            "/admin/v1/apps/{app_id}/keys/{key_id}",
            id: "revokeKey",
            summary: "Revoke a key at once",
            parameters: [appID, PathParameter("key_id", .string(pattern: TypedID<APIKey>.pattern), "The key's id (key_...)")],
            success: .ok(Resources.apiKey.codec, "The revoked key"),
            errors: [.notFound],
            handler: revokeKey
        ),
        Route(
            .get,
            "/admin/v1/audit-logs",
            id: "adminListAuditLogs",
            summary: "Any app's audit trail",
            success: .ok(Resources.auditEntry.list, "A page"),
            errors: [.notFound],
            handler: auditLogs
        ),
    ]

    @Sendable func createApp(_ call: Call<AppInput, NoQuery>) async throws -> Resources.CreatedApp {
        let (app, issued, publishable) = try await apps.create(
            name: call.body.name,
            mode: call.body.mode,
            gracePeriodDays: call.body.gracePeriodDays,
            origin: call.origin
        )
        return Resources.CreatedApp(
            app: app,
            key: issued.key,
            secret: issued.secret,
            publishable: publishable.key,
            publishableSecret: publishable.secret
        )
    }

    @Sendable func listApps(_ call: Call<NoBody, ListQuery>) async throws -> Page<App> {
        try await apps.list(call.query.page)
    }

    @Sendable func getApp(_ call: Call<NoBody, NoQuery>) async throws -> App {
        try await apps.get(try appID(call))
    }

    @Sendable func updateApp(_ call: Call<AppUpdate, NoQuery>) async throws -> App {
        try await apps.update(try appID(call), name: call.body.name, gracePeriodDays: call.body.gracePeriodDays, origin: call.origin)
    }

    @Sendable func listKeys(_ call: Call<NoBody, NoQuery>) async throws -> Page<Resources.KeyView> {
        let keys = try await apps.keys(of: try appID(call))
        let now = clock.now()
        return Page(data: keys.map { Resources.KeyView($0, now: now) }, hasMore: false)
    }

    @Sendable func rotateKey(_ call: Call<RotateInput, NoQuery>) async throws -> Resources.KeyView {
        let issued = try await apps.rotateKey(
            of: try appID(call),
            kind: call.body.kind ?? .secret,
            overlap: .seconds(call.body.expiresIn ?? 86_400),
            origin: call.origin
        )
        return Resources.KeyView(issued.key, now: clock.now(), secret: issued.secret)
    }

    @Sendable func revokeKey(_ call: Call<NoBody, NoQuery>) async throws -> Resources.KeyView {
        let id = try appID(call)
        let raw = try call.path("key_id")
        guard let keyID = APIKey.ID(parsing: raw) else { throw PaymentsError.notFound(.apiKeyNotFound, id: raw) }
        return Resources.KeyView(try await apps.revokeKey(keyID, of: id, origin: call.origin), now: clock.now())
    }

    @Sendable func auditLogs(_ call: Call<NoBody, AdminAuditQuery>) async throws -> Page<AuditEntry> {
        let query = call.query
        guard let raw = query.appID else { throw PaymentsError.missing("app_id") }
        guard let id = App.ID(parsing: raw) else { throw PaymentsError.notFound(.appNotFound, id: raw) }
        _ = try await apps.get(id)
        return try await audit.list(app: id, filter: query.audit.filter, query.audit.page)
    }

    private func appID<Body, Query>(_ call: Call<Body, Query>) throws -> App.ID {
        let raw = try call.path("app_id")
        guard let id = App.ID(parsing: raw) else { throw PaymentsError.notFound(.appNotFound, id: raw) }
        return id
    }

    struct ListQuery: APIQuery {
        var page = PageRequest.first
        static let query = QueryShape<Self> { PageParameters(\.page, of: App.self) }
    }

    /// The app's audit filters, and the app.
    struct AdminAuditQuery: APIQuery {
        var appID: String?
        var audit = AuditQuery()

        static let query = QueryShape<Self> {
            RequiredParameter("app_id", \.appID, .text(TextRule(length: 1...255)), description: "The app whose trail to read (app_...)")
            AuditQuery.filters.map { $0.from(\.audit) }
        }
    }

    struct AppInput: APIInput {
        var name = ""
        var mode = App.Mode.test
        var gracePeriodDays: Int?

        static let shape = Shape<Self>("AppInput") {
            Required("name", \.name, .text(App.nameRule), description: "Leading and trailing spaces are trimmed.")
            Required("mode", \.mode, .enumeration, description: "Fixed for the app's life")
            Omittable(
                "grace_period_days",
                \.gracePeriodDays,
                .integer(GracePeriod.daysRule),
                description: "Default grace period length in days for plans without one (else \(GracePeriod.defaultDays))."
            )
        }
    }

    struct AppUpdate: APIInput {
        var name: String?
        var gracePeriodDays = Patch<Int>.unchanged

        static let shape = Shape<Self>("AppUpdate") {
            Omittable("name", \.name, .text(App.nameRule))
            Clearable(
                "grace_period_days",
                \.gracePeriodDays,
                .integer(GracePeriod.daysRule),
                description: "null: back to \(GracePeriod.defaultDays) days"
            )
        }
    }

    struct RotateInput: APIInput {
        var expiresIn: Int64?
        var kind: APIKey.Kind?

        static let shape = Shape<Self>("KeyRotation") {
            Nullable("kind", \.kind, .enumeration, description: "secret (the default) or publishable")
            Nullable(
                "expires_in",
                \.expiresIn,
                .integer(APIKey.overlapRule),
                description: "Seconds the current keys keep working; 0 ends them now; null or absent means 86400."
            )
        }
    }
}
