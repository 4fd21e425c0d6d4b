#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An invoice of ours, whatever made it and whoever collects it: a draft the app fills with lines,
/// then finalized (numbered per app, gapless; its lines and amounts frozen), then paid, void or
/// uncollectible. Its totals are computed here, in integer minor units, never by the client.
public struct Invoice: Sendable, Equatable, Identified {
    public static let idPrefix = "inv"
    public static let resourceType = ResourceType.invoice
    public typealias ID = TypedID<Invoice>

    public static let memoRule = TextRule(length: 0...5000)
    /// Where the work was done (a depot, a store): the app's own id for it.
    public static let locationRule = TextRule(length: 1...128, characters: .nonSpace)
    /// A reference for money received out of band (a cheque number, a transfer's reference).
    public static let referenceRule = TextRule(length: 1...255, notBlank: true)
    public static let daysUntilDueRule = IntegerRule(0...365)
    /// Lines per invoice, as Stripe allows them.
    public static let maxLines = 250
    /// The largest total an invoice may have, in minor units (Stripe's limit for an amount due).
    public static let maxTotal: Int64 = 99_999_999

    public enum Status: String, Sendable, Codable, CaseIterable {
        case draft, open, paid, void, uncollectible
    }

    /// Who collects it. `manual`: the app does, and records it with `mark-paid` (a cheque, a bank
    /// transfer). `sandbox`, `stripe_invoice` and `payment_link` collect through a provider, whose
    /// events say when it is paid. `subscription`: the provider made it for a subscription (a
    /// renewal, usage) and charges it with the subscription's payment method; it is mirrored here.
    public enum Collection: String, Sendable, Codable, CaseIterable {
        case manual
        case sandbox
        case stripeInvoice = "stripe_invoice"
        case paymentLink = "payment_link"
        case subscription

        /// What an app may choose for a draft of its own.
        public static let chosen: [Collection] = [.manual, .sandbox, .stripeInvoice, .paymentLink]
    }

    public let id: ID
    public let appID: App.ID
    public let customerID: Customer.ID
    public let customerExternalID: String
    /// `PREFIX-000123`, given at finalization; nil while a draft.
    public var number: String?
    public var status: Status
    public var currency: Currency
    public var collection: Collection
    public var locationID: String?
    /// A fixed due date, or (when nil) `daysUntilDue` after finalization.
    public var dueDate: Date?
    public var daysUntilDue: Int?
    public var memo: String?
    public var metadata: [String: String]
    public var lines: [InvoiceLine]
    /// The subscription it bills and the period, for one a provider made for a subscription.
    public var subscriptionID: Subscription.ID?
    public var periodStart: Date?
    public var periodEnd: Date?
    public var amountPaid: Int64
    /// What recorded the money: a payment of ours (`pay_...`) or the app's reference for money
    /// received out of band.
    public var paymentID: Payment.ID?
    public var paymentReference: String?
    /// How much of the paying payment was refunded (read from the payment: refunds go through
    /// the payment's own refund route).
    public var amountRefunded: Int64
    /// `pay` attempts made: each charges under its own key, `invoice/{id}/{attempt}`.
    public var paymentAttempts: Int
    /// Whether the last attempt's outcome is not known yet: a retry resumes it rather than
    /// charging again.
    public var paymentAttemptOpen: Bool
    /// The provider collecting it, its invoice there, and where the buyer pays it.
    public var provider: ProviderName?
    public var providerInvoiceID: String?
    public var hostedURL: String?
    public var pdfURL: String?
    /// Set while a finalize has asked the provider to collect it and not yet recorded the
    /// answer: the key it asked under, which a retried finalize asks under again. The draft does
    /// not change meanwhile, so the provider's copy and ours hold the same lines.
    public var collectionKey: String?
    public var finalizedAt: Date?
    public var paidAt: Date?
    public var voidedAt: Date?
    public var markedUncollectibleAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        customerID: Customer.ID,
        customerExternalID: String,
        currency: Currency,
        collection: Collection,
        locationID: String?,
        dueDate: Date?,
        daysUntilDue: Int?,
        memo: String?,
        metadata: [String: String],
        createdAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.customerID = customerID
        self.customerExternalID = customerExternalID
        self.number = nil
        self.status = .draft
        self.currency = currency
        self.collection = collection
        self.locationID = locationID
        self.dueDate = dueDate
        self.daysUntilDue = daysUntilDue
        self.memo = memo
        self.metadata = metadata
        self.lines = []
        self.subscriptionID = nil
        self.periodStart = nil
        self.periodEnd = nil
        self.amountPaid = 0
        self.paymentID = nil
        self.paymentReference = nil
        self.amountRefunded = 0
        self.provider = nil
        self.providerInvoiceID = nil
        self.hostedURL = nil
        self.pdfURL = nil
        self.collectionKey = nil
        self.paymentAttempts = 0
        self.paymentAttemptOpen = false
        self.finalizedAt = nil
        self.paidAt = nil
        self.voidedAt = nil
        self.markedUncollectibleAt = nil
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    // MARK: Totals

    /// The sum of the lines (discounts are negative lines).
    public var subtotal: Int64 { lines.reduce(0) { $0 + $1.amount } }
    /// The subtotal; taxes would be added here.
    public var total: Int64 { subtotal }
    /// What the customer owes: the total.
    public var amountDue: Int64 { total }
    /// What is still owed: nothing once paid or voided (a written-off invoice may still be paid).
    public var amountRemaining: Int64 {
        switch status {
        case .draft, .open, .uncollectible: max(0, amountDue - amountPaid)
        case .paid, .void: 0
        }
    }

    // MARK: Changes

    /// Only a draft's lines and fields change, and not while it is being finalized.
    /// - Throws: `invoice_not_draft` (409).
    public func requireDraft() throws(PaymentsError) {
        guard status == .draft else {
            throw PaymentsError(
                .conflict,
                code: .invoiceNotDraft,
                message: "Invoice \(id) is \(status.rawValue): only a draft's lines and fields can change."
            )
        }
        guard collectionKey == nil else {
            throw PaymentsError(
                .conflict,
                code: .invoiceNotDraft,
                message: "Invoice \(id) is being finalized (the provider has not answered yet): finalize it again to finish."
            )
        }
    }

    /// The key the provider is asked to collect this draft under (one per draft).
    public var collectionRequestKey: String { "\(Self.attemptPrefix)\(id.rawValue)/collect" }

    /// Adds a line, keeping the invoice within its limits.
    /// - Throws: `invoice_not_draft`, `parameter_invalid` (another currency, too many lines, a total
    ///   beyond the largest amount).
    public mutating func add(_ line: InvoiceLine, param: String = "lines") throws(PaymentsError) {
        try requireDraft()
        guard line.currency == currency else {
            throw .invalid("currency", "The line is in \(line.currency) but the invoice is in \(currency): an invoice has one currency.")
        }
        guard lines.count < Self.maxLines else {
            throw .invalid(param, "An invoice has at most \(Self.maxLines) lines.")
        }
        lines.append(line)
        try checkTotal(param: param)
    }

    /// Replaces a line (same id).
    public mutating func replace(_ line: InvoiceLine) throws(PaymentsError) {
        try requireDraft()
        guard let index = lines.firstIndex(where: { $0.id == line.id }) else { throw .notFound(.invoiceLineNotFound, id: line.id.rawValue) }
        lines[index] = line
        try checkTotal(param: "quantity")
    }

    /// Removes a line.
    public mutating func remove(_ lineID: InvoiceLine.ID) throws(PaymentsError) {
        try requireDraft()
        guard let index = lines.firstIndex(where: { $0.id == lineID }) else { throw .notFound(.invoiceLineNotFound, id: lineID.rawValue) }
        lines.remove(at: index)
    }

    /// The sum of the lines must stay within what an amount may be, either way (a draft may be
    /// negative for a while; finalizing it may not).
    func checkTotal(param: String) throws(PaymentsError) {
        var sum: Int64 = 0
        for line in lines {
            sum += line.amount
            guard abs(sum) <= Self.maxTotal * Int64(Self.maxLines) else { break }
        }
        guard abs(sum) <= Self.maxTotal else {
            throw .invalid(param, "The invoice's total would be \(sum); it must stay within ±\(Self.maxTotal) minor units.")
        }
    }

    /// Freezes a draft: its number, its due date, status `open`, or `paid` at once when nothing
    /// is due (as Stripe does for a zero total).
    /// - Throws: `invoice_not_draft`, `invoice_total_negative`, `invoice_no_lines`.
    public mutating func finalize(number: String, at time: Date) throws(PaymentsError) {
        try requireFinalizable()
        self.number = number
        collectionKey = nil
        finalizedAt = time
        if dueDate == nil { dueDate = time.addingTimeInterval(TimeInterval((daysUntilDue ?? 0) * 86_400)) }
        status = .open
        if amountDue == 0 {
            status = .paid
            paidAt = time
        }
        updatedAt = time
    }

    /// What finalizing checks, before a number is taken or a provider asked.
    public func requireFinalizable() throws(PaymentsError) {
        guard status == .draft else {
            throw PaymentsError(.conflict, code: .invoiceNotDraft, message: "Invoice \(id) is \(status.rawValue): it was finalized already.")
        }
        guard !lines.isEmpty else {
            throw PaymentsError(.invalidRequest, code: .invoiceNoLines, message: "Invoice \(id) has no lines: add one before finalizing it.")
        }
        guard total >= 0 else {
            throw PaymentsError(
                .invalidRequest,
                code: .invoiceTotalNegative,
                message: "Invoice \(id) totals \(total) \(currency): discounts may not exceed what is charged."
            )
        }
    }

    /// Records the money received for an open (or written-off) invoice.
    /// - Throws: `invoice_not_open` (409).
    public mutating func markPaid(payment: Payment.ID?, reference: String?, at time: Date) throws(PaymentsError) {
        guard status == .open || status == .uncollectible else {
            throw PaymentsError(
                .conflict,
                code: .invoiceNotOpen,
                message: "Invoice \(id) is \(status.rawValue): only an open or uncollectible invoice can be paid."
            )
        }
        amountPaid = amountDue
        paymentAttemptOpen = false
        paymentID = payment ?? paymentID
        paymentReference = reference ?? paymentReference
        status = .paid
        paidAt = time
        updatedAt = time
    }

    /// Starts (or resumes) a charge of what remains: the key the payment is made under.
    /// - Throws: `invoice_not_open`.
    public mutating func beginPaymentAttempt(at time: Date) throws(PaymentsError) -> String {
        try requireNotSubscriptionBilled()
        try requireChargeable()
        guard status == .open || status == .uncollectible else {
            throw PaymentsError(
                .conflict,
                code: .invoiceNotOpen,
                message: "Invoice \(id) is \(status.rawValue): only an open or uncollectible invoice can be paid."
            )
        }
        if !paymentAttemptOpen {
            paymentAttempts += 1
            paymentAttemptOpen = true
        }
        updatedAt = time
        return "\(Self.attemptPrefix)\(id.rawValue)/\(paymentAttempts)"
    }

    static let attemptPrefix = "invoice/"

    /// The invoice a `pay` attempt's key names (`invoice/{id}/{attempt}`), if it is one.
    public static func paidByAttempt(key: String) -> ID? {
        guard key.hasPrefix(attemptPrefix) else { return nil }
        return ID(parsing: String(key.dropFirst(attemptPrefix.count).prefix { $0 != "/" }))
    }

    /// Records the payment an attempt made: paid when it succeeded; the attempt stays open while
    /// its outcome is pending.
    /// - Returns: whether the invoice is now paid.
    public mutating func record(_ payment: Payment, at time: Date) -> Bool {
        paymentID = payment.id
        amountRefunded = payment.amountRefunded
        switch payment.status {
        case .succeeded:
            paymentAttemptOpen = false
            guard status == .open || status == .uncollectible else { return false }
            amountPaid = payment.amount.amount
            status = .paid
            paidAt = time
            updatedAt = time
            return true
        case .failed, .canceled:
            paymentAttemptOpen = false
            updatedAt = time
            return false
        case .pending, .processing, .requiresAction, .unknown:
            return false
        }
    }

    /// A payment link is paid on its page, by the buyer: it cannot be charged. (One of ours or
    /// one the provider invoices is charged: by the app, or at the provider, which closes its
    /// page.)
    /// - Throws: `invoice_collected_by_provider` (409) naming `collection`.
    func requireChargeable() throws(PaymentsError) {
        guard collection == .paymentLink, providerInvoiceID != nil else { return }
        throw PaymentsError(
            .conflict,
            code: .invoiceCollectedByProvider,
            message: "Invoice \(id) is collected by a payment link: the buyer pays it on its page, and the provider's events record it. "
                + "Void it to collect it another way.",
            param: "collection"
        )
    }

    /// Cancels an open invoice: nothing is owed any more; its number stays used.
    public mutating func void(at time: Date) throws(PaymentsError) {
        guard status == .open || status == .uncollectible else {
            throw PaymentsError(
                .conflict,
                code: .invoiceNotOpen,
                message: "Invoice \(id) is \(status.rawValue): only an open or uncollectible invoice can be voided (delete a draft instead)."
            )
        }
        status = .void
        voidedAt = time
        updatedAt = time
    }

    /// Writes an open invoice off: not expected to be paid, but it still may be.
    public mutating func markUncollectible(at time: Date) throws(PaymentsError) {
        guard status == .open else {
            throw PaymentsError(
                .conflict,
                code: .invoiceNotOpen,
                message: "Invoice \(id) is \(status.rawValue): only an open invoice can be marked uncollectible."
            )
        }
        status = .uncollectible
        markedUncollectibleAt = time
        updatedAt = time
    }

    /// `PREFIX-000123`: at least six digits, more when the sequence outgrows them.
    public static func number(prefix: String, _ sequence: Int64) -> String {
        let digits = String(sequence)
        return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// A number prefix: 1 to 12 capital letters or digits (Stripe's are 3 to 12).
    public static let prefixRule = TextRule(length: 1...12, characters: .upperAlphanumeric)
}

/// One line of an invoice: what was done or sold, how many, at what unit price; or, on an invoice
/// a provider made for a subscription, what it charged (tiers may make that other than quantity ×
/// a unit amount).
public struct InvoiceLine: Sendable, Equatable, Identified {
    public static let idPrefix = "il"
    public static let resourceType = ResourceType.invoice
    public typealias ID = TypedID<InvoiceLine>

    public static let descriptionRule = TextRule(length: 1...500, notBlank: true)
    public static let quantityRule = IntegerRule(1...1_000_000)
    /// A unit amount in minor units; negative for a discount.
    public static let unitAmountRule = IntegerRule(-99_999_999...99_999_999)

    public let id: ID
    public var description: String
    public var quantity: Int64 { didSet { price() } }
    /// Minor units per unit; nil on a provider's line whose amount no one unit price gives.
    public var unitAmount: Int64? { didSet { price() } }
    /// quantity × unit amount, or what the provider charged for the line. Both factors are bounded
    /// by their rules, so the product fits in 64 bits (at most 10^6 × 10^8).
    public private(set) var amount: Int64
    public var currency: Currency
    /// The catalog price it was priced from, if any.
    public var priceID: String?
    public var locationID: String?
    public var periodStart: Date?
    public var periodEnd: Date?
    public var metadata: [String: String]
    public let createdAt: Date

    public init(
        id: ID,
        description: String,
        quantity: Int64,
        unitAmount: Int64,
        currency: Currency,
        priceID: String?,
        locationID: String?,
        periodStart: Date?,
        periodEnd: Date?,
        metadata: [String: String],
        createdAt: Date
    ) {
        self.id = id
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.amount = quantity * unitAmount
        self.currency = currency
        self.priceID = priceID
        self.locationID = locationID
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.metadata = metadata
        self.createdAt = createdAt
    }

    /// A line as a provider charged it: its unit amount where the amount divides evenly.
    public init(
        id: ID,
        description: String,
        quantity: Int64,
        amount: Int64,
        currency: Currency,
        priceID: String?,
        periodStart: Date?,
        periodEnd: Date?,
        createdAt: Date
    ) {
        self.id = id
        self.description = description
        self.quantity = quantity
        self.unitAmount = quantity > 0 && amount % quantity == 0 ? amount / quantity : nil
        self.amount = amount
        self.currency = currency
        self.priceID = priceID
        self.locationID = nil
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.metadata = [:]
        self.createdAt = createdAt
    }

    /// A line priced by unit follows its quantity and unit amount.
    private mutating func price() {
        if let unitAmount { amount = quantity * unitAmount }
    }

    /// A period must end after it starts.
    public static func checkPeriod(start: Date?, end: Date?, param: String = "period") throws(PaymentsError) {
        guard let start, let end else {
            if (start == nil) != (end == nil) { throw .invalid(param, "A period needs both start and end.") }
            return
        }
        guard end > start else { throw .invalid("\(param)[end]", "\(param)[end] must be after \(param)[start].") }
    }
}
