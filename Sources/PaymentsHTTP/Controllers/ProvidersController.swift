import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/v1/providers`, `/v1/provider-accounts/{provider}` and `/v1/test-clock/advance`.
struct ProvidersController {
    let directory: Providers.Directory
    let accounts: ProviderAccounts.Service
    let testClock: TestClocks.Service

    func addRoutes(to routes: Routes) {
        routes.add(.get, "providers", list)
        routes.add(.put, "provider-accounts/:provider", putAccount)
        routes.add(.post, "test-clock/advance", advance)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        try QueryReader(request).finish()
        let statuses = try await directory.statuses(for: app)
        return try APIEncoding.response(ProvidersResponse(data: statuses.map(ProviderResponse.init)))
    }

    @Sendable func putAccount(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        let body = try await APIDecoding.decodeStrict(AccountRequest.self, from: request)
        let (view, created) = try await accounts.put(
            app: app, provider: try context.parameters.decoded("provider"), secretKey: body.secret_key,
            webhookSecrets: body.webhook_secrets, origin: context.origin)
        return try APIEncoding.response(
            AccountResponse(
                provider: view.provider.rawValue, secret_key_last4: view.secretKeyLast4,
                webhook_secrets_last4: view.webhookSecretsLast4, created_at: view.createdAt, updated_at: view.updatedAt),
            status: created ? .created : .ok)
    }

    @Sendable func advance(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        guard app.mode == .test else {
            throw PaymentsError(.notFound, code: .routeNotFound, message: "Unrecognized request URL (test clocks exist for test-mode apps only).")
        }
        let body = try await APIDecoding.decodeStrict(AdvanceRequest.self, from: request)
        let advanced = try await testClock.advance(app: app, seconds: body.seconds, origin: context.origin)
        return try APIEncoding.response(
            TestClockResponse(
                now: advanced.now, offset_seconds: advanced.offsetSeconds, subscriptions_updated: advanced.subscriptionsUpdated))
    }

    struct AccountRequest: StrictDecodable {
        let secret_key: String
        let webhook_secrets: [String]

        enum CodingKeys: String, CodingKey, CaseIterable { case secret_key, webhook_secrets }
    }

    struct AdvanceRequest: StrictDecodable {
        let seconds: Int64

        enum CodingKeys: String, CodingKey, CaseIterable { case seconds }
    }
}

struct ProvidersResponse: Encodable, Sendable {
    let object = "list"
    let data: [ProviderResponse]
}

struct ProviderResponse: Encodable, Sendable {
    let name: String
    let object = "provider"
    let configured: Bool
    /// Whether this provider serves the app's requests now.
    let active: Bool
    @Nullable var account: String?
    let capabilities: [String]
    @Nullable var secret_key_last4: String?
    @Nullable var detail: String?

    init(_ status: Providers.Directory.Status) {
        name = status.name.rawValue
        configured = status.configured
        active = status.active
        account = status.account
        capabilities = status.capabilities.map(\.rawValue)
        secret_key_last4 = status.secretKeyLast4
        detail = status.detail
    }
}

struct AccountResponse: Encodable, Sendable {
    let object = "provider_account"
    let provider: String
    let secret_key_last4: String
    let webhook_secrets_last4: [String]
    let created_at: Date
    let updated_at: Date
}

struct TestClockResponse: Encodable, Sendable {
    let object = "test_clock"
    let now: Date
    let offset_seconds: Int64
    let subscriptions_updated: Int
}
