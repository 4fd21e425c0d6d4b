import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Bringing an app's existing provider account in: its catalog (products and prices → plans
/// and prices), its customers (each to the customer of ours with the external id its metadata or
/// the operator's mapping names), its subscriptions with their items, its payments with their
/// refunds, and its invoices. Every object is linked by its provider id, so nothing is made
/// twice: a second run changes nothing.
public enum Import {
    /// The kinds of object an import reads, in the order it reads them (each needs the ones before).
    public enum Object: String, Sendable, CaseIterable {
        case products, prices, customers, subscriptions, payments, invoices
    }

    /// What happened to one provider object.
    public enum Outcome: String, Sendable, Equatable, CaseIterable {
        /// An object of ours was made and linked to it.
        case created
        /// An existing object of ours was linked to it.
        case linked
        /// Already linked: nothing to do (a second run changes nothing).
        case unchanged
        /// Not brought in; the reason says why.
        case skipped
    }

    public struct Line: Sendable, Equatable {
        public let object: Object
        public let providerID: String
        /// What it is here: the customer's external id, the plan's or price's key, our id.
        public let ours: String?
        public let outcome: Outcome
        public let reason: String?

        init(_ object: Object, _ providerID: String, ours: String?, _ outcome: Outcome, reason: String? = nil) {
            self.object = object
            self.providerID = providerID
            self.ours = ours
            self.outcome = outcome
            self.reason = reason
        }

        static func skipped(_ object: Object, _ providerID: String, ours: String? = nil, _ reason: String) -> Line {
            Line(object, providerID, ours: ours, .skipped, reason: reason)
        }
    }

    public struct Report: Sendable {
        public var lines: [Line] = []
        /// Whether nothing was written (a dry run says what it would do).
        public let dryRun: Bool

        public func count(_ object: Object, _ outcome: Outcome) -> Int {
            lines.filter { $0.object == object && $0.outcome == outcome }.count
        }

        public func lines(_ object: Object) -> [Line] { lines.filter { $0.object == object } }
    }

    public struct Options: Sendable {
        /// The metadata key holding a customer's external id.
        public var metadataKey = ProviderMetadata.externalID
        /// External ids by provider customer id (the operator's mapping file), tried first.
        public var mapping: [String: String] = [:]
        public var dryRun = false
        /// Go on after where the last run stopped.
        public var resume = false
        /// Send the events the objects made imply (`customer.created`, `subscription.created`,
        /// `payment.succeeded`, `invoice.created`, ...); none by default: the app knows them.
        public var emitEvents = false
        public var pageSize = 100

        public init() {}
    }

    /// What a dry run would have brought in, so that the objects after it are told as a real
    /// run would tell them (a subscription of a customer that would be made).
    struct Planned {
        /// Provider customer ids → external ids.
        var customers: [String: String] = [:]
        /// Provider price ids.
        var prices: Set<String> = []
        /// Provider subscription ids.
        var subscriptions: Set<String> = []
    }

    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory

        public init(store: Store, directory: Providers.Directory) {
            self.store = store
            self.directory = directory
        }

        /// Imports the account, each kind of object in turn (``Object``), page by page. The
        /// cursor of each paged kind is kept after each page, so `resume` goes on from there (the
        /// catalog is read whole each time: what is linked already is unchanged).
        /// - Parameter progress: called after each page with the kind and how many were read.
        public func run(app: App, _ options: Options, progress: @Sendable (Object, Int) -> Void = { _, _ in }) async throws -> Report {
            let provider = try await directory.provider(for: app)
            guard let account = provider as? any AccountDirectory else {
                throw PaymentsError(
                    .invalidRequest,
                    code: .notSupported,
                    message: "App \(app.id) is served by the \(provider.name.rawValue) provider: there is no provider account to import from. "
                        + "Give it its Stripe account (PUT /v1/provider-accounts/stripe) or serve test apps with the platform's (STRIPE_SECRET_KEY)."
                )
            }
            var report = Report(dryRun: options.dryRun)
            var planned = Planned()
            try await importCatalog(app: app, account, options, into: &report, planned: &planned, progress: progress)
            var seen = Set<String>()
            try await stage(.customers, app: app, account, options, into: &report, progress: progress) { after in
                let page = try await account.listCustomers(after: after, limit: options.pageSize)
                return ProviderPage(objects: page.customers, last: page.customers.last?.id, more: page.more)
            } bring: { record in
                try await bringIn(record, app: app, provider: account, options, seen: &seen, planned: &planned)
            }
            try await stage(.subscriptions, app: app, account, options, into: &report, progress: progress) { after in
                try await account.subscriptionsPage(after: after, limit: options.pageSize)
            } bring: { listed in
                try await bringIn(subscription: listed, app: app, provider: account, options, planned: &planned)
            }
            try await stage(.payments, app: app, account, options, into: &report, progress: progress) { after in
                try await account.paymentsPage(after: after, limit: options.pageSize)
            } bring: { listed in
                try await bringIn(payment: listed, app: app, provider: account, options, planned: planned)
            }
            try await stage(.invoices, app: app, account, options, into: &report, progress: progress) { after in
                try await account.invoicesPage(after: after, limit: options.pageSize)
            } bring: { listed in
                try await bringIn(invoice: listed, app: app, provider: account, options, planned: planned)
            }
            return report
        }

        /// Reads one kind page by page from its cursor (with `resume`) and brings each object in;
        /// after each page of a real run the cursor is kept (audited with the kind's action).
        func stage<Listed: Sendable>(
            _ object: Object,
            app: App,
            _ provider: any PaymentProvider,
            _ options: Options,
            into report: inout Report,
            progress: @Sendable (Object, Int) -> Void,
            page: (String?) async throws -> ProviderPage<Listed>,
            bring: (Listed) async throws -> Line
        ) async throws {
            var after: String? = nil
            if options.resume {
                after = try await store.read { try await $0.importCursor(app: app.id, provider: provider.name, object: object.rawValue) }
            }
            var read = 0
            while true {
                let listed = try await page(after)
                for each in listed.objects { report.lines.append(try await bring(each)) }
                read += listed.objects.count
                progress(object, read)
                guard let last = listed.last else { break }
                after = last
                if !options.dryRun {
                    try await store.write(.system, app: app.id) { [read] session in
                        try await session.setImportCursor(app: app.id, provider: provider.name, object: object.rawValue, cursor: last)
                        try await session.audit(
                            app.id,
                            try AuditRecord(
                                action: object.auditAction,
                                targetType: .app,
                                targetID: app.id.rawValue,
                                snapshot: ["cursor": last, "read": "\(read)"]
                            )
                        )
                    }
                }
                guard listed.more else { break }
            }
        }

        /// Why an external id cannot be one of ours, if it cannot.
        static func problem(externalID: String) -> String? {
            do {
                try Customer.validate(externalID: externalID)
                return nil
            } catch {
                return error.message
            }
        }

        /// The provider customer's customer of ours (made by an earlier run or by the service).
        func linkedCustomer(_ providerCustomer: String?, app: App.ID, provider: any PaymentProvider) async throws -> Customer? {
            guard let providerCustomer else { return nil }
            return try await store.read { session in
                guard
                    let id = try await session.providerObjects(app).objectID(
                        provider: provider.name,
                        account: provider.account,
                        providerObjectID: providerCustomer
                    )
                else { return nil }
                return try await session.customers(app).find(id: Customer.ID(rawValue: id))
            }
        }

        /// One provider customer: linked, made, or skipped with the reason.
        /// - Parameter seen: the external ids this run has brought in (or, dry, would have).
        func bringIn(
            _ record: ProviderCustomerRecord,
            app: App,
            provider: any PaymentProvider,
            _ options: Options,
            seen: inout Set<String>,
            planned: inout Planned
        ) async throws -> Line {
            // Linked already (by an earlier run, or as the service made it): nothing to do.
            if let customer = try await linkedCustomer(record.id, app: app.id, provider: provider) {
                return Line(.customers, record.id, ours: customer.externalID, .unchanged)
            }
            if let other = Import.otherApp(record.metadata, app) { return .skipped(.customers, record.id, other) }
            guard let external = options.mapping[record.id] ?? record.metadata[options.metadataKey], !external.isEmpty else {
                return .skipped(.customers, record.id, "no external id: neither metadata[\(options.metadataKey)] nor the mapping file names one")
            }
            if let problem = Self.problem(externalID: external) {
                return .skipped(.customers, record.id, ours: external, problem)
            }
            guard seen.insert(external).inserted else {
                return .skipped(
                    .customers,
                    record.id,
                    ours: external,
                    "another \(provider.name.rawValue) customer of the account names \(external) too"
                )
            }
            let existing = try await store.read { try await $0.customers(app.id).find(externalID: external, locking: false) }
            if let existing,
                try await store.read({
                    try await $0.providerObjects(app.id).find(provider: provider.name, account: provider.account, objectID: existing.id.rawValue)
                }) != nil
            {
                return .skipped(
                    .customers,
                    record.id,
                    ours: external,
                    "customer \(external) is linked to another \(provider.name.rawValue) customer already"
                )
            }
            let outcome: Outcome = existing == nil ? .created : .linked
            guard !options.dryRun else {
                planned.customers[record.id] = external
                return Line(.customers, record.id, ours: external, outcome)
            }
            return try await store.write(.system, app: app.id) { session in
                var customer = try await session.customers(app.id).find(externalID: external)
                if customer == nil {
                    var made = Customer(
                        id: session.ids.next(Customer.self, at: session.now),
                        appID: app.id,
                        externalID: external,
                        name: record.name,
                        email: record.email,
                        legalName: nil,
                        metadata: Import.origin(provider, record.id),
                        createdAt: session.now,
                        updatedAt: session.now
                    )
                    if try await !session.customers(app.id).insertIfAbsent(made) {
                        made = try await session.customers(app.id).find(externalID: external) ?? made
                    }
                    customer = made
                    if options.emitEvents {
                        try await session.emit(
                            app.id,
                            .customerCreated,
                            Resources.customer,
                            made,
                            id: made.id.rawValue,
                            customer: made.id,
                            type: .customer
                        )
                    }
                }
                guard let customer else { throw StoreError.inconsistent("customer \(external) vanished") }
                let recorded = try await session.providerObjects(app.id).remember(
                    provider: provider.name,
                    account: provider.account,
                    objectID: customer.id.rawValue,
                    providerObjectID: record.id
                )
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .importCustomer,
                        target: customer.id,
                        snapshot: [
                            "provider": provider.name.rawValue, "provider_id": recorded, "external_id": external, "outcome": outcome.rawValue,
                        ]
                    )
                )
                return Line(.customers, record.id, ours: external, outcome)
            }
        }
    }

    /// Why an object is not this app's to bring in: the service made it for another app of the
    /// same (platform) account, as its metadata says.
    static func otherApp(_ metadata: [String: String], _ app: App) -> String? {
        guard let owner = metadata[ProviderMetadata.appID], owner != app.id.rawValue else { return nil }
        return "made by the service for another app (\(owner))"
    }

    /// The metadata that marks an object's origin: `imported_from: stripe:cus_...`.
    static func origin(_ provider: any PaymentProvider, _ providerID: String) -> [String: String] {
        ["imported_from": "\(provider.name.rawValue):\(providerID)"]
    }
}

extension Import.Object {
    /// The audit action of what an import does to one of these.
    var auditAction: AuditAction {
        switch self {
        case .products, .prices: .importPlan
        case .customers: .importCustomer
        case .subscriptions: .importSubscription
        case .payments: .importPayment
        case .invoices: .importInvoice
        }
    }
}
