import NIOConcurrencyHelpers

/// Hands one value to one task at a time; waiting tasks are served in order. SQLite's single
/// writer connection sits behind one.
final class AsyncMutex<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, any Error>] = []
        var closed = false
        /// A `close()` waiting for the task that holds the value.
        var closer: CheckedContinuation<Value?, Never>?
    }

    private let state: NIOLockedValueBox<State>

    init(_ value: Value) { state = NIOLockedValueBox(State(value: value)) }

    /// Whether a task holds the value now.
    var isLocked: Bool { state.withLockedValue { $0.value == nil && !$0.closed } }

    /// Runs `body` with the value, waiting while another task has it.
    func withLock<T: Sendable>(_ body: (Value) async throws -> T) async throws -> T {
        let value = try await acquire()
        defer { release(value) }
        return try await body(value)
    }

    private func acquire() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Value, any Error>? = state.withLockedValue { state in
                if state.closed { return .failure(StoreError.closed) }
                guard let value = state.value else {
                    state.waiters.append(continuation)
                    return nil
                }
                state.value = nil
                return .success(value)
            }
            if let result { continuation.resume(with: result) }
        }
    }

    private func release(_ value: Value) {
        let (next, closer) = state.withLockedValue { state -> (CheckedContinuation<Value, any Error>?, CheckedContinuation<Value?, Never>?) in
            if state.closed {
                defer { state.closer = nil }
                return (nil, state.closer)  // to the waiting close()
            }
            guard !state.waiters.isEmpty else {
                state.value = value
                return (nil, nil)
            }
            return (state.waiters.removeFirst(), nil)  // handed over directly
        }
        next?.resume(returning: value)
        closer?.resume(returning: value)
    }

    /// Refuses new callers and fails those waiting; a task that holds the value finishes first.
    /// - Returns: the value, once nobody holds it; nil when it was closed already.
    func close() async -> Value? {
        await withCheckedContinuation { (closer: CheckedContinuation<Value?, Never>) in
            let (ready, waiters) = state.withLockedValue { state -> (Value??, [CheckedContinuation<Value, any Error>]) in
                guard !state.closed else { return (.some(nil), []) }
                state.closed = true
                defer { state.waiters = [] }
                guard let value = state.value else {
                    state.closer = closer  // held: its release hands it over
                    return (nil, state.waiters)
                }
                state.value = nil
                return (.some(value), state.waiters)
            }
            for waiter in waiters { waiter.resume(throwing: StoreError.closed) }
            if let ready { closer.resume(returning: ready) }
        }
    }
}
