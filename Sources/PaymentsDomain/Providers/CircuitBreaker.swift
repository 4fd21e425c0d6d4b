import NIOConcurrencyHelpers

/// A circuit breaker for one provider account, as a value-type state machine: it is asked before
/// a call (`admit`) and told after it whether the provider was reached (`record`), and does no
/// I/O itself.
///
/// Closed, calls go through. After `failureThreshold` calls in a row that could not reach the
/// provider (refused, unresolvable, timed out), it opens: calls fail at once until `openFor` has
/// passed. Then one call goes through as a probe (half-open) while others still fail fast; a probe
/// that reaches the provider closes the breaker, one that does not opens it again for twice as
/// long, up to `maxOpenFor`.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case closed
        case halfOpen = "half_open"
        case open

        /// The gauge value `/metrics` shows: 0 closed, 1 half-open, 2 open.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
        }
    }

    public struct Policy: Sendable, Equatable {
        /// Calls in a row that did not reach the provider before the breaker opens.
        public var failureThreshold = 3
        /// How long the breaker first stays open.
        public var openFor: Duration = .seconds(5)
        /// The longest it stays open after failed probes.
        public var maxOpenFor: Duration = .seconds(60)
        /// A probe that has not reported after this long is taken to be lost (its task cancelled),
        /// and another call may probe.
        public var probeLease: Duration = .seconds(30)

        public init() {}
    }

    /// What to do with a call.
    public enum Decision: Sendable, Equatable {
        /// Make it.
        case call
        /// Make it: it tells whether the provider is back.
        case probe
        /// Fail it now; the caller may retry after this long.
        case reject(retryAfter: Duration)
    }

    public let policy: Policy
    public private(set) var state: State = .closed
    /// Calls in a row that did not reach the provider.
    public private(set) var consecutiveFailures = 0
    private var openUntil: ContinuousClock.Instant?
    private var probeStartedAt: ContinuousClock.Instant?
    private var nextOpenFor: Duration

    public init(policy: Policy = Policy()) {
        self.policy = policy
        self.nextOpenFor = policy.openFor
    }

    public mutating func admit(at now: ContinuousClock.Instant) -> Decision {
        switch state {
        case .closed:
            return .call
        case .open:
            guard let openUntil, now < openUntil else {
                state = .halfOpen
                probeStartedAt = now
                return .probe
            }
            return .reject(retryAfter: openUntil - now)
        case .halfOpen:
            if let probeStartedAt, now - probeStartedAt < policy.probeLease {
                return .reject(retryAfter: .seconds(1))
            }
            probeStartedAt = now
            return .probe
        }
    }

    /// - Parameter reached: whether the provider answered at all (any HTTP status counts).
    public mutating func record(reached: Bool, at now: ContinuousClock.Instant) {
        if reached {
            state = .closed
            consecutiveFailures = 0
            nextOpenFor = policy.openFor
            openUntil = nil
            probeStartedAt = nil
            return
        }
        consecutiveFailures += 1
        guard state == .halfOpen || consecutiveFailures >= policy.failureThreshold else { return }
        state = .open
        openUntil = now + nextOpenFor
        probeStartedAt = nil
        nextOpenFor = min(nextOpenFor * 2, policy.maxOpenFor)
    }
}

/// The breakers of every provider account this process calls, keyed `provider/account`.
/// In process memory on purpose: each instance learns for itself whether it can reach the
/// provider, and nothing another instance needs is lost with it.
public final class CircuitBreakers: Sendable {
    private let breakers = NIOLockedValueBox<[String: CircuitBreaker]>([:])
    private let policy: CircuitBreaker.Policy
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(policy: CircuitBreaker.Policy = .init(), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.policy = policy
        self.now = now
    }

    /// One account's breaker, as a call site uses it.
    public struct Handle: Sendable {
        let breakers: CircuitBreakers
        public let key: String

        public func admit() -> CircuitBreaker.Decision { breakers.update(key) { $0.admit(at: $1) } }
        public func record(reached: Bool) { breakers.update(key) { $0.record(reached: reached, at: $1) } }
    }

    public func handle(provider: ProviderName, account: String) -> Handle {
        Handle(breakers: self, key: "\(provider.rawValue)/\(account)")
    }

    /// Every account's breaker that has seen a call.
    public var states: [(provider: String, account: String, breaker: CircuitBreaker)] {
        breakers.withLockedValue { $0 }.sorted { $0.key < $1.key }.map { key, breaker in
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "", breaker)
        }
    }

    private func update<T>(_ key: String, _ body: (inout CircuitBreaker, ContinuousClock.Instant) -> T) -> T {
        let instant = now()
        return breakers.withLockedValue { all in
            var breaker = all[key] ?? CircuitBreaker(policy: policy)
            defer { all[key] = breaker }
            return body(&breaker, instant)
        }
    }
}
