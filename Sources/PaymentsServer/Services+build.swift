import AsyncHTTPClient
import Logging
import PaymentsDomain
import PaymentsSandbox
import PaymentsServices
import PaymentsStore
import PaymentsStripe

/// What the services are built from. `Runtime` takes them from the configuration; tests give
/// their own provider directory, webhook readers and sender.
public struct ServiceParts: Sendable {
    public var store: Store
    public var secrets: SecretBox
    public var providers: Providers.Directory
    public var webhooks: [ProviderName: ProviderWebhooks]
    /// How events go out to the apps' endpoints.
    public var sender: WebhookSender
    /// How long an authenticated key is trusted without a lookup.
    public var keyCacheTTL: Duration
    /// How often metered usage is reported to the providers (and how long a report waits
    /// unacknowledged before it is sent again).
    public var usageReportInterval: Duration = .seconds(60)
    public var logger: Logger

    public init(
        store: Store,
        secrets: SecretBox,
        providers: Providers.Directory,
        webhooks: [ProviderName: ProviderWebhooks],
        sender: WebhookSender,
        keyCacheTTL: Duration,
        logger: Logger
    ) {
        self.store = store
        self.secrets = secrets
        self.providers = providers
        self.webhooks = webhooks
        self.sender = sender
        self.keyCacheTTL = keyCacheTTL
        self.logger = logger
    }
}

/// The composition root: every service, built once, each given the others it needs.
public func buildServices(_ parts: ServiceParts) -> Services {
    let store = parts.store
    let logger = parts.logger
    let directory = parts.providers
    let customers = Customers.Service(store: store)
    let plans = Plans.Service(store: store, directory: directory, logger: logger)
    let payments = Payments.Service(store: store, directory: directory, customers: customers, logger: logger)
    let usage = Usage.Service(store: store, customers: customers)
    let usageReporter = Usage.Reporter(
        store: store,
        directory: directory,
        usage: usage,
        customers: customers,
        interval: parts.usageReportInterval,
        logger: logger
    )
    let subscriptions = Subscriptions.Service(
        store: store,
        directory: directory,
        plans: plans,
        customers: customers,
        usageReporter: usageReporter,
        logger: logger
    )
    let checkout = Checkout.Service(store: store, directory: directory, plans: plans, customers: customers, logger: logger)
    let gracePeriods = GracePeriods.Service(store: store, customers: customers)
    let invoices = Invoices.Service(store: store, customers: customers, payments: payments, directory: directory)
    let inbox = Inbox.Service(
        store: store,
        directory: directory,
        webhooks: parts.webhooks,
        subscriptions: subscriptions,
        payments: payments,
        checkout: checkout,
        grace: gracePeriods,
        invoices: invoices,
        logger: logger
    )
    return Services(
        store: store,
        providers: directory,
        apps: Apps.Service(store: store, keyCache: KeyCache(ttl: parts.keyCacheTTL)),
        audit: AuditLog.Service(store: store),
        customers: customers,
        plans: plans,
        metrics: Metrics.Service(store: store),
        usage: usage,
        payments: payments,
        subscriptions: subscriptions,
        checkout: checkout,
        providerAccounts: ProviderAccounts.Service(store: store, secrets: parts.secrets),
        gracePeriods: gracePeriods,
        billingSummaries: BillingSummary.Service(store: store, customers: customers),
        inbox: inbox,
        testClocks: TestClocks.Service(
            store: store,
            directory: directory,
            subscriptions: subscriptions,
            inbox: inbox,
            grace: gracePeriods,
            usageReporter: usageReporter
        ),
        reconciliation: Reconciliation.Service(
            store: store,
            directory: directory,
            payments: payments,
            subscriptions: subscriptions,
            logger: logger
        ),
        webhookEndpoints: WebhookEndpoints.Service(store: store, secrets: parts.secrets),
        events: Events.Service(store: store, customers: customers),
        deliveries: Deliveries.Service(store: store, secrets: parts.secrets, sender: parts.sender, logger: logger),
        usageReporter: usageReporter,
        entitlements: Entitlements.Service(store: store, usage: usage),
        invoices: invoices,
        overview: Overview.Service(store: store, directory: directory),
        drift: Reconciliation.Drift(store: store, directory: directory, inbox: inbox, logger: logger),
        imports: Import.Service(store: store, directory: directory)
    )
}

extension ServiceParts {
    /// The parts a deployment runs on: providers from the configuration over `stripeClient`,
    /// deliveries over `webhookClient`.
    static func live(
        _ configuration: Configuration,
        store: Store,
        stripeClient: HTTPClient,
        webhookClient: HTTPClient,
        breakers: CircuitBreakers,
        logger: Logger
    ) -> ServiceParts {
        let secrets = SecretBox(appSecret: configuration.secrets.appSecret)
        var parts = ServiceParts(
            store: store,
            secrets: secrets,
            providers: providerDirectory(
                configuration: configuration,
                store: store,
                secrets: secrets,
                client: stripeClient,
                breakers: breakers,
                logger: logger
            ),
            webhooks: providerWebhooks(configuration),
            sender: .live(client: webhookClient),
            keyCacheTTL: configuration.server.keyCacheTTL,
            logger: logger
        )
        parts.usageReportInterval = configuration.server.usageReportInterval
        return parts
    }
}

/// Which provider serves each app: its own Stripe account, the platform's, or the sandbox.
func providerDirectory(
    configuration: Configuration,
    store: Store,
    secrets: SecretBox,
    client: HTTPClient,
    breakers: CircuitBreakers,
    logger: Logger
) -> Providers.Directory {
    let publicURL = configuration.server.publicURL
    let transport = StripeTransport.live(client: client, baseURL: configuration.stripe.apiBase)
    var options = StripeProvider.Options()
    options.timeout = configuration.stripe.timeout
    return Providers.Directory(
        store: store,
        secrets: secrets,
        platformStripe: configuration.stripe.secretKey.map {
            Providers.StripeCredentials(secretKey: $0, webhookSecrets: configuration.stripe.webhookSecrets)
        },
        makeStripe: { [options] credentials, account in
            StripeProvider(
                secretKey: credentials.secretKey,
                account: account,
                transport: transport,
                options: options,
                breakers: breakers,
                logger: logger
            )
        },
        makeSandbox: { app, now in
            SandboxProvider(backend: store.backend, appID: app.id, ids: store.ids, publicURL: publicURL, now: now)
        }
    )
}

/// How each provider's webhooks are verified and read.
public func providerWebhooks(_ configuration: Configuration) -> [ProviderName: ProviderWebhooks] {
    let tolerance = configuration.stripe.webhookTolerance
    return [
        .stripe: ProviderWebhooks(
            verify: { payload, header, secrets, now in
                try StripeWebhookSignature.verify(payload: payload, header: header, secrets: secrets, tolerance: tolerance, now: now)
            },
            identify: StripeWebhooks.identify,
            interpret: StripeWebhooks.interpret
        ),
        // The sandbox writes its events straight into the inbox: nothing to verify.
        .sandbox: ProviderWebhooks(verify: { _, _, _, _ in }, interpret: SandboxProvider.interpret),
    ]
}
