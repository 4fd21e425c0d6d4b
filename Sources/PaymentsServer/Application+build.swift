import Hummingbird
import Logging
import PaymentsDashboard
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore
import PaymentsStripe
import PaymentsWorkers
import Prometheus
import ServiceLifecycle

/// Checks, before serving, what cannot be checked from the environment alone: the schema is
/// current, and a deployment with live apps is not running on generated development secrets.
public func prepare(_ runtime: Runtime) async throws {
    let (store, configuration, logger) = (runtime.store, runtime.configuration, runtime.logger)
    let migrator = Migrator(backend: store.backend, logger: logger)
    if configuration.server.migrateOnStart {
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
    if hasLive && configuration.secrets.generated {
        throw ConfigurationError(
            "a live-mode app exists: APP_SECRET and ADMIN_TOKEN must be set in the environment, not generated."
        )
    }
    for notice in configuration.notices { logger.notice("\(notice)") }
    if !hasApps {
        logger.notice("No apps yet. Create the first one with: payments apps create --name NAME --mode test")
    }
}

/// Builds the HTTP application and the workers that run beside it.
/// - Parameters:
///   - runWorkers: whether background workers run in this process (`serve` does by default).
public func buildApplication(_ runtime: Runtime, runWorkers: Bool = true) -> some ApplicationProtocol {
    let configuration = runtime.configuration
    let registry = PrometheusCollectorRegistry()
    var dependencies = APIDependencies(
        services: runtime.services,
        adminToken: configuration.secrets.adminToken,
        metrics: HTTPMetrics(registry: registry),
        breakers: runtime.breakers
    )
    dependencies.bodyLimit = configuration.server.bodyLimit
    let api = buildAPI(dependencies)
    Dashboard(services: runtime.services, adminToken: configuration.secrets.adminToken, registry: registry).addRoutes(to: api.router)
    return Application(
        responder: api.responder(),
        configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port), serverName: nil),
        services: runWorkers ? backgroundWorkers(runtime.services, server: configuration.server, logger: runtime.logger) : [],
        logger: runtime.logger
    )
}

/// Checks every provider account the deployment has: the platform's Stripe key and each app's
/// own, by a harmless call (`GET /v1/balance`), and that every live app has a provider.
/// - Returns: one line per account (apps' names quoted and escaped, so each stays one line), and
///   whether all passed.
public func checkProviders(_ runtime: Runtime) async -> (lines: [String], ok: Bool) {
    let (configuration, store, directory) = (runtime.configuration, runtime.store, runtime.services.providers)
    var lines = ["sandbox: built in (serves test-mode apps without a Stripe account)"]
    var ok = true
    func check(_ label: String, _ credentials: Providers.StripeCredentials, account: String) async {
        let provider = StripeProvider(
            secretKey: credentials.secretKey,
            account: account,
            transport: .live(client: runtime.stripeClient, baseURL: configuration.stripe.apiBase),
            logger: runtime.logger
        )
        let key = "…" + credentials.secretKey.value.suffix(4)
        do {
            try await provider.checkCredentials()
            lines.append("\(label) (\(key), \(credentials.webhookSecrets.count) webhook secret(s)): ok")
        } catch {
            lines.append("\(label) (\(key)): FAILED (\(oneLine(error.message)))")
            ok = false
        }
    }
    if let key = configuration.stripe.secretKey {
        await check("stripe platform account", .init(secretKey: key, webhookSecrets: configuration.stripe.webhookSecrets), account: "platform")
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
                        await check("stripe account of \(app.id) (\(app.name.debugDescription))", own, account: app.id.rawValue)
                    } else if app.mode == .live, !directory.platformServes(app) {
                        lines.append(
                            "live app \(app.id) (\(app.name.debugDescription)): NO PROVIDER — its money routes answer provider_not_configured. "
                                + PaymentsError.configureProvider
                        )
                        ok = false
                    }
                } catch {
                    lines.append("stripe account of \(app.id): FAILED (\(oneLine("\(error)")))")
                    ok = false
                }
            }
            guard apps.hasMore, let last = apps.data.last else { break }
            page = try PageRequest(limit: 100, startingAfter: last.id.rawValue)
        }
    } catch {
        lines.append("provider accounts: FAILED (\(oneLine("\(error)")))")
        ok = false
    }
    return (lines, ok)
}

/// A message on one line, whatever a provider put in it.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).joined(separator: " ")
}

/// Every background worker: the audit sealer, housekeeping, grace expiry, the inbox, the outbox
/// (which numbers committed events and delivers them, with a listener that wakes it when another
/// instance commits events or deliveries), and the reconciliation of provider operations.
func backgroundWorkers(_ services: Services, server: Configuration.Server, logger: Logger) -> [any Service] {
    let store = services.store
    return driftWorkers(services, server: server, logger: logger) + [
        // Wakes the outbox worker when another instance commits events or deliveries (PostgreSQL's NOTIFY;
        // on SQLite another process's commit). It listens until shutdown; a lost connection is
        // listened to again a second later, and meanwhile the worker's own poll finds the work.
        PeriodicWorker(name: "outbox listener", interval: .seconds(1), logger: logger) {
            try await cancelWhenGracefulShutdown { try await store.listenForOutboxWork() }
        },
        // Drops cached entitlements another instance changed (NOTIFY; on SQLite another process's
        // commit). Each (re)start of listening drops everything: what was sent meanwhile is unknown.
        PeriodicWorker(name: "entitlement changes listener", interval: .seconds(1), logger: logger) {
            try await cancelWhenGracefulShutdown { try await store.listenForEntitlementChanges() }
        },
        // Entitlement checks are counted in memory; this adds the counts to the database (once
        // more as the server stops).
        PeriodicWorker(name: "entitlement decisions", interval: .seconds(1), finalPass: true, logger: logger) {
            try await services.entitlements.flushDecisions()
        },
        AuditSealingWorker(sealer: store.auditSealer, bell: store.auditBell, logger: logger),
        HousekeepingWorker(store: store, logger: logger),
        PeriodicWorker(name: "grace expiry", interval: .seconds(60), logger: logger) {
            try await services.gracePeriods.expireAll()
        },
        InboxWorker(inbox: services.inbox, logger: logger),
        // Claims are recorded before each report is sent: safe on every instance at once.
        PeriodicWorker(name: "usage reporting", interval: services.usageReporter.interval, logger: logger) {
            let sent = try await services.usageReporter.reportAll()
            if sent > 0 { logger.info("reported usage to providers", metadata: ["reports": "\(sent)"]) }
        },
        OutboxWorker(deliveries: services.deliveries, bell: store.outboxBell, logger: logger),
        // Settling is a look-up at the provider and idempotent updates: safe on every instance.
        PeriodicWorker(name: "reconciliation", interval: .seconds(60), logger: logger) {
            let pass = try await services.reconciliation.runOnce()
            if pass.settled + pass.abandoned > 0 {
                logger.info(
                    "reconciled provider operations",
                    metadata: ["settled": "\(pass.settled)", "abandoned": "\(pass.abandoned)", "open": "\(pass.open)"]
                )
            }
        },
    ]
}

/// Drift reconciliation every `RECONCILE_SECONDS`: each app's run takes the interval's slot, so
/// one instance runs it however many run the workers; a run missed (every instance down) is made
/// at the next start within the same slot.
func driftWorkers(_ services: Services, server: Configuration.Server, logger: Logger) -> [any Service] {
    guard let interval = server.reconcileInterval else { return [] }
    let seconds = Double(interval.components.seconds)
    return [
        // Not at start: a deploy's first minutes are for serving (and the slot may be taken already).
        PeriodicWorker(
            name: "drift reconciliation",
            interval: .seconds(min(seconds, 300)),
            firstPassAfter: .seconds(min(seconds, 300)),
            logger: logger
        ) {
            let slot = "\(Int64(services.store.clock.now().timeIntervalSince1970 / seconds))"
            let runs = try await services.drift.runAll(since: nil, fix: server.reconcileFix, slot: slot)
            for run in runs where !run.differences.isEmpty || run.status == .failed {
                logger.notice(
                    "drift reconciliation",
                    metadata: ["app_id": "\(run.appID)", "differences": "\(run.differences.count)", "open": "\(run.open)", "status": "\(run.status)"]
                )
            }
        }
    ]
}

/// Runs the background workers alone until SIGTERM or SIGINT (`payments worker`).
public func runWorkers(_ runtime: Runtime) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: backgroundWorkers(runtime.services, server: runtime.configuration.server, logger: runtime.logger).map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: runtime.logger
        )
    )
    try await group.run()
}
