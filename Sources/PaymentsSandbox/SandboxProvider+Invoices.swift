import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An invoice the sandbox collects for one of ours: its lines, and a hosted page where the buyer
/// pays it with a test payment method.
struct SBInvoice: Codable {
    enum Status: String, Codable {
        case open, paid, void
    }

    let id: String
    let ourID: String
    let customer: String
    let currency: Currency
    let lines: [Line]
    let dueDate: Date?
    var status: Status
    var payment: String?
    let url: String
    let createdAt: Date

    struct Line: Codable {
        let description: String
        let quantity: Int64
        let unitAmount: Int64
    }

    var total: Int64 { lines.reduce(0) { $0 + $1.quantity * $1.unitAmount } }
}

extension SandboxProvider {
    public var invoiceCollections: [Invoice.Collection] { [.sandbox] }

    public func collectInvoice(_ request: ProviderInvoiceRequest, idempotencyKey: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                if let existing = try await tx.find(.invoice, idempotencyKey: idempotencyKey, as: SBInvoice.self) {
                    return try await Self.domain(existing, tx)
                }
                guard try await tx.exists(.customer, request.customer) else {
                    throw ProviderError.invalidRequest(
                        "No such customer: '\(request.customer)'.",
                        providerCode: "resource_missing",
                        param: "customer"
                    )
                }
                let id = tx.newID(.invoice, at: now)
                let invoice = SBInvoice(
                    id: id,
                    ourID: request.ourID,
                    customer: request.customer,
                    currency: request.currency,
                    lines: request.lines.map { SBInvoice.Line(description: $0.description, quantity: $0.quantity, unitAmount: $0.unitAmount) },
                    dueDate: request.dueDate,
                    status: .open,
                    payment: nil,
                    url: "\(publicURL)/sandbox/invoices/\(id)",
                    createdAt: now
                )
                try await tx.insert(.invoice, id: id, idempotencyKey: idempotencyKey, parent: request.customer, invoice, at: now)
                return try await Self.domain(invoice, tx)
            }
        }
    }

    public func retrieveCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        try await run {
            try await ledger.read { tx in
                guard let invoice = try await tx.get(.invoice, id, as: SBInvoice.self) else {
                    throw ProviderError.notFound("No such invoice: '\(id)'.")
                }
                return try await Self.domain(invoice, tx)
            }
        }
    }

    public func voidCollectedInvoice(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                guard var invoice = try await tx.get(.invoice, id, as: SBInvoice.self) else {
                    throw ProviderError.notFound("No such invoice: '\(id)'.")
                }
                switch invoice.status {
                case .paid:
                    throw ProviderError.invalidRequest("Invoice \(id) is paid: it cannot be voided.", providerCode: "invoice_not_open")
                case .void:
                    break
                case .open:
                    invoice.status = .void
                    try await tx.update(.invoice, id: id, invoice, at: now)
                    try await tx.event(.hostedInvoiceVoided, object: id, at: now)
                }
                return try await Self.domain(invoice, tx)
            }
        }
    }

    public func markCollectedInvoicePaidOutOfBand(_ id: String) async throws(ProviderError) -> ProviderCollectedInvoice {
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                guard var invoice = try await tx.get(.invoice, id, as: SBInvoice.self) else {
                    throw ProviderError.notFound("No such invoice: '\(id)'.")
                }
                guard invoice.status == .open else {
                    if invoice.status == .void { throw ProviderError.invalidRequest("Invoice \(id) is void.", providerCode: "invoice_not_open") }
                    return try await Self.domain(invoice, tx)
                }
                invoice.status = .paid
                try await tx.update(.invoice, id: id, invoice, at: now)
                try await tx.event(.hostedInvoicePaid, object: id, at: now)
                return try await Self.domain(invoice, tx)
            }
        }
    }

    /// What the hosted invoice page does when the buyer pays: charges the test payment method.
    /// - Returns: the invoice, and why the charge failed if it did (the invoice stays open).
    public func payCollectedInvoice(
        _ id: String,
        paymentMethod: String
    ) async throws(ProviderError)
        -> (invoice: ProviderCollectedInvoice, failure: PaymentFailure?)
    {
        let method = try TestPaymentMethod.parse(paymentMethod)
        let now = try await now()
        return try await run {
            try await ledger.transaction { tx in
                guard var invoice = try await tx.get(.invoice, id, as: SBInvoice.self) else {
                    throw ProviderError.notFound("No such invoice: '\(id)'.")
                }
                guard invoice.status == .open else { return (try await Self.domain(invoice, tx), nil) }
                if let failure = method.charge(renewal: false) {
                    try await tx.event(.hostedInvoicePaymentFailed, object: id, at: now)
                    return (try await Self.domain(invoice, tx), failure)
                }
                let payment = SBPayment(
                    id: tx.newID(.payment, at: now),
                    customer: invoice.customer,
                    amount: invoice.total,
                    currency: invoice.currency,
                    status: .succeeded,
                    amountRefunded: 0,
                    failure: nil,
                    paymentMethod: method.rawValue,
                    operationID: "invoice:\(id)",
                    ourID: nil,
                    subscription: nil,
                    createdAt: now
                )
                try await tx.insert(.payment, id: payment.id, idempotencyKey: "invoice:\(id)", parent: invoice.customer, payment, at: now)
                invoice.status = .paid
                invoice.payment = payment.id
                try await tx.update(.invoice, id: id, invoice, at: now)
                try await tx.event(.hostedInvoicePaid, object: id, at: now)
                return (try await Self.domain(invoice, tx), nil)
            }
        }
    }

    /// What `POST /v1/invoices/{id}/pay` asks: the page's charge, made by the app.
    public func chargeCollectedInvoice(
        _ id: String,
        paymentMethod: String,
        idempotencyKey: String
    ) async throws(ProviderError)
        -> ProviderCollectedInvoice
    {
        let (invoice, failure) = try await payCollectedInvoice(id, paymentMethod: paymentMethod)
        if let failure { throw .cardDeclined(failure.message, declineCode: failure.declineCode, payment: nil) }
        return invoice
    }

    /// Our invoice's id for a sandbox invoice (its hosted page shows ours).
    public func ourInvoice(of id: String) async throws(ProviderError) -> String {
        try await run {
            try await ledger.read { tx in
                guard let invoice = try await tx.get(.invoice, id, as: SBInvoice.self) else {
                    throw ProviderError.notFound("No such invoice: '\(id)'.")
                }
                return invoice.ourID
            }
        }
    }

    static func domain(_ invoice: SBInvoice, _ tx: SandboxLedger.Tx) async throws -> ProviderCollectedInvoice {
        let payment = try await invoice.payment.asyncMap { try await tx.get(.payment, $0, as: SBPayment.self)?.domain } ?? nil
        return ProviderCollectedInvoice(
            id: invoice.id,
            status: ProviderCollectedInvoice.Status(rawValue: invoice.status.rawValue) ?? .open,
            total: invoice.total,
            amountPaid: invoice.status == .paid ? invoice.total : 0,
            hostedURL: invoice.url,
            pdfURL: nil,
            payment: payment
        )
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
