import Hummingbird
import Logging
import PaymentsDomain
import PaymentsHTTP
import PaymentsSandbox
import PaymentsStripe
import AsyncHTTPClient
import PaymentsServices
import PaymentsStore
import PaymentsWorkers
import Prometheus
import ServiceLifecycle

import Foundation

/// Opens the configured database (creating the SQLite directory if needed).
public func openStore(_ configuration: Configuration, logger: Logger, clock: Clock = .system) async throws -> Store {
    let backend: any StoreBackend
    switch configuration.database {
    case .sqlite(let path):
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        backend = try await SQLiteBackend.open(path: path, logger: logger)
    case .postgres(let url):
        backend = try await PostgresBackend.connect(url: url, logger: logger)
    }
    return Store(backend: backend, clock: clock)
}

/// Checks, before serving, what cannot be checked from the environment alone: the schema is
/// current, and a deployment with live apps is not running on generated development secrets.
public func prepare(_ store: Store, _ configuration: Configuration, logger: Logger) async throws {
    let migrator = Migrator(backend: store.backend, logger: logger)
    if configuration.migrateOnStart {
        try await migrator.migrate()
    } else {
        let pending = try await migrator.pendingVersions()
        guard pending.isEmpty else {
            throw ConfigurationError("migrations \(pending) are pending: run 'payments migrate' (MIGRATE_ON_START=false).")
        }
    }
    let (hasLive, hasApps) = try await store.read { session in
        (try await session.apps.anyLive(), !(try await session.apps.list(try PageRequest(limit: 1))).data.isEmpty)
    }
    if hasLive && configuration.generatedSecrets {
        throw ConfigurationError(
            "a live-mode app exists: APP_SECRET and ADMIN_TOKEN must be set in the environment, not generated.")
    }
    for notice in configuration.notices { logger.notice("\(notice)") }
    if !hasApps {
        logger.notice("No apps yet. Create the first one with: payments apps create --name NAME --mode test")
    }
}

/// Builds the HTTP application and the workers that run beside it.
/// - Parameters:
///   - runWorkers: whether background workers run in this process (`serve` does by default).
public func buildApplication(
    configuration: Configuration, store: Store, logger: Logger, runWorkers: Bool = true
) -> some ApplicationProtocol {
    let secrets = SecretBox(appSecret: configuration.appSecret)
    var dependencies = APIDependencies(
        store: store, adminToken: configuration.adminToken,
        metrics: HTTPMetrics(registry: PrometheusCollectorRegistry()),
        providers: providerDirectory(configuration: configuration, store: store, secrets: secrets, logger: logger),
        secrets: secrets)
    dependencies.webhooks = providerWebhooks(configuration)
    dependencies.bodyLimit = configuration.bodyLimit
    dependencies.keyCacheTTL = configuration.keyCacheTTL
    let (router, _) = buildRouter(dependencies)
    let workers: [any Service] =
        runWorkers ? backgroundWorkers(configuration: configuration, store: store, providers: dependencies.providers, logger: logger) : []
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: workers,
        logger: logger)
}

/// The process's HTTP client for Stripe: connections fail fast (5 s), answers may take 30 s.
/// Process-wide, as AsyncHTTPClient's own shared client is, so it is never shut down.
let stripeHTTPClient = HTTPClient(
    eventLoopGroupProvider: .singleton,
    configuration: HTTPClient.Configuration(
        timeout: .init(connect: .seconds(5), read: .seconds(30)), decompression: .disabled))

/// Which provider serves each app: its own Stripe account, the platform's, or the sandbox.
public func providerDirectory(configuration: Configuration, store: Store, secrets: SecretBox, logger: Logger) -> Providers.Directory {
    let publicURL = configuration.publicURL
    let transport = StripeTransport.live(client: stripeHTTPClient, baseURL: configuration.stripeAPIBase)
    return Providers.Directory(
        store: store, secrets: secrets,
        platformStripe: configuration.stripeSecretKey.map {
            Providers.StripeCredentials(secretKey: $0, webhookSecrets: configuration.stripeWebhookSecrets)
        },
        makeStripe: { credentials, account in
            StripeProvider(secretKey: credentials.secretKey, account: account, transport: transport, logger: logger)
        },
        makeSandbox: { app, now in
            SandboxProvider(backend: store.backend, appID: app.id, ids: store.ids, publicURL: publicURL, now: now)
        })
}

/// Checks every provider account the deployment has: the platform's Stripe key and each app's
/// own, by a harmless call (`GET /v1/balance`). - Returns: one line per account, and whether all
/// passed.
public func checkProviders(configuration: Configuration, store: Store, logger: Logger) async -> (lines: [String], ok: Bool) {
    let directory = providerDirectory(
        configuration: configuration, store: store, secrets: SecretBox(appSecret: configuration.appSecret), logger: logger)
    var lines = ["sandbox: built in (serves apps without a Stripe account)"]
    var ok = true
    func check(_ label: String, _ credentials: Providers.StripeCredentials, account: String) async {
        let provider = StripeProvider(secretKey: credentials.secretKey, account: account,
                                      transport: .live(client: stripeHTTPClient, baseURL: configuration.stripeAPIBase), logger: logger)
        let key = "…" + credentials.secretKey.value.suffix(4)
        do {
            try await provider.checkCredentials()
            lines.append("\(label) (\(key), \(credentials.webhookSecrets.count) webhook secret(s)): ok")
        } catch {
            lines.append("\(label) (\(key)): FAILED (\(error.message))")
            ok = false
        }
    }
    if let key = configuration.stripeSecretKey {
        await check("stripe platform account", .init(secretKey: key, webhookSecrets: configuration.stripeWebhookSecrets), account: "platform")
    } else {
        lines.append("stripe platform account: not configured (STRIPE_SECRET_KEY unset)")
    }
    do {
        var page = try PageRequest(limit: 100)
        while true {
            let apps = try await store.read { [page] in try await $0.apps.list(page) }
            for app in apps.data {
                do {
                    if let own = try await directory.ownStripe(app) {
                        await check("stripe account of \(app.id) (\(app.name))", own, account: app.id.rawValue)
                    } else if app.mode == .live, !directory.platformServes(app) {
                        lines.append(
                            "live app \(app.id) (\(app.name)): NO PROVIDER — its money routes answer provider_not_configured. "
                                + PaymentsError.configureProvider)
                        ok = false
                    }
                } catch {
                    lines.append("stripe account of \(app.id): FAILED (\(error))")
                    ok = false
                }
            }
            guard apps.hasMore, let last = apps.data.last else { break }
            page = try PageRequest(limit: 100, startingAfter: last.id.rawValue)
        }
    } catch {
        lines.append("provider accounts: FAILED (\(error))")
        ok = false
    }
    return (lines, ok)
}

/// How each provider's webhooks are verified and read.
public func providerWebhooks(_ configuration: Configuration) -> [ProviderName: ProviderWebhooks] {
    let tolerance = configuration.stripeWebhookTolerance
    return [
        .stripe: ProviderWebhooks(
            verify: { payload, header, secrets, now in
                try StripeWebhookSignature.verify(payload: payload, header: header, secrets: secrets, tolerance: tolerance, now: now)
            },
            identify: StripeWebhooks.identify, interpret: StripeWebhooks.interpret),
        // The sandbox writes its events straight into the inbox: nothing to verify.
        .sandbox: ProviderWebhooks(verify: { _, _, _, _ in }, interpret: SandboxProvider.interpret),
    ]
}

/// Every background worker: housekeeping, grace expiry, the inbox, the outbox (with a listener
/// that wakes it when another instance commits deliveries), and the reconciliation of provider
/// operations.
func backgroundWorkers(configuration: Configuration, store: Store, providers: Providers.Directory, logger: Logger) -> [any Service] {
    [
        // Wakes the outbox worker when another instance commits deliveries (PostgreSQL's NOTIFY;
        // on SQLite another process's commit). It listens until shutdown; a lost connection is
        // listened to again a second later, and meanwhile the worker's own poll finds the work.
        PeriodicWorker(name: "outbox listener", interval: .seconds(1), logger: logger) {
            try await cancelWhenGracefulShutdown { try await store.listenForOutboxWork() }
        },
        HousekeepingWorker(store: store, logger: logger),
        PeriodicWorker(name: "grace expiry", interval: .seconds(60), logger: logger) {
            try await GracePeriods.Service(store: store).expireAll()
        },
        InboxWorker(
            inbox: Inbox.Service(store: store, directory: providers, webhooks: providerWebhooks(configuration), logger: logger),
            logger: logger),
        OutboxWorker(
            deliveries: Deliveries.Service(
                store: store, secrets: SecretBox(appSecret: configuration.appSecret), sender: .live(), logger: logger),
            bell: store.outboxBell, logger: logger),
        // Settling is a look-up at the provider and idempotent updates: safe on every instance.
        PeriodicWorker(name: "reconciliation", interval: .seconds(60), logger: logger) {
            let pass = try await Reconciliation.Service(store: store, directory: providers, logger: logger).runOnce()
            if pass.settled + pass.abandoned > 0 {
                logger.info(
                    "reconciled provider operations",
                    metadata: ["settled": "\(pass.settled)", "abandoned": "\(pass.abandoned)", "open": "\(pass.open)"])
            }
        },
    ]
}

/// Runs the background workers alone until SIGTERM or SIGINT (`payments worker`).
public func runWorkers(configuration: Configuration, store: Store, logger: Logger) async throws {
    let providers = providerDirectory(
        configuration: configuration, store: store, secrets: SecretBox(appSecret: configuration.appSecret), logger: logger)
    let group = ServiceGroup(
        configuration: .init(
            services: backgroundWorkers(configuration: configuration, store: store, providers: providers, logger: logger)
                .map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}
