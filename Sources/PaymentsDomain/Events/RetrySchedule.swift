#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// When a failed delivery is tried again: a fixed list of waits after each failed attempt, each
/// lengthened by up to `jitter` of itself at random so endpoints that failed together are not
/// retried together. Never shortened, so the whole schedule spans at least the sum of the waits.
public struct RetrySchedule: Sendable, Equatable {
    /// The wait after attempt 1, 2, …; after the last, the delivery is dead.
    public let waits: [Duration]
    /// The largest share of a wait added at random (0.2: up to 20 % longer).
    public let jitter: Double

    public init(waits: [Duration], jitter: Double) {
        self.waits = waits
        self.jitter = jitter
    }

    /// 13 attempts over about four days: at once, then 5 s, 30 s, 2 min, 10 min, 30 min, 1 h,
    /// 3 h, 6 h, 12 h, 24 h, 24 h and 24 h later (94 h 42 min 35 s before jitter).
    public static let standard = RetrySchedule(
        waits: [
            .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1_800), .seconds(3_600), .seconds(3 * 3_600),
            .seconds(6 * 3_600), .seconds(12 * 3_600), .seconds(24 * 3_600), .seconds(24 * 3_600), .seconds(24 * 3_600),
        ],
        jitter: 0.2
    )

    public var attempts: Int { waits.count + 1 }

    /// The waits in words: "5 s, 30 s, 2 min, …, 24 h".
    public var described: String {
        waits.map { wait in
            let seconds = wait.components.seconds
            if seconds % 3_600 == 0 { return "\(seconds / 3_600) h" }
            if seconds % 60 == 0 { return "\(seconds / 60) min" }
            return "\(seconds) s"
        }.joined(separator: ", ")
    }

    /// When to try again after `attempts` attempts all failed, or nil when that was the last.
    /// - Parameter random: a number in 0..<1 (injected so tests can pin it).
    public func nextAttempt(after attempts: Int, failedAt: Date, random: Double) -> Date? {
        guard attempts >= 1, attempts <= waits.count else { return nil }
        let wait = waits[attempts - 1]
        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        return failedAt.addingTimeInterval(seconds * (1 + jitter * min(max(random, 0), 1)))
    }
}
