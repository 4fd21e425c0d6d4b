import Atomics

/// A counter a writer bumps and a poller watches: the poller sleeps in short steps and looks at
/// the database only when the count moved or its longer poll interval passed. Cheap, and no
/// continuation to lose on cancellation.
public final class Doorbell: Sendable {
    private let rings = ManagedAtomic<Int>(0)

    public init() {}

    public func ring() { rings.wrappingIncrement(ordering: .releasing) }

    /// How many times it has rung; compare with an earlier reading.
    public var count: Int { rings.load(ordering: .acquiring) }
}
