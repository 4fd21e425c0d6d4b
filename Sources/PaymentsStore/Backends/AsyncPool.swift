import NIOConcurrencyHelpers

/// A fixed set of resources handed out one caller at a time, waiting callers queued in order.
/// With one resource it is an async mutex (used for SQLite's single writer).
final class AsyncPool<Resource: Sendable>: Sendable {
    private struct State {
        var idle: [Resource]
        var waiters: [(id: Int, continuation: CheckedContinuation<Resource, any Error>)] = []
        var nextWaiterID = 0
        var inUse = 0
        var closed = false
    }

    private let state: NIOLockedValueBox<State>
    let capacity: Int

    init(_ resources: [Resource]) {
        self.state = NIOLockedValueBox(State(idle: resources))
        self.capacity = resources.count
    }

    var inUse: Int { state.withLockedValue { $0.inUse } }

    /// Runs `body` with a resource, waiting for one if all are taken.
    func with<T: Sendable>(_ body: (Resource) async throws -> T) async throws -> T {
        let resource = try await acquire()
        defer { release(resource) }
        return try await body(resource)
    }

    private enum Step { case got(Resource), closed, wait }

    private func acquire() async throws -> Resource {
        let step: Step = state.withLockedValue { state in
            if state.closed { return .closed }
            if let resource = state.idle.popLast() {
                state.inUse += 1
                return .got(resource)
            }
            return .wait
        }
        switch step {
        case .got(let resource): return resource
        case .closed: throw StoreError.closed
        case .wait:
            return try await withCheckedThrowingContinuation { continuation in
                let resumeNow: Resource? = state.withLockedValue { state in
                    if let resource = state.idle.popLast() {
                        state.inUse += 1
                        return resource
                    }
                    state.waiters.append((state.nextWaiterID, continuation))
                    state.nextWaiterID += 1
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        }
    }

    private func release(_ resource: Resource) {
        let waiter: CheckedContinuation<Resource, any Error>? = state.withLockedValue { state in
            if !state.waiters.isEmpty {
                return state.waiters.removeFirst().continuation  // handed over, still in use
            }
            state.inUse -= 1
            state.idle.append(resource)
            return nil
        }
        waiter?.resume(returning: resource)
    }

    /// Refuses new callers and returns the idle resources (callers in flight finish first).
    func close() -> [Resource] {
        let (idle, waiters) = state.withLockedValue { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: StoreError.closed) }
        return idle
    }
}
