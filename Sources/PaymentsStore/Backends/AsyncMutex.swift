import NIOConcurrencyHelpers

/// Hands one value to one task at a time; waiting tasks are served in order. SQLite's single
/// writer connection sits behind one.
final class AsyncMutex<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, any Error>] = []
        var closed = false
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
        let next: CheckedContinuation<Value, any Error>? = state.withLockedValue { state in
            guard !state.waiters.isEmpty else {
                state.value = value
                return nil
            }
            return state.waiters.removeFirst()  // handed over directly
        }
        next?.resume(returning: value)
    }

    /// Refuses new callers and fails those waiting.
    /// - Returns: the value, unless a task holds it now (that task finishes first).
    func close() -> Value? {
        let (value, waiters) = state.withLockedValue { state in
            state.closed = true
            defer {
                state.value = nil
                state.waiters = []
            }
            return (state.value, state.waiters)
        }
        for waiter in waiters { waiter.resume(throwing: StoreError.closed) }
        return value
    }
}
