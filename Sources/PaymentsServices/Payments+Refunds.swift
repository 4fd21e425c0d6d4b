import PaymentsDomain
import PaymentsStore

extension Payments.Service {
    /// Gives money back on a payment, all that remains or `amount` of it.
    ///
    /// The refund is reserved against the payment (locked) before the provider is called, so two
    /// concurrent refunds cannot together exceed it.
    /// - Throws: `payment_not_found`, `refund_exceeds_payment`, `payment_not_refundable`.
    public func refund(
        app: App,
        payment id: String,
        amount: Int64?,
        reason: Refund.Reason?,
        requestKey: String?,
        origin: Origin
    ) async throws -> (Refund, Payment) {
        guard let paymentID = Payment.ID(parsing: id) else { throw PaymentsError.notFound(.paymentNotFound, id: id) }
        let provider = try await directory.provider(for: app)
        let processor = try provider.require((any PaymentProcessor).self, .refunds)
        if let requestKey,
            let operation = try await store.read({ try await $0.operations(app.id).find(kind: .createRefund, requestKey: requestKey) })
        {
            return try await resumeRefund(app: app, operation, processor: processor, origin: origin)
        }
        let (refund, operation, providerPaymentID) = try await store.write(origin, app: app.id) { session in
            let payments = session.payments(app.id)
            guard var payment = try await payments.find(paymentID) else { throw PaymentsError.notFound(.paymentNotFound, id: id) }
            guard payment.provider == processor.name, let providerPaymentID = payment.providerPaymentID else {
                throw PaymentsError(
                    .invalidRequest,
                    code: .paymentNotRefundable,
                    message: "Payment \(id) was not made through the app's current provider (\(processor.name.rawValue))."
                )
            }
            // Refunds still in flight hold their amount too.
            let held = try await payments.refunds(of: paymentID).filter(\.counts).reduce(Int64(0)) { $0 + $1.amount.amount }
            payment.amountRefunded = max(payment.amountRefunded, held)
            let value = try payment.refundAmount(amount)
            let refund = Refund(
                id: session.ids.next(Refund.self, at: session.now),
                appID: app.id,
                paymentID: paymentID,
                amount: Money(value, payment.amount.currency),
                reason: reason,
                status: .pending,
                providerRefundID: nil,
                createdAt: session.now,
                updatedAt: session.now
            )
            let operation = ProviderOperation(
                id: session.ids.next(ProviderOperation.self, at: session.wallClock),
                appID: app.id,
                requestKey: requestKey,
                kind: .createRefund,
                targetID: refund.id.rawValue,
                provider: processor.name,
                status: .pending,
                providerObjectID: nil,
                errorCode: nil,
                attempts: 0,
                createdAt: session.wallClock,
                updatedAt: session.wallClock
            )
            try await payments.insert(refund)
            try await session.operations(app.id).insert(operation)
            try await session.audit(
                app.id,
                try AuditRecord(action: .createRefund, target: refund.id, snapshot: RefundSnapshot(refund, operation))
            )
            return (refund, operation, providerPaymentID)
        }
        return try await sendRefund(app: app, refund, operation, providerPayment: providerPaymentID, processor: processor, origin: origin)
    }

    func sendRefund(
        app: App,
        _ refund: Refund,
        _ operation: ProviderOperation,
        providerPayment: String,
        processor: any PaymentProcessor,
        origin: Origin
    ) async throws -> (Refund, Payment) {
        let request = ProviderRefundRequest(
            operationID: operation.id.rawValue,
            ourID: refund.id.rawValue,
            payment: providerPayment,
            amount: refund.amount.amount,
            reason: refund.reason,
            appID: app.id
        )
        do {
            let remote = try await processor.createRefund(request, idempotencyKey: operation.idempotencyKey)
            return try await settleRefund(app: app, refund.id, operation.id, remote: remote, failure: nil, processor: processor, origin: origin)
        } catch let error as ProviderError where error.isOutcomeUnknown {
            _ = try await settleRefund(app: app, refund.id, operation.id, remote: nil, failure: error, processor: processor, origin: origin)
            if let found = try? await processor.findRefund(payment: providerPayment, operationID: operation.id.rawValue) {
                return try await settleRefund(app: app, refund.id, operation.id, remote: found, failure: nil, processor: processor, origin: origin)
            }
            throw error.paymentsError
        } catch let error as ProviderError {
            _ = try await settleRefund(app: app, refund.id, operation.id, remote: nil, failure: error, processor: processor, origin: origin)
            throw error.paymentsError
        }
    }

    func resumeRefund(
        app: App,
        _ operation: ProviderOperation,
        processor: any PaymentProcessor,
        origin: Origin
    ) async throws
        -> (Refund, Payment)
    {
        guard let refundID = Refund.ID(parsing: operation.targetID),
            let (refund, payment) = try await store.read({ session -> (Refund, Payment)? in
                guard let refund = try await session.payments(app.id).refund(refundID),
                    let payment = try await session.payments(app.id).find(refund.paymentID)
                else { return nil }
                return (refund, payment)
            }),
            let providerPayment = payment.providerPaymentID
        else { throw StoreError.inconsistent("refund of operation \(operation.id) vanished") }
        switch operation.status {
        case .succeeded, .failed:
            return (refund, payment)
        case .pending, .unknown:
            if let found = try await processor.findRefund(payment: providerPayment, operationID: operation.id.rawValue) {
                return try await settleRefund(app: app, refund.id, operation.id, remote: found, failure: nil, processor: processor, origin: origin)
            }
            return try await sendRefund(app: app, refund, operation, providerPayment: providerPayment, processor: processor, origin: origin)
        }
    }

    /// Looks an unsettled refund operation up at the provider and records it.
    /// - Returns: the refund, or nil when the provider has none for the operation.
    public func reconcileRefund(
        app: App,
        _ operation: ProviderOperation,
        processor: any PaymentProcessor,
        origin: Origin
    )
        async throws -> Refund?
    {
        guard let refundID = Refund.ID(parsing: operation.targetID),
            let providerPayment = try await store.read({ session -> String? in
                guard let refund = try await session.payments(app.id).refund(refundID) else { return nil }
                return try await session.payments(app.id).find(refund.paymentID)?.providerPaymentID
            })
        else { return nil }
        guard let found = try await processor.findRefund(payment: providerPayment, operationID: operation.id.rawValue) else { return nil }
        return try await settleRefund(app: app, refundID, operation.id, remote: found, failure: nil, processor: processor, origin: origin).0
    }

    /// Records the provider's answer on the refund, its operation, and the payment's refunded
    /// amount (read back from the provider, which is the truth).
    func settleRefund(
        app: App,
        _ refundID: Refund.ID,
        _ operationID: ProviderOperation.ID,
        remote: ProviderRefund?,
        failure: ProviderError?,
        processor: any PaymentProcessor,
        origin: Origin
    ) async throws -> (Refund, Payment) {
        var remotePayment: ProviderPayment?
        if remote != nil,
            let payment = try await store.read({ session -> Payment? in
                guard let refund = try await session.payments(app.id).refund(refundID) else { return nil }
                return try await session.payments(app.id).find(refund.paymentID)
            }), let providerID = payment.providerPaymentID
        {
            remotePayment = try? await processor.retrievePayment(providerID)
        }
        return try await store.write(origin, app: app.id) { [remotePayment] session in
            let payments = session.payments(app.id)
            guard var refund = try await payments.refund(refundID), var payment = try await payments.find(refund.paymentID),
                var operation = try await session.operations(app.id).find(operationID)
            else { throw StoreError.inconsistent("refund \(refundID) or its operation vanished") }
            let before = payment
            operation.attempts += 1
            operation.updatedAt = session.wallClock
            refund.updatedAt = session.now
            if let remote {
                refund.status = remote.status
                refund.providerRefundID = remote.id
                operation.status = .succeeded
                operation.providerObjectID = remote.id
            } else if let failure {
                refund.status = failure.isOutcomeUnknown ? .unknown : .failed
                operation.status = failure.isOutcomeUnknown ? .unknown : .failed
                operation.errorCode = failure.providerCode ?? failure.codeLabel
            }
            let succeeded = try await payments.refunds(of: payment.id).map { $0.id == refund.id ? refund : $0 }
                .filter { $0.status == .succeeded }.reduce(Int64(0)) { $0 + $1.amount.amount }
            payment.amountRefunded = max(payment.amountRefunded, succeeded, remotePayment?.amountRefunded ?? 0)
            payment.updatedAt = session.now
            try await payments.update(refund)
            try await payments.update(payment)
            try await session.operations(app.id).update(operation)
            try await session.audit(
                app.id,
                try AuditRecord(action: .updateRefund, target: refund.id, snapshot: RefundSnapshot(refund, operation))
            )
            try await session.emitChanges(app.id, from: before, to: payment)
            return (refund, payment)
        }
    }
}

struct RefundSnapshot: Encodable {
    let payment_id: String
    let amount: Int64
    let currency: String
    let reason: String?
    let status: String
    let provider_refund_id: String?
    let operation_id: String
    let operation_status: String

    init(_ refund: Refund, _ operation: ProviderOperation) {
        payment_id = refund.paymentID.rawValue
        amount = refund.amount.amount
        currency = refund.amount.currency.rawValue
        reason = refund.reason?.rawValue
        status = refund.status.rawValue
        provider_refund_id = refund.providerRefundID
        operation_id = operation.id.rawValue
        operation_status = operation.status.rawValue
    }
}
