import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `/v1/providers`, `/v1/provider-accounts/{provider}` and `/v1/test-clock/advance`.
struct ProvidersController: Controller {
    let directory: Providers.Directory
    let accounts: ProviderAccounts.Service
    let testClock: TestClocks.Service

    static let access = Access.app

    static let routes: [Route<Self>] = [
        Route(
            .get,
            "/v1/providers",
            id: "listProviders",
            summary: "Providers this app can use and their capabilities",
            success: .ok(Resources.providers.codec, "Every provider, and which serves the app"),
            handler: list
        ),
        Route(
            .put,
            "/v1/provider-accounts/{provider}",
            id: "putProviderAccount",
            summary: "Set the app's own provider account",
            description: "Secrets are sealed at rest (AES-256-GCM, key from APP_SECRET by HKDF), shown back only as their last 4 "
                + "characters, never logged or audited. Audited as SET_PROVIDER_ACCOUNT.",
            parameters: [PathParameter("provider", .string(allowedValues: ["stripe"]), "The provider whose account this is")],
            success: .upserted(Resources.providerAccount.codec, created: "Set", updated: "Replaced"),
            errors: [.notFound],
            handler: putAccount
        ),
        Route(
            .post,
            "/v1/test-clock/advance",
            id: "advanceTestClock",
            summary: "Move a test-mode app's clock forward",
            description: "Renewals, trial ends, failed renewals and grace expiry that fall due run before it answers. A live-mode app "
                + "has no test clock: 404 `route_not_found`.",
            success: .ok(Resources.testClock.codec, "The app's new time"),
            errors: [.notFound, .unavailable],
            handler: advance
        ),
    ]

    @Sendable func list(_ call: Call<NoBody, NoQuery>) async throws -> [Providers.Directory.Status] {
        try await directory.statuses(for: try call.app())
    }

    @Sendable func putAccount(_ call: Call<AccountInput, NoQuery>) async throws -> Upserted<ProviderAccounts.View> {
        let (view, created) = try await accounts.put(
            app: try call.app(),
            provider: try call.path("provider"),
            secretKey: call.body.secretKey,
            webhookSecrets: call.body.webhookSecrets,
            origin: call.origin
        )
        return Upserted(view, created: created)
    }

    @Sendable func advance(_ call: Call<AdvanceInput, NoQuery>) async throws -> TestClocks.Service.Advanced {
        try await testClock.advance(app: try call.app(), seconds: call.body.seconds, origin: call.origin)
    }

    struct AccountInput: APIInput {
        var secretKey = ""
        var webhookSecrets: [String] = []

        static let shape = Shape<Self>("ProviderAccountInput") {
            Required(
                "secret_key",
                \.secretKey,
                .text(Providers.StripeCredentials.secretKeyRule),
                description: "Must match the app's mode (`provider_mode_mismatch`)"
            )
            Required(
                "webhook_secrets",
                \.webhookSecrets,
                .list(.text(Providers.StripeCredentials.webhookSecretRule), count: Providers.StripeCredentials.webhookSecretCount),
                description: "Newest first; every one is tried, so secrets can rotate"
            )
        }
    }

    struct AdvanceInput: APIInput {
        var seconds: Int64 = 0

        static let shape = Shape<Self>("TestClockAdvance") {
            Required("seconds", \.seconds, .integer(TestClocks.Service.secondsRule), description: "How far to move it (five years at most)")
        }
    }
}
