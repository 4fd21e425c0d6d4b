import NIOConcurrencyHelpers

/// Hands each of a few values (connections) to one task at a time; tasks that find them all
/// taken wait, served in order. SQLite's writer connection sits behind a pool of one, its
/// readers behind another.
final class ConnectionPool<Value: Sendable>: Sendable {
    private struct State {
        var idle: [Value]
        var waiters: [CheckedContinuation<Value, any Error>] = []
        var closed = false
        /// A `close()` waiting for the values still taken.
        var closer: CheckedContinuation<[Value], Never>?
        var taken = 0
        var returned: [Value] = []
    }

    private let state: NIOLockedValueBox<State>
    let capacity: Int

    init(_ values: [Value]) {
        precondition(!values.isEmpty)
        state = NIOLockedValueBox(State(idle: values))
        capacity = values.count
    }

    /// How many values tasks hold now.
    var inUse: Int { state.withLockedValue { $0.taken } }

    /// Runs `body` with a value, waiting while every value is taken.
    func withValue<T: Sendable>(_ body: (Value) async throws -> T) async throws -> T {
        let value = try await acquire()
        defer { release(value) }
        return try await body(value)
    }

    private func acquire() async throws -> Value {
        // The common case takes an idle value without making a continuation.
        let immediate: Result<Value, any Error>? = state.withLockedValue { state in
            if state.closed { return .failure(StoreError.closed) }
            guard let value = state.idle.popLast() else { return nil }
            state.taken += 1
            return .success(value)
        }
        if let immediate { return try immediate.get() }
        return try await withCheckedThrowingContinuation { continuation in
            let result: Result<Value, any Error>? = state.withLockedValue { state in
                if state.closed { return .failure(StoreError.closed) }
                guard let value = state.idle.popLast() else {
                    state.waiters.append(continuation)
                    return nil
                }
                state.taken += 1
                return .success(value)
            }
            if let result { continuation.resume(with: result) }
        }
    }

    private func release(_ value: Value) {
        let (next, closer) = state.withLockedValue {
            state -> (CheckedContinuation<Value, any Error>?, (CheckedContinuation<[Value], Never>, [Value])?) in
            if state.closed {
                state.taken -= 1
                state.returned.append(value)
                guard state.taken == 0, let closer = state.closer else { return (nil, nil) }
                state.closer = nil
                return (nil, (closer, state.returned))
            }
            guard !state.waiters.isEmpty else {
                state.taken -= 1
                state.idle.append(value)
                return (nil, nil)
            }
            return (state.waiters.removeFirst(), nil)  // handed over directly
        }
        next?.resume(returning: value)
        if let (closer, values) = closer { closer.resume(returning: values) }
    }

    /// Refuses new callers and fails those waiting; tasks that hold values finish first.
    /// - Returns: every value, once nobody holds one; empty when it was closed already.
    func close() async -> [Value] {
        await withCheckedContinuation { (closer: CheckedContinuation<[Value], Never>) in
            let (ready, waiters) = state.withLockedValue { state -> ([Value]?, [CheckedContinuation<Value, any Error>]) in
                guard !state.closed else { return ([], []) }
                state.closed = true
                defer { state.waiters = [] }
                state.returned = state.idle
                state.idle = []
                guard state.taken == 0 else {
                    state.closer = closer  // the last release hands them over
                    return (nil, state.waiters)
                }
                return (state.returned, state.waiters)
            }
            for waiter in waiters { waiter.resume(throwing: StoreError.closed) }
            if let ready { closer.resume(returning: ready) }
        }
    }
}
