import Hummingbird
import Logging
import PaymentsDomain
import PaymentsServices
import PaymentsStore

/// What the HTTP API needs from the rest of the service.
public struct APIDependencies: Sendable {
    public let store: Store
    public let adminToken: Secret<String>
    public let metrics: HTTPMetrics
    /// Which provider serves each app.
    public var providers: Providers.Directory
    /// Seals the apps' own provider secrets.
    public let secrets: SecretBox
    /// How each provider's webhooks are verified and read.
    public var webhooks: [ProviderName: ProviderWebhooks] = [:]
    /// The largest request body accepted, in bytes (default 1 MiB).
    public var bodyLimit = 1 << 20
    /// How long a running request holds its idempotency key.
    public var idempotencyLease: Duration = .seconds(60)
    /// How long idempotency keys and their responses are kept.
    public var idempotencyRetention: Duration = .seconds(86_400)
    /// How long an authenticated key is trusted without a lookup (see `KeyCache`).
    public var keyCacheTTL: Duration = .seconds(5)

    public init(
        store: Store, adminToken: Secret<String>, metrics: HTTPMetrics, providers: Providers.Directory, secrets: SecretBox
    ) {
        self.store = store
        self.adminToken = adminToken
        self.metrics = metrics
        self.providers = providers
        self.secrets = secrets
    }
}

/// Builds the router: operations routes, the app API under `/v1`, the admin API under `/admin/v1`.
/// - Returns: the router and the table of every route it serves.
public func buildRouter(_ dependencies: APIDependencies) -> (Router<PaymentsRequestContext>, RouteTable) {
    let store = dependencies.store
    let apps = Apps.Service(store: store, keyCache: KeyCache(ttl: dependencies.keyCacheTTL))
    let audit = AuditLog.Service(store: store)
    let table = RouteTable()
    let idempotency = IdempotencyMiddleware(
        store: store, lease: dependencies.idempotencyLease, retention: dependencies.idempotencyRetention)

    let router = Router(context: PaymentsRequestContext.self)
    router.add(middleware: EdgeMiddleware(metrics: dependencies.metrics, bodyLimit: dependencies.bodyLimit))

    OperationsController(store: store, metrics: dependencies.metrics, healthTimeout: .seconds(2))
        .addRoutes(to: Routes(group: router.group(), prefix: "", table: table))

    let v1 = router.group("v1")
        .add(middleware: AppAuthMiddleware(apps: apps))
        .add(middleware: idempotency)
    let v1Routes = Routes(group: v1, prefix: "/v1", table: table)
    CustomersController(customers: Customers.Service(store: store), summaries: BillingSummary.Service(store: store))
        .addRoutes(to: v1Routes)
    AuditLogsController(audit: audit).addRoutes(to: v1Routes)
    let directory = dependencies.providers
    let logger = Logger(label: "payments.services")
    let plans = Plans.Service(store: store, directory: directory, logger: logger)
    let subscriptions = Subscriptions.Service(store: store, directory: directory, plans: plans, logger: logger)
    let checkout = Checkout.Service(store: store, directory: directory, plans: plans, logger: logger)
    PlansController(plans: plans).addRoutes(to: v1Routes)
    PaymentsController(payments: Payments.Service(store: store, directory: directory, logger: logger)).addRoutes(to: v1Routes)
    SubscriptionsController(subscriptions: subscriptions).addRoutes(to: v1Routes)
    CheckoutController(checkout: checkout).addRoutes(to: v1Routes)
    let inbox = Inbox.Service(store: store, directory: directory, webhooks: dependencies.webhooks, logger: logger)
    ProvidersController(
        directory: directory, accounts: ProviderAccounts.Service(store: store, secrets: dependencies.secrets),
        testClock: TestClocks.Service(store: store, directory: directory, subscriptions: subscriptions, inbox: inbox)
    ).addRoutes(to: v1Routes)
    GracePeriodsController(grace: GracePeriods.Service(store: store)).addRoutes(to: v1Routes)
    WebhookEndpointsController(endpoints: WebhookEndpoints.Service(store: store, secrets: dependencies.secrets)).addRoutes(to: v1Routes)
    EventsController(events: Events.Service(store: store)).addRoutes(to: v1Routes)
    SandboxPagesController(store: store, directory: directory, checkout: checkout).addRoutes(to: router)
    WebhooksController(
        inbox: inbox,
        bodyLimit: dependencies.bodyLimit
    ).addRoutes(to: Routes(group: router.group("webhooks"), prefix: "/webhooks", table: table))

    let admin = router.group("admin/v1")
        .add(middleware: AdminAuthMiddleware(adminToken: dependencies.adminToken))
        .add(middleware: idempotency)
    AdminController(apps: apps, audit: audit, clock: store.clock)
        .addRoutes(to: Routes(group: admin, prefix: "/admin/v1", table: table))

    return (router, table)
}
