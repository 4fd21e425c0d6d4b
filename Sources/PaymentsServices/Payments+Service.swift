import Logging
import PaymentsDomain
import PaymentsStore

public enum Payments {}

extension Payments {
    /// What `POST /v1/payments` asks for.
    public struct CreateRequest: Sendable {
        public let customer: String
        public let amount: Money
        public let paymentMethod: String
        public let description: String?
        public let metadata: [String: String]

        public init(customer: String, amount: Money, paymentMethod: String, description: String?, metadata: [String: String]) {
            self.customer = customer
            self.amount = amount
            self.paymentMethod = paymentMethod
            self.description = description
            self.metadata = metadata
        }

        func validate() throws(PaymentsError) {
            try Customer.validate(externalID: customer, param: "customer")
            try Money.validate(amount: amount.amount, param: "amount", allowZero: false)
            try Payment.paymentMethodRule.check(paymentMethod, param: "payment_method")
            if let description { try Payment.descriptionRule.check(description, param: "description") }
            try Metadata.validate(metadata)
        }
    }

    /// One-time payments and their refunds.
    ///
    /// Each provider call is an operation recorded before it is made (Kill Bill's way): its id
    /// is the provider's idempotency key, and the app's `Idempotency-Key` finds it again, so a
    /// retry after a crash or a timeout resumes the same operation instead of charging twice.
    public struct Service: Sendable {
        let store: Store
        let directory: Providers.Directory
        let customers: Customers.Service
        let logger: Logger
        var links: ProviderLinks { ProviderLinks(store: store) }

        public init(store: Store, directory: Providers.Directory, customers: Customers.Service, logger: Logger) {
            self.store = store
            self.directory = directory
            self.customers = customers
            self.logger = logger
        }

        /// Charges a customer once.
        /// - Parameter requestKey: the request's `Idempotency-Key`, if it had one.
        /// - Throws: `customer_not_found`, `card_declined` (402, the payment is kept as failed),
        ///   `provider_outcome_unknown` (503: retry with the same key).
        public func create(app: App, _ request: CreateRequest, requestKey: String?, origin: Origin) async throws -> Payment {
            try request.validate()
            let provider = try await directory.provider(for: app)
            let processor = try provider.require((any PaymentProcessor).self, .payments)
            if let requestKey,
                let operation = try await store.read({ try await $0.operations(app.id).find(kind: .createPayment, requestKey: requestKey) })
            {
                return try await resume(app: app, operation, processor: processor, paymentMethod: request.paymentMethod, origin: origin)
            }
            let customer = try await customers.get(app: app.id, externalID: request.customer, param: "customer")
            let providerCustomer = try await links.customer(customer, on: processor, origin: origin)
            let (payment, operation) = try await store.write(origin, app: app.id) { session in
                let payment = Payment(
                    id: session.ids.next(Payment.self, at: session.now),
                    appID: app.id,
                    customerID: customer.id,
                    customerExternalID: customer.externalID,
                    amount: request.amount,
                    amountRefunded: 0,
                    status: .pending,
                    description: request.description,
                    metadata: request.metadata,
                    provider: processor.name,
                    providerPaymentID: nil,
                    failure: nil,
                    createdAt: session.now,
                    updatedAt: session.now
                )
                let operation = ProviderOperation(
                    id: session.ids.next(ProviderOperation.self, at: session.wallClock),
                    appID: app.id,
                    requestKey: requestKey,
                    kind: .createPayment,
                    targetID: payment.id.rawValue,
                    provider: processor.name,
                    status: .pending,
                    providerObjectID: nil,
                    errorCode: nil,
                    attempts: 0,
                    createdAt: session.wallClock,
                    updatedAt: session.wallClock
                )
                try await session.payments(app.id).insert(payment)
                try await session.operations(app.id).insert(operation)
                try await session.audit(
                    app.id,
                    try AuditRecord(action: .createPayment, target: payment.id, snapshot: PaymentSnapshot(payment, operation))
                )
                return (payment, operation)
            }
            return try await send(
                app: app,
                payment,
                operation,
                processor: processor,
                providerCustomer: providerCustomer,
                paymentMethod: request.paymentMethod,
                origin: origin
            )
        }

        public func get(app: App.ID, _ id: String) async throws -> (Payment, [Refund]) {
            guard let paymentID = Payment.ID(parsing: id),
                let found = try await store.read({ session -> (Payment, [Refund])? in
                    guard let payment = try await session.payments(app).find(paymentID) else { return nil }
                    return (payment, try await session.payments(app).refunds(of: paymentID))
                })
            else { throw PaymentsError.notFound(.paymentNotFound, id: id) }
            return found
        }

        public func list(app: App.ID, customer: String?, _ page: PageRequest) async throws -> Page<Payment> {
            try page.requireCursor(of: Payment.self)
            var customerID: Customer.ID?
            if let customer { customerID = try await customers.get(app: app, externalID: customer, param: "customer").id }
            return try await store.read { [customerID] in try await $0.payments(app).list(customer: customerID, page) }
        }

        /// Sends (or sends again, under the same key) the operation's payment to the provider and
        /// records what it answered.
        /// - Parameter providerCustomer: the customer's id at the provider, when the caller has it.
        func send(
            app: App,
            _ payment: Payment,
            _ operation: ProviderOperation,
            processor: any PaymentProcessor,
            providerCustomer known: String? = nil,
            paymentMethod: String,
            origin: Origin
        ) async throws -> Payment {
            let providerCustomer: String
            if let known {
                providerCustomer = known
            } else {
                let customer = try await customers.get(app: app.id, id: payment.customerID)
                providerCustomer = try await links.customer(customer, on: processor, origin: origin)
            }
            let request = ProviderPaymentRequest(
                operationID: operation.id.rawValue,
                ourID: payment.id.rawValue,
                customer: providerCustomer,
                amount: payment.amount,
                paymentMethod: paymentMethod,
                description: payment.description,
                metadata: payment.metadata.merging(
                    [
                        ProviderMetadata.appID: app.id.rawValue, ProviderMetadata.objectID: payment.id.rawValue,
                        ProviderMetadata.operationID: operation.id.rawValue,
                    ]) { _, ours in ours }
            )
            do {
                let remote = try await processor.createPayment(request, idempotencyKey: operation.idempotencyKey)
                return try await settle(app: app.id, payment.id, operation.id, remote: remote, failure: nil, origin: origin)
            } catch let error as ProviderError where error.isOutcomeUnknown {
                _ = try await settle(app: app.id, payment.id, operation.id, remote: nil, failure: error, origin: origin)
                // Look once before answering: the provider may have acted after all.
                if let found = try? await processor.findPayment(customer: providerCustomer, operationID: operation.id.rawValue) {
                    return try await settle(app: app.id, payment.id, operation.id, remote: found, failure: nil, origin: origin)
                }
                throw error.paymentsError
            } catch let error as ProviderError {
                _ = try await settle(app: app.id, payment.id, operation.id, remote: error.payment, failure: error, origin: origin)
                throw error.paymentsError
            }
        }

        /// A retried request whose operation exists: answer from what is recorded, or reconcile.
        func resume(
            app: App,
            _ operation: ProviderOperation,
            processor: any PaymentProcessor,
            paymentMethod: String,
            origin: Origin
        ) async throws -> Payment {
            let (payment, _) = try await get(app: app.id, operation.targetID)
            switch operation.status {
            case .succeeded:
                return payment
            case .failed:
                if let failure = payment.failure, failure.code == "card_declined" {
                    throw ProviderError.cardDeclined(failure.message, declineCode: failure.declineCode, payment: nil).paymentsError
                }
                return payment
            case .pending, .unknown:
                if let reconciled = try await reconcile(app: app, operation, processor: processor, origin: origin) {
                    return reconciled
                }
                // Not found at the provider: send again under the operation's own key, which the
                // provider deduplicates if the first attempt did reach it.
                return try await send(app: app, payment, operation, processor: processor, paymentMethod: paymentMethod, origin: origin)
            }
        }

        /// Reads a payment the provider names back from the provider and records what changed.
        /// - Returns: false when no payment of ours has that provider id.
        public func refresh(app: App, providerID: String, origin: Origin) async throws -> Bool {
            let provider = try await directory.provider(for: app)
            guard let processor = provider as? any PaymentProcessor,
                let local = try await store.read({ try await $0.payments(app.id).find(provider: provider.name, providerID: providerID) })
            else { return false }
            let remote = try await processor.retrievePayment(providerID)
            // More refunded than our refunds say: some were made at the provider alone.
            var listed: [ProviderRefund] = []
            if remote.amountRefunded > 0 {
                let refunds = try await store.read { try await $0.payments(app.id).refunds(of: local.id) }
                if remote.amountRefunded > refunds.filter(\.counts).map(\.amount.amount).reduce(0, +) {
                    listed = try await processor.listRefunds(payment: providerID)
                }
            }
            var mirrored = local
            mirrored.mirror(remote, at: local.updatedAt)
            guard mirrored != local || !listed.isEmpty else { return true }
            try await store.write(origin, app: app.id) { [listed] session in
                guard var payment = try await session.payments(app.id).find(local.id) else { return }
                let before = payment
                let made = try await Self.mirrorOutsideRefunds(listed, of: payment, session)
                payment.mirror(remote, at: session.now)
                guard payment != before || !made.isEmpty else { return }
                try await session.payments(app.id).update(payment)
                try await session.emitChanges(app.id, from: before, to: payment)
                var snapshot = ["status": payment.status.rawValue, "amount_refunded": "\(payment.amountRefunded)"]
                if !made.isEmpty { snapshot["refunds_made_at_provider"] = made.map { $0.providerRefundID ?? "" }.joined(separator: ",") }
                try await session.audit(app.id, try AuditRecord(action: .updatePayment, target: payment.id, snapshot: snapshot))
            }
            return true
        }

        /// Records, as refunds of ours, the provider's refunds of `payment` the service did not
        /// make (on the provider's dashboard, by another system): neither one of ours names it nor
        /// was it made by an operation of ours still on its way.
        static func mirrorOutsideRefunds(_ listed: [ProviderRefund], of payment: Payment, _ session: Session) async throws -> [Refund] {
            let known = Set(try await session.payments(payment.appID).refunds(of: payment.id).compactMap(\.providerRefundID))
            var made: [Refund] = []
            for remote in listed where !known.contains(remote.id) {
                if let operation = remote.operationID,
                    try await session.operations(payment.appID).find(ProviderOperation.ID(rawValue: operation)) != nil
                {
                    continue  // ours, its answer not recorded yet: the operation records it
                }
                let refund = Refund(
                    id: session.ids.next(Refund.self, at: session.now),
                    appID: payment.appID,
                    paymentID: payment.id,
                    amount: Money(remote.amount, payment.amount.currency),
                    reason: nil,
                    status: remote.status,
                    providerRefundID: remote.id,
                    createdAt: session.now,
                    updatedAt: session.now
                )
                try await session.payments(payment.appID).insert(refund)
                made.append(refund)
            }
            return made
        }

        /// Looks an unsettled operation's payment up at the provider and records it.
        /// - Returns: the payment, or nil when the provider has none for the operation.
        public func reconcile(
            app: App,
            _ operation: ProviderOperation,
            processor: any PaymentProcessor,
            origin: Origin
        )
            async throws -> Payment?
        {
            let (payment, _) = try await get(app: app.id, operation.targetID)
            let customer = try await customers.get(app: app.id, id: payment.customerID)
            let providerCustomer = try await links.customer(customer, on: processor, origin: origin)
            guard let found = try await processor.findPayment(customer: providerCustomer, operationID: operation.id.rawValue) else {
                return nil
            }
            return try await settle(app: app.id, payment.id, operation.id, remote: found, failure: nil, origin: origin)
        }

        /// Records a provider answer on the payment and its operation, in one audited change.
        func settle(
            app: App.ID,
            _ paymentID: Payment.ID,
            _ operationID: ProviderOperation.ID,
            remote: ProviderPayment?,
            failure: ProviderError?,
            origin: Origin
        ) async throws -> Payment {
            try await store.write(origin, app: app) { session in
                guard var payment = try await session.payments(app).find(paymentID),
                    var operation = try await session.operations(app).find(operationID)
                else { throw StoreError.inconsistent("payment \(paymentID) or its operation vanished") }
                let before = payment
                operation.attempts += 1
                operation.updatedAt = session.wallClock
                if let remote {
                    payment.mirror(remote, at: session.now)
                    operation.providerObjectID = remote.id
                    operation.status = remote.status == .failed ? .failed : .succeeded
                    operation.errorCode = failure.map { $0.providerCode ?? $0.codeLabel }
                } else if let failure {
                    operation.status = failure.isOutcomeUnknown ? .unknown : .failed
                    operation.errorCode = failure.providerCode ?? failure.codeLabel
                    payment.status = failure.isOutcomeUnknown ? .unknown : .failed
                    if !failure.isOutcomeUnknown {
                        payment.failure = PaymentFailure(
                            code: failure.providerCode ?? failure.codeLabel,
                            declineCode: failure.declineCode,
                            message: failure.message
                        )
                    }
                    payment.updatedAt = session.now
                }
                try await session.payments(app).update(payment)
                try await session.operations(app).update(operation)
                try await session.audit(
                    app,
                    try AuditRecord(action: .updatePayment, target: payment.id, snapshot: PaymentSnapshot(payment, operation))
                )
                try await session.emitChanges(app, from: before, to: payment)
                return payment
            }
        }
    }
}

struct PaymentSnapshot: Encodable {
    let amount: Int64
    let currency: String
    let amount_refunded: Int64
    let status: String
    let customer_id: String
    let provider: String
    let provider_payment_id: String?
    /// The operation that made the payment; nil for one a checkout session made at the provider.
    let operation_id: String?
    let operation_status: String?
    let failure_code: String?
    /// The provider's refunds brought in with it by an import.
    var refunds: [String]? = nil

    init(_ payment: Payment, _ operation: ProviderOperation?) {
        amount = payment.amount.amount
        currency = payment.amount.currency.rawValue
        amount_refunded = payment.amountRefunded
        status = payment.status.rawValue
        customer_id = payment.customerID.rawValue
        provider = payment.provider.rawValue
        provider_payment_id = payment.providerPaymentID
        operation_id = operation?.id.rawValue
        operation_status = operation?.status.rawValue
        failure_code = payment.failure?.code
    }
}
