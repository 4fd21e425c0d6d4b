import PaymentsDomain
import PaymentsStore

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
            public let entries: Int64
            public let firstBreak: AuditChain.Break?
        }

        /// Walks the app's whole chain and checks every link, then that the head matches the end.
        public func verify(app: App.ID, batchSize: Int = 1000) async throws -> Verification {
            var previousHash = ""
            var sequence: Int64 = 1
            while true {
                let from = sequence
                let batch = try await store.read { try await $0.auditLog(app).chain(from: from, limit: batchSize) }
                if let broken = AuditChain.firstBreak(
                    in: batch,
                    expectedPreviousHash: previousHash,
                    expectedSequence: sequence
                ) {
                    return Verification(entries: sequence - 1, firstBreak: broken)
                }
                if let last = batch.last {
                    previousHash = last.hash
                    sequence = last.sequence + 1
                }
                if batch.count < batchSize { break }
            }
            let count = sequence - 1
            if let head = try await store.read({ try await $0.auditLog(app).head() }),
                head.sequence != count || head.hash != previousHash
            {
                return Verification(
                    entries: count,
                    firstBreak: AuditChain.Break(
                        sequence: head.sequence,
                        entryID: "head",
                        reason: "the chain ends at entry \(count) but its head records entry \(head.sequence): entries were deleted"
                    )
                )
            }
            return Verification(entries: count, firstBreak: nil)
        }
    }
}
