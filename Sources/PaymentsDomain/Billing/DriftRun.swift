#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One comparison of an app's local mirror (subscriptions and their items, payments and their
/// refunds, subscription invoices) with what its provider holds, and each difference it found. Webhooks can be missed
/// for days; a run finds what they would have said, and (with `fix`) applies it.
public struct DriftRun: Sendable, Equatable, Identified {
    public static let idPrefix = "rcr"
    public static let resourceType = ResourceType.reconciliationRun
    public typealias ID = TypedID<DriftRun>

    public enum Status: String, Sendable, Codable, CaseIterable {
        case running, completed, failed
    }

    public let id: ID
    public let appID: App.ID
    public let provider: ProviderName
    /// Whether the provider's truth was applied.
    public let fix: Bool
    /// Only local objects changed since then were compared (objects only the provider has are
    /// always reported).
    public let since: Date?
    public var status: Status
    public var differences: [DriftDifference]
    public var error: String?
    public let startedAt: Date
    public var finishedAt: Date?

    public init(id: ID, appID: App.ID, provider: ProviderName, fix: Bool, since: Date?, startedAt: Date) {
        self.id = id
        self.appID = appID
        self.provider = provider
        self.fix = fix
        self.since = since
        self.status = .running
        self.differences = []
        self.error = nil
        self.startedAt = startedAt
        self.finishedAt = nil
    }

    /// Differences not (yet) repaired.
    public var open: Int { differences.filter { !$0.fixed }.count }
}

/// What differs between an object of ours and the provider's.
public struct DriftDifference: Sendable, Equatable, Codable {
    public enum ObjectType: String, Sendable, Codable, CaseIterable {
        case subscription, payment, invoice
    }

    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The provider has it; we do not.
        case missingHere = "missing_here"
        /// We have it; the provider does not.
        case missingThere = "missing_there"
        case status, amount, period, price
    }

    public let objectType: ObjectType
    /// Our id, when we have the object.
    public let objectID: String?
    public let providerObjectID: String
    public let kind: Kind
    /// The two values, as text (a status, an amount in minor units, a time, price ids).
    public let local: String?
    public let provider: String?
    /// Whether the run applied the provider's truth.
    public var fixed: Bool
    /// Why it was not, when it could not be.
    public var note: String?

    public init(
        objectType: ObjectType,
        objectID: String?,
        providerObjectID: String,
        kind: Kind,
        local: String?,
        provider: String?,
        fixed: Bool = false,
        note: String? = nil
    ) {
        self.objectType = objectType
        self.objectID = objectID
        self.providerObjectID = providerObjectID
        self.kind = kind
        self.local = local
        self.provider = provider
        self.fixed = fixed
        self.note = note
    }
}

extension DriftDifference {
    /// What differs between our subscription and the provider's: its status (and whether it
    /// cancels at the period's end), the period's end, the prices of its items.
    public static func compare(_ local: Subscription, _ remote: ProviderSubscription) -> [DriftDifference] {
        func status(_ status: Subscription.Status, _ cancels: Bool) -> String { status.rawValue + (cancels ? " (cancels at period end)" : "") }
        func make(_ kind: Kind, _ mine: String?, _ theirs: String?) -> DriftDifference {
            DriftDifference(
                objectType: .subscription,
                objectID: local.id.rawValue,
                providerObjectID: remote.id,
                kind: kind,
                local: mine,
                provider: theirs
            )
        }
        var found: [DriftDifference] = []
        let (mine, theirs) = (status(local.status, local.cancelAtPeriodEnd), status(remote.status, remote.cancelAtPeriodEnd))
        if mine != theirs { found.append(make(.status, mine, theirs)) }
        let (localEnd, remoteEnd) = (local.currentPeriodEnd.map(RFC3339.format), remote.currentPeriodEnd.map(RFC3339.format))
        if localEnd != remoteEnd { found.append(make(.period, localEnd, remoteEnd)) }
        let localPrices = local.items.compactMap(\.providerPriceID).sorted().joined(separator: ",")
        let remotePrices = remote.items.map(\.price).sorted().joined(separator: ",")
        if !localPrices.isEmpty, localPrices != remotePrices { found.append(make(.price, localPrices, remotePrices)) }
        return found
    }

    /// What differs between our payment and the provider's: its status, what was refunded of it.
    public static func compare(_ local: Payment, _ remote: ProviderPayment) -> [DriftDifference] {
        func make(_ kind: Kind, _ mine: String, _ theirs: String) -> DriftDifference {
            DriftDifference(objectType: .payment, objectID: local.id.rawValue, providerObjectID: remote.id, kind: kind, local: mine, provider: theirs)
        }
        var found: [DriftDifference] = []
        if local.status != remote.status { found.append(make(.status, local.status.rawValue, remote.status.rawValue)) }
        if local.amount != remote.amount {
            found.append(make(.amount, local.amount.display, remote.amount.display))
        } else if local.amountRefunded != remote.amountRefunded {
            let refunded = { (amount: Int64) in "refunded \(Money(amount, local.amount.currency).display)" }
            found.append(make(.amount, refunded(local.amountRefunded), refunded(remote.amountRefunded)))
        }
        return found
    }
}

extension DriftDifference {
    /// What differs between our mirror of a subscription's invoice and the provider's: its status,
    /// its total.
    public static func compare(_ local: Invoice, _ remote: ProviderInvoice) -> [DriftDifference] {
        func make(_ kind: Kind, _ mine: String, _ theirs: String) -> DriftDifference {
            DriftDifference(objectType: .invoice, objectID: local.id.rawValue, providerObjectID: remote.id, kind: kind, local: mine, provider: theirs)
        }
        var found: [DriftDifference] = []
        if local.status.rawValue != remote.status.rawValue { found.append(make(.status, local.status.rawValue, remote.status.rawValue)) }
        if local.total != remote.total {
            found.append(make(.amount, Money(local.total, local.currency).display, Money(remote.total, local.currency).display))
        }
        return found
    }
}
