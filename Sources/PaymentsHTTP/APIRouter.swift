import Hummingbird
import Logging
import PaymentsDomain
import PaymentsServices
import PaymentsStore

/// What the HTTP API needs from the rest of the service.
public struct APIDependencies: Sendable {
    public let services: Services
    public let adminToken: Secret<String>
    public let metrics: HTTPMetrics
    /// The providers' circuit breakers, shown in `/metrics`.
    public let breakers: CircuitBreakers
    /// The largest request body accepted, in bytes (default 1 MiB).
    public var bodyLimit = 1 << 20
    /// How long a running request holds its idempotency key.
    public var idempotencyLease: Duration = .seconds(60)
    /// How long idempotency keys and their responses are kept.
    public var idempotencyRetention: Duration = .seconds(86_400)

    public init(services: Services, adminToken: Secret<String>, metrics: HTTPMetrics, breakers: CircuitBreakers) {
        self.services = services
        self.adminToken = adminToken
        self.metrics = metrics
        self.breakers = breakers
    }
}

/// Builds the router: operations routes, the app API under `/v1`, the admin API under `/admin/v1`.
/// - Returns: the router and the table of every route it serves.
public func buildRouter(_ dependencies: APIDependencies) -> (Router<PaymentsRequestContext>, RouteTable) {
    let services = dependencies.services
    let store = services.store
    let table = RouteTable()
    let idempotency = IdempotencyMiddleware(
        store: store, lease: dependencies.idempotencyLease, retention: dependencies.idempotencyRetention)

    let router = Router(context: PaymentsRequestContext.self)
    router.add(middleware: EdgeMiddleware(metrics: dependencies.metrics, bodyLimit: dependencies.bodyLimit))

    OperationsController(store: store, metrics: dependencies.metrics, breakers: dependencies.breakers, healthTimeout: .seconds(2))
        .addRoutes(to: Routes(group: router.group(), prefix: "", table: table))

    let v1 = router.group("v1")
        .add(middleware: AppAuthMiddleware(apps: services.apps))
        .add(middleware: idempotency)
    let v1Routes = Routes(group: v1, prefix: "/v1", table: table)
    CustomersController(customers: services.customers, summaries: services.billingSummaries).addRoutes(to: v1Routes)
    AuditLogsController(audit: services.audit).addRoutes(to: v1Routes)
    PlansController(plans: services.plans).addRoutes(to: v1Routes)
    PaymentsController(payments: services.payments).addRoutes(to: v1Routes)
    SubscriptionsController(subscriptions: services.subscriptions).addRoutes(to: v1Routes)
    CheckoutController(checkout: services.checkout).addRoutes(to: v1Routes)
    ProvidersController(directory: services.providers, accounts: services.providerAccounts, testClock: services.testClocks)
        .addRoutes(to: v1Routes)
    GracePeriodsController(grace: services.gracePeriods).addRoutes(to: v1Routes)
    WebhookEndpointsController(endpoints: services.webhookEndpoints).addRoutes(to: v1Routes)
    EventsController(events: services.events).addRoutes(to: v1Routes)
    SandboxPagesController(store: store, directory: services.providers, checkout: services.checkout).addRoutes(to: router)
    WebhooksController(inbox: services.inbox, bodyLimit: dependencies.bodyLimit)
        .addRoutes(to: Routes(group: router.group("webhooks"), prefix: "/webhooks", table: table))

    let admin = router.group("admin/v1")
        .add(middleware: AdminAuthMiddleware(adminToken: dependencies.adminToken))
        .add(middleware: idempotency)
    AdminController(apps: services.apps, audit: services.audit, clock: store.clock)
        .addRoutes(to: Routes(group: admin, prefix: "/admin/v1", table: table))

    return (router, table)
}
