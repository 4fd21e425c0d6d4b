import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum AuditLog {}

extension AuditLog {
    /// Reading and verifying an app's audit chain.
    public struct Service: Sendable {
        let store: Store

        public init(store: Store) { self.store = store }

        public func list(app: App.ID, filter: AuditFilter, _ page: PageRequest) async throws -> Page<AuditEntry> {
            try page.requireCursor(of: AuditEntry.self)
            return try await store.read { try await $0.auditLog(app).list(filter, page) }
        }

        /// What a verification found.
        public struct Verification: Sendable {
            /// Sealed entries checked.
            public let entries: Int64
            public let firstBreak: AuditChain.Break?
            /// Entries written but not sealed yet (not yet protected by the chain), and when the
            /// oldest of them was written.
            public let unsealed: Int64
            public let oldestUnsealed: Date?
        }

        /// Walks the app's whole sealed chain and checks every link, then that the head matches
        /// the end; counts the entries not sealed yet apart.
        public func verify(app: App.ID, batchSize: Int = 1000) async throws -> Verification {
            let unsealed = try await store.read { try await $0.auditLog(app).unsealed() }
            var previousHash = ""
            var sequence: Int64 = 1
            func result(_ entries: Int64, _ broken: AuditChain.Break?) -> Verification {
                Verification(entries: entries, firstBreak: broken, unsealed: unsealed.count, oldestUnsealed: unsealed.oldest)
            }
            while true {
                let from = sequence
                let batch = try await store.read { try await $0.auditLog(app).chain(from: from, limit: batchSize) }
                if let broken = AuditChain.firstBreak(
                    in: batch,
                    expectedPreviousHash: previousHash,
                    expectedSequence: sequence
                ) {
                    return result(sequence - 1, broken)
                }
                if let last = batch.last?.seal {
                    previousHash = last.hash
                    sequence = last.sequence + 1
                }
                if batch.count < batchSize { break }
            }
            let count = sequence - 1
            if let head = try await store.read({ try await $0.auditLog(app).head() }),
                head.sequence != count || head.hash != previousHash
            {
                return result(
                    count,
                    AuditChain.Break(
                        sequence: head.sequence,
                        entryID: "head",
                        reason: "the chain ends at entry \(count) but its head records entry \(head.sequence): entries were deleted"
                    )
                )
            }
            return result(count, nil)
        }
    }
}
