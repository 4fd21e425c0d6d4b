import Logging
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How an event goes out over HTTP: a struct of closures with a live value (AsyncHTTPClient, in
/// the server target) and test values.
public struct WebhookSender: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public init(status: Int) { self.status = status }
    }

    /// POSTs `body` to `url` with `headers`; throws on a timeout or a connection failure.
    public let post: @Sendable (_ url: String, _ headers: [(String, String)], _ body: [UInt8]) async throws -> Response

    public init(post: @escaping @Sendable (_ url: String, _ headers: [(String, String)], _ body: [UInt8]) async throws -> Response) {
        self.post = post
    }
}

public enum Deliveries {}

extension Deliveries {
    /// The outbox's delivering side: claims due deliveries, signs and sends them concurrently,
    /// records every outcome, and schedules failures by the retry schedule.
    public struct Service: Sendable {
        let store: Store
        let secrets: SecretBox
        let sender: WebhookSender
        let schedule: RetrySchedule
        let random: @Sendable () -> Double
        let logger: Logger

        public init(
            store: Store,
            secrets: SecretBox,
            sender: WebhookSender,
            schedule: RetrySchedule = .standard,
            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
            logger: Logger
        ) {
            self.store = store
            self.secrets = secrets
            self.sender = sender
            self.schedule = schedule
            self.random = random
            self.logger = logger
        }

        /// One pass: numbers the events committed since the last (which makes their deliveries
        /// owed), then sends up to `limit` due deliveries, at most `concurrency` in flight.
        /// - Returns: how many were attempted.
        @discardableResult
        public func deliverDue(limit: Int = 200, concurrency: Int = 64, lease: Duration = .seconds(60)) async throws -> Int {
            try await store.eventSequencer.sequenceAll()
            let claimed = try await store.outbox.claim(now: store.clock.now(), lease: lease, limit: limit)
            guard !claimed.isEmpty else { return 0 }
            let attempts = await withTaskGroup(of: DeliveryAttempt.self, returning: [DeliveryAttempt].self) { group in
                var results: [DeliveryAttempt] = []
                results.reserveCapacity(claimed.count)
                var next = claimed.startIndex
                while next < claimed.endIndex && next - claimed.startIndex < concurrency {
                    let item = claimed[next]
                    group.addTask { await attempt(item) }
                    next += 1
                }
                while let result = await group.next() {
                    results.append(result)
                    if next < claimed.endIndex {
                        let item = claimed[next]
                        group.addTask { await attempt(item) }
                        next += 1
                    }
                }
                return results
            }
            try await store.outbox.record(attempts)
            let failed = attempts.filter { !$0.succeeded }
            if !failed.isEmpty {
                logger.info("event deliveries failed", metadata: ["failed": "\(failed.count)", "attempted": "\(attempts.count)"])
            }
            return attempts.count
        }

        /// Signs and sends one delivery.
        func attempt(_ item: ClaimedDelivery) async -> DeliveryAttempt {
            let delivery = item.delivery
            let started = store.clock.now()
            var status: Int?
            var error: String?
            do {
                let body = Array(item.payload.utf8)
                let timestamp = Int64(started.timeIntervalSince1970.rounded(.down))
                let headers = try headers(for: item, body: body, timestamp: timestamp, now: started)
                status = try await sender.post(item.url, headers, body).status
                if let code = status, !(200..<300).contains(code) { error = "endpoint answered \(code)" }
            } catch let failure {
                error = Self.describe(failure)
            }
            let finished = store.clock.now()
            let succeeded = error == nil
            return DeliveryAttempt(
                delivery: delivery.id,
                attempt: delivery.attempts,
                at: finished,
                responseStatus: status,
                error: error,
                nextAttemptAt: succeeded ? nil : schedule.nextAttempt(after: delivery.attempts, failedAt: finished, random: random())
            )
        }

        /// The Standard Webhooks headers; during a rotation's overlap the old secret signs too.
        func headers(for item: ClaimedDelivery, body: [UInt8], timestamp: Int64, now: Date) throws -> [(String, String)] {
            var sealed = [item.sealedSecret]
            if let previous = item.sealedPreviousSecret, let until = item.previousSecretExpiresAt, until > now { sealed.append(previous) }
            let keys = try sealed.map { text in
                guard let key = StandardWebhooks.key(try secrets.open(text, for: item.delivery.appID).value) else {
                    throw PaymentsError(.internal, code: .secretUnreadable, message: "A webhook signing secret is malformed.")
                }
                return key
            }
            let id = item.delivery.eventID.rawValue
            return [
                ("content-type", "application/json"),
                ("user-agent", "payment-service-webhooks/1"),
                ("webhook-id", id),
                ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", StandardWebhooks.signature(id: id, timestamp: timestamp, body: body, keys: keys)),
            ]
        }

        static func describe(_ error: any Error) -> String {
            let text = "\(error)"
            return text.count > 300 ? String(text.prefix(300)) : text
        }
    }
}
