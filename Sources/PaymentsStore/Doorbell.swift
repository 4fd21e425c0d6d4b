import NIOConcurrencyHelpers

/// Tells a sleeping worker that there is work: a writer rings it after committing; the worker
/// reads ``count`` before it looks at the database and then waits for the count to move (or
/// for its poll interval) with ``wait(after:timeout:)``, so a ring between the two is not lost.
public final class Doorbell: Sendable {
    private struct State {
        var rings = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func ring() {
        let waiters = state.withLockedValue { state in
            state.rings &+= 1
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume() }
    }

    /// How many times it has rung; compare with an earlier reading.
    public var count: Int { state.withLockedValue { $0.rings } }

    /// Returns as soon as the bell has rung since ``count`` read `seen`, after `timeout` if it
    /// does not, or at once when the task is cancelled.
    public func wait(after seen: Int, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.ring(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    private func ring(after seen: Int) async {
        let id = state.withLockedValue { state in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let waiting = state.withLockedValue { state in
                    // Cancellation is flagged before its handler runs: a handler that came first
                    // found nothing to resume, and this sees the flag.
                    guard state.rings == seen, !Task.isCancelled else { return false }
                    state.waiters[id] = waiter
                    return true
                }
                if !waiting { waiter.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
