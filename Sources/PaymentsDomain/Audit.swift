import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who did something.
public enum Actor: Sendable, Equatable {
    /// A request authenticated by an app key, with the `X-Actor-Id` the app sent, if any.
    case key(APIKey.ID, label: String?)
    /// The admin token or the CLI.
    case admin
    /// The service itself (workers).
    case system

    /// The `actor_id` recorded: the app's own actor id when it gave one, else the key id.
    public var actorID: String {
        switch self {
        case .key(let key, let label): label ?? key.rawValue
        case .admin: "admin"
        case .system: "system"
        }
    }

    /// The key that authenticated the change, if a key did.
    public var keyID: APIKey.ID? {
        if case .key(let key, _) = self { return key }
        return nil
    }
}

/// The action types written to the audit log.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    case createApp = "CREATE_APP"
    case updateApp = "UPDATE_APP"
    case rotateKey = "ROTATE_KEY"
    case revokeKey = "REVOKE_KEY"
    case createCustomer = "CREATE_CUSTOMER"
    case updateCustomer = "UPDATE_CUSTOMER"
    case createPlan = "CREATE_PLAN"
    case updatePlan = "UPDATE_PLAN"
    case archivePlan = "ARCHIVE_PLAN"
    case createMetric = "CREATE_METRIC"
    case updateMetric = "UPDATE_METRIC"
    case setUsage = "SET_USAGE"
    case linkProviderObject = "LINK_PROVIDER_OBJECT"
    case setProviderAccount = "SET_PROVIDER_ACCOUNT"
    case createPayment = "CREATE_PAYMENT"
    case updatePayment = "UPDATE_PAYMENT"
    case createRefund = "CREATE_REFUND"
    case createInvoice = "CREATE_INVOICE"
    case updateInvoice = "UPDATE_INVOICE"
    case deleteInvoice = "DELETE_INVOICE"
    case addInvoiceLine = "ADD_INVOICE_LINE"
    case updateInvoiceLine = "UPDATE_INVOICE_LINE"
    case deleteInvoiceLine = "DELETE_INVOICE_LINE"
    case finalizeInvoice = "FINALIZE_INVOICE"
    case voidInvoice = "VOID_INVOICE"
    case markInvoiceUncollectible = "MARK_INVOICE_UNCOLLECTIBLE"
    case markInvoicePaid = "MARK_INVOICE_PAID"
    case payInvoice = "PAY_INVOICE"
    case updateInvoiceSettings = "UPDATE_INVOICE_SETTINGS"
    case updateRefund = "UPDATE_REFUND"
    case createSubscription = "CREATE_SUBSCRIPTION"
    case updateSubscription = "UPDATE_SUBSCRIPTION"
    case cancelSubscription = "CANCEL_SUBSCRIPTION"
    case createCheckoutSession = "CREATE_CHECKOUT_SESSION"
    case updateCheckoutSession = "UPDATE_CHECKOUT_SESSION"
    case createPortalSession = "CREATE_PORTAL_SESSION"
    case advanceTestClock = "ADVANCE_TEST_CLOCK"
    case openGracePeriod = "OPEN_GRACE_PERIOD"
    case resolveGracePeriod = "RESOLVE_GRACE_PERIOD"
    case expireGracePeriod = "EXPIRE_GRACE_PERIOD"
    case recordInvoicePayment = "RECORD_INVOICE_PAYMENT"
    case createWebhookEndpoint = "CREATE_WEBHOOK_ENDPOINT"
    case updateWebhookEndpoint = "UPDATE_WEBHOOK_ENDPOINT"
    case deleteWebhookEndpoint = "DELETE_WEBHOOK_ENDPOINT"
    case rotateWebhookSecret = "ROTATE_WEBHOOK_SECRET"
    case retryEventDelivery = "RETRY_EVENT_DELIVERY"
    case reprocessProviderEvent = "REPROCESS_PROVIDER_EVENT"
    case reconcileDrift = "RECONCILE_DRIFT"
    /// A customer brought in from a provider account (created or linked).
    case importCustomer = "IMPORT_CUSTOMER"
    /// A plan (a provider's product) or its prices brought in from a provider account.
    case importPlan = "IMPORT_PLAN"
    /// A subscription, payment (with its refunds) or invoice brought in from a provider account.
    case importSubscription = "IMPORT_SUBSCRIPTION"
    case importPayment = "IMPORT_PAYMENT"
    case importInvoice = "IMPORT_INVOICE"
    case setEntitlementOverride = "SET_ENTITLEMENT_OVERRIDE"
    case deleteEntitlementOverride = "DELETE_ENTITLEMENT_OVERRIDE"
    case updateEntitlementPolicy = "UPDATE_ENTITLEMENT_POLICY"
    case setEntitlementRule = "SET_ENTITLEMENT_RULE"
    case deleteEntitlementRule = "DELETE_ENTITLEMENT_RULE"
}

/// What a mutation says about itself; the store turns it into a chained `AuditEntry` in the same
/// transaction as the change.
public struct AuditRecord: Sendable, Equatable {
    public let action: AuditAction
    public let targetType: ResourceType
    public let targetID: String
    /// The change's effect as JSON, secrets redacted.
    public let payloadSnapshot: String

    /// - Throws: an `EncodingError` when the snapshot cannot be encoded; the change then rolls back
    ///   rather than being recorded with an empty snapshot.
    public init(action: AuditAction, targetType: ResourceType, targetID: String, snapshot: some Encodable) throws {
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.payloadSnapshot = try AuditSnapshot.encode(snapshot)
    }

    /// A change to the object `target` names: the target type is its kind's.
    public init<Kind: Identified>(action: AuditAction, target: TypedID<Kind>, snapshot: some Encodable) throws {
        try self.init(action: action, targetType: Kind.resourceType, targetID: target.rawValue, snapshot: snapshot)
    }
}

/// One audit log entry as stored. It is written with its change, unsealed; a sealer run soon
/// after the commit gives it its place in the app's hash chain (``Seal``).
public struct AuditEntry: Sendable, Equatable, Identified {
    public static let idPrefix = "aud"
    public static let resourceType = ResourceType.auditLog
    public typealias ID = TypedID<AuditEntry>

    public let id: ID
    public let appID: App.ID
    public let actorID: String
    public let keyID: String?
    public let actionType: String
    public let targetType: String
    public let targetID: String
    public let payloadSnapshot: String
    public let requestID: String?
    public let createdAt: Date
    /// Its place in the chain; nil until sealed.
    public var seal: Seal?

    /// An entry's place in its app's chain.
    public struct Seal: Sendable, Equatable {
        /// Position in the app's chain, from 1.
        public let sequence: Int64
        /// The previous entry's `hash` (empty for the first entry).
        public let previousHash: String
        /// SHA-256 over the entry's content, `sequence` and `previousHash`.
        public let hash: String

        public init(sequence: Int64, previousHash: String, hash: String) {
            self.sequence = sequence
            self.previousHash = previousHash
            self.hash = hash
        }
    }

    public init(
        id: ID,
        appID: App.ID,
        actorID: String,
        keyID: String?,
        actionType: String,
        targetType: String,
        targetID: String,
        payloadSnapshot: String,
        requestID: String?,
        createdAt: Date,
        seal: Seal? = nil
    ) {
        self.id = id
        self.appID = appID
        self.actorID = actorID
        self.keyID = keyID
        self.actionType = actionType
        self.targetType = targetType
        self.targetID = targetID
        self.payloadSnapshot = payloadSnapshot
        self.requestID = requestID
        self.createdAt = createdAt
        self.seal = seal
    }

    /// This entry placed at `sequence` after the entry whose hash is `previousHash`.
    public func sealed(sequence: Int64, previousHash: String) -> AuditEntry {
        var entry = self
        entry.seal = Seal(sequence: sequence, previousHash: previousHash, hash: hash(sequence: sequence, previousHash: previousHash))
        return entry
    }

    /// The hash this entry carries at `sequence` after `previousHash`, from its content.
    public func hash(sequence: Int64, previousHash: String) -> String {
        AuditChain.hash(
            fields: [
                id.rawValue, appID.rawValue, String(sequence), actorID, keyID ?? "", actionType, targetType,
                targetID, payloadSnapshot, requestID ?? "", String(Timestamp.milliseconds(createdAt)),
            ],
            previousHash: previousHash
        )
    }
}

/// The per-app hash chain over audit entries.
public enum AuditChain {
    /// SHA-256 over the length-prefixed fields and the previous hash: no two different entries
    /// serialize alike.
    public static func hash(fields: [String], previousHash: String) -> String {
        var hasher = SHA256()
        for field in fields + [previousHash] {
            let bytes = Array(field.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        return hasher.finalize().hexString
    }

    /// Where a chain breaks.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        public let sequence: Int64
        public let entryID: String
        public let reason: String

        public init(sequence: Int64, entryID: String, reason: String) {
            self.sequence = sequence
            self.entryID = entryID
            self.reason = reason
        }

        public var description: String { "entry \(sequence) (\(entryID)): \(reason)" }
    }

    /// Walks sealed entries in sequence order and returns the first broken link, or `nil`.
    /// - Parameters:
    ///   - entries: one app's sealed entries, ordered by their sequence.
    ///   - expectedPreviousHash: the hash of the entry before the first one given.
    ///   - expectedSequence: the first entry's sequence.
    public static func firstBreak(
        in entries: some Sequence<AuditEntry>,
        expectedPreviousHash: String = "",
        expectedSequence: Int64 = 1
    ) -> Break? {
        var previous = expectedPreviousHash
        var sequence = expectedSequence
        for entry in entries {
            guard let seal = entry.seal else {
                return Break(sequence: sequence, entryID: entry.id.rawValue, reason: "the entry is not sealed")
            }
            if seal.sequence != sequence {
                return Break(
                    sequence: seal.sequence,
                    entryID: entry.id.rawValue,
                    reason: "expected sequence \(sequence): an entry is missing or was inserted"
                )
            }
            if seal.previousHash != previous {
                return Break(
                    sequence: seal.sequence,
                    entryID: entry.id.rawValue,
                    reason: "previous_hash does not match the entry before it"
                )
            }
            if entry.hash(sequence: seal.sequence, previousHash: seal.previousHash) != seal.hash {
                return Break(
                    sequence: seal.sequence,
                    entryID: entry.id.rawValue,
                    reason: "content does not match its hash: the entry was altered"
                )
            }
            previous = seal.hash
            sequence += 1
        }
        return nil
    }
}

/// Encodes audit snapshots: sorted keys, and any field named like a secret redacted.
public enum AuditSnapshot {
    static let secretFields: Set<String> = [
        "api_key", "secret", "secret_key", "password", "token", "webhook_secret", "webhook_secrets",
        "signing_secret",
    ]

    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let encoded = try encoder.encode(value)
        // Most snapshots name no secret: then the encoding is the snapshot. (A key is written
        // `"name":`; inside a string value its quotes would be escaped, so a match is a key or,
        // at worst, a needless pass through the redaction.)
        guard secretKeys.contains(where: { key in encoded.withUnsafeBytes { $0.contains(key) } }) else {
            return String(decoding: encoded, as: UTF8.self)
        }
        let json = try JSONReader.value(of: encoded)
        return String(decoding: try encoder.encode(redact(json)), as: UTF8.self)
    }

    /// The secret fields as they appear as keys in encoded JSON.
    static let secretKeys = secretFields.map { Array("\"\($0)\":".utf8) }

    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out = [String: JSONValue]()
            for (key, inner) in object {
                out[key] = secretFields.contains(key) ? .string("[redacted]") : redact(inner)
            }
            return .object(out)
        case .array(let array): return .array(array.map(redact))
        default: return value
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether `bytes` occur here.
    fileprivate func contains(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, count >= bytes.count else { return false }
        for start in 0...(count - bytes.count) where self[start] == first {
            if self[start..<start + bytes.count].elementsEqual(bytes) { return true }
        }
        return false
    }
}
