import Hummingbird
import PaymentsDomain
import PaymentsServices
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/admin/v1`: apps, their keys, any app's audit log. Admin token only.
struct AdminController {
    let apps: Apps.Service
    let audit: AuditLog.Service
    let clock: Clock

    func addRoutes(to routes: Routes) {
        routes.add(.post, "apps", createApp)
        routes.add(.get, "apps", listApps)
        routes.add(.get, "apps/:app_id", getApp)
        routes.add(.patch, "apps/:app_id", updateApp)
        routes.add(.get, "apps/:app_id/keys", listKeys)
        routes.add(.post, "apps/:app_id/keys", rotateKey)
        routes.add(.delete, "apps/:app_id/keys/:key_id", revokeKey)
        routes.add(.get, "audit-logs", auditLogs)
    }

    @Sendable func createApp(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let body = try await APIDecoding.decode(CreateAppRequest.self, from: request)
        let (app, issued) = try await apps.create(
            name: body.name, mode: body.mode, gracePeriodDays: body.gracePeriodDays, origin: context.origin)
        return try APIEncoding.response(
            CreatedAppResponse(app: AppResponse(app), key: KeyResponse(issued.key, now: clock.now(), secret: issued.secret)),
            status: .created)
    }

    @Sendable func listApps(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        var query = QueryReader(request)
        let page = try query.page()
        try query.finish()
        return try APIEncoding.response(ListResponse(try await apps.list(page), AppResponse.init))
    }

    @Sendable func getApp(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        try APIEncoding.response(AppResponse(try await apps.get(try appID(context))))
    }

    @Sendable func updateApp(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let body = try await APIDecoding.decode(UpdateAppRequest.self, from: request)
        let app = try await apps.update(try appID(context), name: body.name, gracePeriodDays: body.gracePeriodDays, origin: context.origin)
        return try APIEncoding.response(AppResponse(app))
    }

    @Sendable func listKeys(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let keys = try await apps.keys(of: try appID(context))
        let now = clock.now()
        return try APIEncoding.response(
            ListResponse(Page(data: keys, hasMore: false)) { KeyResponse($0, now: now, secret: nil) })
    }

    @Sendable func rotateKey(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try appID(context)
        let body = try await APIDecoding.decode(RotateKeyRequest.self, from: request)
        let issued = try await apps.rotateKey(
            of: id, overlap: .seconds(body.expires_in ?? 86_400), origin: context.origin)
        return try APIEncoding.response(KeyResponse(issued.key, now: clock.now(), secret: issued.secret), status: .created)
    }

    @Sendable func revokeKey(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let id = try appID(context)
        let keyID = try context.parameters.decoded("key_id")
        guard let parsed = APIKey.ID(parsing: keyID) else { throw PaymentsError.notFound(.apiKeyNotFound, id: keyID) }
        let key = try await apps.revokeKey(parsed, of: id, origin: context.origin)
        return try APIEncoding.response(KeyResponse(key, now: clock.now(), secret: nil))
    }

    @Sendable func auditLogs(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        var query = QueryReader(request)
        guard let raw = query.string("app_id") else { throw PaymentsError.missing("app_id") }
        let (filter, page) = try AuditLogsController.read(&query)
        try query.finish()
        guard let id = App.ID(parsing: raw) else { throw PaymentsError.notFound(.appNotFound, id: raw) }
        _ = try await apps.get(id)
        return try APIEncoding.response(ListResponse(try await audit.list(app: id, filter: filter, page), AuditEntryResponse.init))
    }

    private func appID(_ context: PaymentsRequestContext) throws -> App.ID {
        let raw = try context.parameters.decoded("app_id")
        guard let id = App.ID(parsing: raw) else { throw PaymentsError.notFound(.appNotFound, id: raw) }
        return id
    }

    struct CreateAppRequest: StrictDecodable {
        let name: String
        let mode: App.Mode
        let gracePeriodDays: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, mode, grace_period_days }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            let mode = try container.decode(String.self, forKey: .mode)
            guard let parsed = App.Mode(rawValue: mode) else {
                throw PaymentsError.invalid("mode", "mode must be 'test' or 'live'.")
            }
            self.mode = parsed
            gracePeriodDays = try container.decodePresent(Int.self, forKey: .grace_period_days)
        }
    }

    struct UpdateAppRequest: Decodable {
        let name: String?
        let gracePeriodDays: Patch<Int>

        enum CodingKeys: String, CodingKey, CaseIterable { case name, grace_period_days }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodePresent(String.self, forKey: .name)
            gracePeriodDays = try container.decodePatch(Int.self, forKey: .grace_period_days)
        }
    }

    struct RotateKeyRequest: StrictDecodable {
        /// Seconds the app's current keys keep working; 0 ends them now. Default 86400 (24 h).
        let expires_in: Int64?

        enum CodingKeys: String, CodingKey, CaseIterable { case expires_in }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            expires_in = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int64.self, forKey: .expires_in)
        }
    }

    struct AppResponse: Encodable, Sendable {
        let id: String
        let object = "app"
        let name: String
        let mode: String
        /// null: 7 days.
        @Nullable var grace_period_days: Int?
        let created_at: Date

        init(_ app: App) {
            id = app.id.rawValue
            name = app.name
            mode = app.mode.rawValue
            grace_period_days = app.gracePeriodDays
            created_at = app.createdAt
        }
    }

    /// A key; `api_key` (the secret) is present only in the response that created it.
    struct KeyResponse: Encodable, Sendable {
        let id: String
        let object = "api_key"
        let app_id: String
        let prefix: String
        let state: String
        let created_at: Date
        let expires_at: Date?
        let revoked_at: Date?
        let api_key: String?

        init(_ key: APIKey, now: Date, secret: Secret<String>?) {
            id = key.id.rawValue
            app_id = key.appID.rawValue
            prefix = key.displayPrefix
            state = key.state(at: now).rawValue
            created_at = key.createdAt
            expires_at = key.expiresAt
            revoked_at = key.revokedAt
            api_key = secret?.value
        }
    }

    /// The app and its first key, as `POST /admin/v1/apps` answers: the app's fields with
    /// `api_key` (shown this once) and `api_key_id`.
    struct CreatedAppResponse: Encodable, Sendable {
        let app: AppResponse
        let key: KeyResponse

        enum CodingKeys: String, CodingKey { case id, object, name, mode, grace_period_days, created_at, api_key, api_key_id }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(app.id, forKey: .id)
            try container.encode(app.object, forKey: .object)
            try container.encode(app.name, forKey: .name)
            try container.encode(app.mode, forKey: .mode)
            try container.encode(app.grace_period_days, forKey: .grace_period_days)
            try container.encode(app.created_at, forKey: .created_at)
            try container.encode(key.api_key, forKey: .api_key)
            try container.encode(key.id, forKey: .api_key_id)
        }
    }
}
