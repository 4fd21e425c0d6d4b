import PaymentsDomain
import PaymentsStore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Counts checks in memory (a check never waits on the database) and adds them to the
/// database about once a second (``flush()``, from a worker, and before each report). A crash
/// loses at most the last second's counts: they are statistics, not anything a caller was
/// promised.
final class EntitlementDecisions: Sendable {
    private struct Key: Hashable {
        let app: App.ID
        let feature: String
        let hour: Date
        let customer: Customer.ID
    }

    private struct Counts {
        var checks: Int64 = 0
        var wouldDeny: Int64 = 0
        var denied: Int64 = 0
        var lastReason: String?

        mutating func add(_ decision: Entitlement.Decision) {
            checks += 1
            if !decision.wouldAllow {
                wouldDeny += 1
                lastReason = decision.wouldReason.rawValue
            }
            if !decision.allowed { denied += 1 }
        }
    }

    private let pending = Mutex<[Key: Counts]>([:])
    private let store: Store

    init(store: Store) {
        self.store = store
    }

    /// The start of the hour `time` falls in: checks are counted per hour.
    static func hour(of time: Date) -> Date {
        Date(timeIntervalSince1970: (time.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
    }

    /// Counts one check made at `now` (the app's clock). Nothing is counted with the gate off.
    func count(app: App.ID, customer: Customer.ID, _ decision: Entitlement.Decision, at now: Date) {
        guard decision.mode != .off else { return }
        let key = Key(app: app, feature: decision.feature, hour: Self.hour(of: now), customer: customer)
        // Counted in place: one lookup of the key under the lock, not a read and a write.
        pending.withLock { pending in pending[key, default: Counts()].add(decision) }
    }

    /// Adds what was counted to the database, one transaction per app.
    /// - Returns: how many counts were written.
    @discardableResult
    func flush() async throws -> Int {
        let taken = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !taken.isEmpty else { return 0 }
        var byApp: [App.ID: [EntitlementRepository.DecisionCount]] = [:]
        for (key, counts) in taken {
            byApp[key.app, default: []].append(
                EntitlementRepository.DecisionCount(
                    feature: key.feature,
                    hour: key.hour,
                    customerID: key.customer,
                    checks: counts.checks,
                    wouldDeny: counts.wouldDeny,
                    denied: counts.denied,
                    lastReason: counts.lastReason
                )
            )
        }
        for (app, counts) in byApp {
            do {
                try await store.recordStatistics(app: app) { session in try await session.entitlements(app).add(counts) }
            } catch {
                // Kept for the next flush rather than lost.
                restore(app: app, counts)
                throw error
            }
        }
        return taken.count
    }

    private func restore(app: App.ID, _ counts: [EntitlementRepository.DecisionCount]) {
        pending.withLock { pending in
            for count in counts {
                let key = Key(app: app, feature: count.feature, hour: count.hour, customer: count.customerID)
                var merged = pending[key, default: Counts()]
                merged.checks += count.checks
                merged.wouldDeny += count.wouldDeny
                merged.denied += count.denied
                merged.lastReason = merged.lastReason ?? count.lastReason
                pending[key] = merged
            }
        }
    }
}
