#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The time source. Injected everywhere time matters so tests can freeze and move it.
public struct Clock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) { self.read = read }

    /// The current time, truncated to whole milliseconds (the store's resolution).
    public func now() -> Date { Timestamp.truncate(read()) }

    public static let system = Clock { Date() }
}

/// Conversions between `Date` and the store's encoding: integer milliseconds since 1970 UTC.
public enum Timestamp {
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    static func truncate(_ date: Date) -> Date { Self.date(milliseconds: milliseconds(date)) }
}
