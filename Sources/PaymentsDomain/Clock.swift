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
    /// Milliseconds since 1970, clamped to what an `Int64` holds: never a trap, whatever the date.
    public static func milliseconds(_ date: Date) -> Int64 {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard millis.isFinite else { return millis > 0 ? .max : .min }
        if millis >= 9.223_372_036_854_775e18 { return .max }
        if millis <= -9.223_372_036_854_775e18 { return .min }
        return Int64(millis)
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    static func truncate(_ date: Date) -> Date { Self.date(milliseconds: milliseconds(date)) }
}
