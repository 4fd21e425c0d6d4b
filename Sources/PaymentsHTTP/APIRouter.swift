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

/// The HTTP API as built: the declared routes (served by `responder()`) and Hummingbird's router,
/// to which the dashboard and other pages are added before the responder is made.
public struct API {
    /// The pages: the sandbox's buyer pages here, the dashboard added by the server.
    public let router: Router<PaymentsRequestContext>
    /// Every declared route: what `responder()` serves and the OpenAPI document describes.
    public let table: RouteTable
    let edge: EdgeMiddleware

    /// The server's responder: the declared routes, then the router's pages (call once every page
    /// has been added to `router`).
    public func responder() -> APIResponder {
        APIResponder(table: table, edge: edge, fallback: router.buildResponder())
    }
}

/// Builds the API: operations routes, the app API under `/v1`, the admin API under `/admin/v1`,
/// the providers' webhooks, and the sandbox's pages.
public func buildAPI(_ dependencies: APIDependencies) -> API {
    let services = dependencies.services
    let store = services.store
    var table = RouteTable()
    let idempotency = IdempotencyMiddleware(
        store: store,
        lease: dependencies.idempotencyLease,
        retention: dependencies.idempotencyRetention
    )
    let access = AccessChecks(
        app: AppAuthMiddleware(apps: services.apps),
        admin: AdminAuthMiddleware(adminToken: dependencies.adminToken),
        idempotency: idempotency
    )
    func mount<Owner: Controller>(_ controller: Owner) { PaymentsHTTP.mount(controller, in: &table, through: access) }

    mount(OperationsController(store: store, metrics: dependencies.metrics, breakers: dependencies.breakers, healthTimeout: .seconds(2)))
    mount(CustomersController(customers: services.customers, summaries: services.billingSummaries))
    mount(AuditLogsController(audit: services.audit))
    mount(PlansController(plans: services.plans))
    mount(MetricsController(metrics: services.metrics))
    mount(UsageController(usage: services.usage))
    mount(EntitlementsController(entitlements: services.entitlements))
    mount(PaymentsController(payments: services.payments))
    mount(InvoicesController(invoices: services.invoices))
    mount(SubscriptionsController(subscriptions: services.subscriptions))
    mount(CheckoutController(checkout: services.checkout))
    mount(ProvidersController(directory: services.providers, accounts: services.providerAccounts, testClock: services.testClocks))
    mount(GracePeriodsController(grace: services.gracePeriods))
    mount(WebhookEndpointsController(endpoints: services.webhookEndpoints))
    mount(EventsController(events: services.events))
    mount(PublicController(plans: services.plans))
    mount(ReconciliationController(drift: services.drift))
    mount(WebhooksController(inbox: services.inbox, bodyLimit: dependencies.bodyLimit))
    mount(AdminController(apps: services.apps, audit: services.audit, clock: store.clock))

    let edge = EdgeMiddleware(metrics: dependencies.metrics, bodyLimit: dependencies.bodyLimit)
    let router = Router(context: PaymentsRequestContext.self)
    router.add(middleware: edge)
    SandboxPagesController(store: store, directory: services.providers, checkout: services.checkout, invoices: services.invoices)
        .addRoutes(to: router)
    return API(router: router, table: table, edge: edge)
}

/// What a request passes before its route's handler, by the route's access: the app's key or the
/// admin token, then idempotency. Composed into each route's responder once, when mounted.
struct AccessChecks: Sendable {
    let app: AppAuthMiddleware
    let admin: AdminAuthMiddleware
    let idempotency: IdempotencyMiddleware

    func guarding(_ access: Access, _ serve: @escaping RouteResponder) -> RouteResponder {
        switch access {
        case .open: serve
        case .app: behind(app, serve)
        case .admin: behind(admin, serve)
        }
    }

    /// `serve` behind `auth`, then idempotency.
    private func behind(_ auth: some RouterMiddleware<PaymentsRequestContext>, _ serve: @escaping RouteResponder) -> RouteResponder {
        { [idempotency] request, context in
            try await auth.handle(request, context: context) { request, context in
                try await idempotency.handle(request, context: context, next: serve)
            }
        }
    }
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

/// Serves a controller's routes behind its access's checks, and records them in the table.
func mount<Owner: Controller>(_ controller: Owner, in table: inout RouteTable, through access: AccessChecks) {
    for route in Owner.routes {
        precondition(route.path.hasPrefix(Owner.access.prefix), "\(route.path) is not under \(Owner.access.prefix)")
        table.add(.init(method: route.method, path: route.path, serve: access.guarding(Owner.access, route.bind(controller))))
    }
}
