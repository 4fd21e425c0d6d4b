import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Bringing an app's existing provider account in: its customers, each to the customer of ours
/// with the external id its metadata (or the operator's mapping) names.
public enum Import {
    /// What happened to one provider object.
    public enum Outcome: String, Sendable, Equatable {
        /// A customer of ours was made and linked to it.
        case created
        /// An existing customer of ours was linked to it.
        case linked
        /// Already linked: nothing to do (a second run changes nothing).
        case unchanged
        /// Not brought in; the reason says why.
        case skipped
    }

    public struct Line: Sendable, Equatable {
        public let providerID: String
        public let externalID: String?
        public let outcome: Outcome
        public let reason: String?
    }

    public struct Report: Sendable {
        public var lines: [Line] = []
        /// Whether nothing was written (a dry run says what it would do).
        public let dryRun: Bool

        public func count(_ outcome: Outcome) -> Int { lines.filter { $0.outcome == outcome }.count }
    }

    public struct Options: Sendable {
        /// The metadata key holding a customer's external id.
        public var metadataKey = ProviderMetadata.externalID
        /// External ids by provider customer id (the operator's mapping file), tried first.
        public var mapping: [String: String] = [:]
        public var dryRun = false
        /// Go on after where the last run stopped.
        public var resume = false
        /// Send `customer.created` for customers made (none by default: the app knows them).
        public var emitEvents = false
        public var pageSize = 100

        public init() {}
    }

    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory

        public init(store: Store, directory: Providers.Directory) {
            self.store = store
            self.directory = directory
        }

        static let customersCursor = "customers"

        /// Imports the account's customers, page by page, idempotently: a customer already
        /// linked is unchanged, one with a known external id is linked, one with a new external
        /// id is made (audited as IMPORT_CUSTOMER, actor `system`, marked with its origin in its
        /// metadata), and one with neither an id in its metadata nor in the mapping is listed,
        /// not guessed. The cursor is kept after each page, so `resume` goes on from there.
        /// - Parameter progress: called after each page with the customers read so far.
        public func importCustomers(
            app: App,
            _ options: Options,
            progress: @Sendable (Int) -> Void = { _ in }
        ) async throws -> Report {
            let provider = try await directory.provider(for: app)
            let customers = try provider.require((any CustomerDirectory).self, .customers)
            var report = Report(dryRun: options.dryRun)
            var after: String? = nil
            var seen = Set<String>()
            if options.resume {
                after = try await store.read {
                    try await $0.importCursor(app: app.id, provider: provider.name, object: Self.customersCursor)
                }
            }
            while true {
                let page = try await customers.listCustomers(after: after, limit: options.pageSize)
                for record in page.customers {
                    report.lines.append(try await bringIn(record, app: app, provider: provider, options, seen: &seen))
                }
                progress(report.lines.count)
                guard let last = page.customers.last else { break }
                after = last.id
                if !options.dryRun {
                    let read = report.lines.count
                    try await store.write(.system, app: app.id) { [after] session in
                        try await session.setImportCursor(app: app.id, provider: provider.name, object: Self.customersCursor, cursor: after!)
                        try await session.audit(
                            app.id,
                            try AuditRecord(
                                action: .importCustomer,
                                targetType: .app,
                                targetID: app.id.rawValue,
                                snapshot: ["cursor": after!, "read": "\(read)"]
                            )
                        )
                    }
                }
                guard page.more else { break }
            }
            return report
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

        /// One provider customer: linked, made, or skipped with the reason.
        /// - Parameter seen: the external ids this run has brought in (or, dry, would have).
        func bringIn(
            _ record: ProviderCustomerRecord,
            app: App,
            provider: any PaymentProvider,
            _ options: Options,
            seen: inout Set<String>
        ) async throws -> Line {
            // Linked already (by an earlier run, or as the service made it): nothing to do.
            if let linked = try await store.read({
                try await $0.providerObjects(app.id).objectID(provider: provider.name, account: provider.account, providerObjectID: record.id)
            }) {
                let customer = try await store.read { try await $0.customers(app.id).find(id: Customer.ID(rawValue: linked)) }
                return Line(providerID: record.id, externalID: customer?.externalID, outcome: .unchanged, reason: nil)
            }
            guard let external = options.mapping[record.id] ?? record.metadata[options.metadataKey], !external.isEmpty else {
                return Line(
                    providerID: record.id,
                    externalID: nil,
                    outcome: .skipped,
                    reason: "no external id: neither metadata[\(options.metadataKey)] nor the mapping file names one"
                )
            }
            if let problem = Self.problem(externalID: external) {
                return Line(providerID: record.id, externalID: external, outcome: .skipped, reason: problem)
            }
            guard seen.insert(external).inserted else {
                return Line(
                    providerID: record.id,
                    externalID: external,
                    outcome: .skipped,
                    reason: "another \(provider.name.rawValue) customer of the account names \(external) too"
                )
            }
            let existing = try await store.read { try await $0.customers(app.id).find(externalID: external, locking: false) }
            if let existing,
                try await store.read({
                    try await $0.providerObjects(app.id).find(provider: provider.name, account: provider.account, objectID: existing.id.rawValue)
                }) != nil
            {
                return Line(
                    providerID: record.id,
                    externalID: external,
                    outcome: .skipped,
                    reason: "customer \(external) is linked to another \(provider.name.rawValue) customer already"
                )
            }
            let outcome: Outcome = existing == nil ? .created : .linked
            guard !options.dryRun else { return Line(providerID: record.id, externalID: external, outcome: outcome, reason: nil) }
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
                        metadata: ["imported_from": "\(provider.name.rawValue):\(record.id)"],
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
                return Line(providerID: record.id, externalID: external, outcome: outcome, reason: nil)
            }
        }
    }
}
