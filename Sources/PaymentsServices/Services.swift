import PaymentsDomain
import PaymentsStore

/// Every use-case service, built once by the composition root (`PaymentsServer.buildServices`)
/// and handed to the router, the workers and the CLI. A service that needs another receives it
/// through its initializer; none constructs another.
public struct Services: Sendable {
    public let store: Store
    /// Which provider serves each app.
    public let providers: Providers.Directory
    public let apps: Apps.Service
    public let audit: AuditLog.Service
    public let customers: Customers.Service
    public let plans: Plans.Service
    public let metrics: Metrics.Service
    public let usage: Usage.Service
    public let payments: Payments.Service
    public let subscriptions: Subscriptions.Service
    public let checkout: Checkout.Service
    public let providerAccounts: ProviderAccounts.Service
    public let gracePeriods: GracePeriods.Service
    public let billingSummaries: BillingSummary.Service
    public let inbox: Inbox.Service
    public let testClocks: TestClocks.Service
    public let reconciliation: Reconciliation.Service
    public let webhookEndpoints: WebhookEndpoints.Service
    public let events: Events.Service
    public let deliveries: Deliveries.Service
    public let usageReporter: Usage.Reporter
    public let entitlements: Entitlements.Service
    public let invoices: Invoices.Service
    /// Every app at a glance, for the operator.
    public let overview: Overview.Service
    /// Drift reconciliation: the local mirror against the provider's objects.
    public let drift: Reconciliation.Drift
    /// Bringing an existing provider account in.
    public let imports: Import.Service

    public init(
        store: Store,
        providers: Providers.Directory,
        apps: Apps.Service,
        audit: AuditLog.Service,
        customers: Customers.Service,
        plans: Plans.Service,
        metrics: Metrics.Service,
        usage: Usage.Service,
        payments: Payments.Service,
        subscriptions: Subscriptions.Service,
        checkout: Checkout.Service,
        providerAccounts: ProviderAccounts.Service,
        gracePeriods: GracePeriods.Service,
        billingSummaries: BillingSummary.Service,
        inbox: Inbox.Service,
        testClocks: TestClocks.Service,
        reconciliation: Reconciliation.Service,
        webhookEndpoints: WebhookEndpoints.Service,
        events: Events.Service,
        deliveries: Deliveries.Service,
        usageReporter: Usage.Reporter,
        entitlements: Entitlements.Service,
        invoices: Invoices.Service,
        overview: Overview.Service,
        drift: Reconciliation.Drift,
        imports: Import.Service
    ) {
        self.store = store
        self.providers = providers
        self.apps = apps
        self.audit = audit
        self.customers = customers
        self.plans = plans
        self.metrics = metrics
        self.usage = usage
        self.payments = payments
        self.subscriptions = subscriptions
        self.checkout = checkout
        self.providerAccounts = providerAccounts
        self.gracePeriods = gracePeriods
        self.billingSummaries = billingSummaries
        self.inbox = inbox
        self.testClocks = testClocks
        self.reconciliation = reconciliation
        self.webhookEndpoints = webhookEndpoints
        self.events = events
        self.deliveries = deliveries
        self.usageReporter = usageReporter
        self.entitlements = entitlements
        self.invoices = invoices
        self.overview = overview
        self.drift = drift
        self.imports = imports
    }
}
