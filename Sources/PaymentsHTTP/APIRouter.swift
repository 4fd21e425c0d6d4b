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
        store: store,
        lease: dependencies.idempotencyLease,
        retention: dependencies.idempotencyRetention
    )

    let router = Router(context: PaymentsRequestContext.self)
    router.add(middleware: EdgeMiddleware(metrics: dependencies.metrics, bodyLimit: dependencies.bodyLimit))

    mount(
        OperationsController(store: store, metrics: dependencies.metrics, breakers: dependencies.breakers, healthTimeout: .seconds(2)),
        on: router.group(),
        table: table
    )

    let v1 = router.group("v1")
        .add(middleware: AppAuthMiddleware(apps: services.apps))
        .add(middleware: idempotency)
    mount(CustomersController(customers: services.customers, summaries: services.billingSummaries), on: v1, table: table)
    mount(AuditLogsController(audit: services.audit), on: v1, table: table)
    mount(PlansController(plans: services.plans), on: v1, table: table)
    mount(MetricsController(metrics: services.metrics), on: v1, table: table)
    mount(UsageController(usage: services.usage), on: v1, table: table)
    mount(EntitlementsController(entitlements: services.entitlements), on: v1, table: table)
    mount(PaymentsController(payments: services.payments), on: v1, table: table)
    mount(InvoicesController(invoices: services.invoices), on: v1, table: table)
    mount(SubscriptionsController(subscriptions: services.subscriptions), on: v1, table: table)
    mount(CheckoutController(checkout: services.checkout), on: v1, table: table)
    mount(
        ProvidersController(directory: services.providers, accounts: services.providerAccounts, testClock: services.testClocks),
        on: v1,
        table: table
    )
    mount(GracePeriodsController(grace: services.gracePeriods), on: v1, table: table)
    mount(WebhookEndpointsController(endpoints: services.webhookEndpoints), on: v1, table: table)
    mount(EventsController(events: services.events), on: v1, table: table)
    mount(PublicController(plans: services.plans), on: v1, table: table)
    mount(ReconciliationController(drift: services.drift), on: v1, table: table)
    SandboxPagesController(store: store, directory: services.providers, checkout: services.checkout, invoices: services.invoices)
        .addRoutes(to: router)
    mount(WebhooksController(inbox: services.inbox, bodyLimit: dependencies.bodyLimit), on: router.group(), table: table)

    let admin = router.group("admin/v1")
        .add(middleware: AdminAuthMiddleware(adminToken: dependencies.adminToken))
        .add(middleware: idempotency)
    mount(AdminController(apps: services.apps, audit: services.audit, clock: store.clock), on: admin, table: table)

    return (router, table)
}

/// Every controller whose routes the API serves and documents.
let apiControllers: [any Controller.Type] = [
    OperationsController.self, CustomersController.self, AuditLogsController.self, AdminController.self, PlansController.self,
    MetricsController.self, UsageController.self, EntitlementsController.self,
    PaymentsController.self, InvoicesController.self, SubscriptionsController.self, CheckoutController.self, ProvidersController.self,
    WebhooksController.self,
    GracePeriodsController.self, WebhookEndpointsController.self, EventsController.self, PublicController.self,
    ReconciliationController.self,
]

/// Serves a controller's routes on the group of its access, and records them in the table.
func mount<Owner: Controller>(_ controller: Owner, on group: RouterGroup<PaymentsRequestContext>, table: RouteTable) {
    for route in Owner.routes {
        precondition(route.path.hasPrefix(Owner.access.prefix), "\(route.path) is not under \(Owner.access.prefix)")
        let relative = route.path.dropFirst(Owner.access.prefix.count).split(separator: "/").map { segment in
            segment.hasPrefix("{") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
        group.on(RouterPath(stringLiteral: relative), method: route.method, use: route.bind(controller))
        table.record(route.method, route.path)
    }
}
