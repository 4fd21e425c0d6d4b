import PaymentsStore
import Testing

/// The outbox worker's wake-up: a ring reaches a waiting worker at once, a ring it has not
/// waited for yet is not lost, and with no ring it sleeps its whole poll.
@Suite struct DoorbellTests {
    let clock = ContinuousClock()

    @Test func aRingWakesTheWaiterAtOnce() async {
        let bell = Doorbell()
        let seen = bell.count
        let start = clock.now
        async let woken: Void = bell.wait(after: seen, timeout: .seconds(10))
        try? await Task.sleep(for: .milliseconds(50))
        bell.ring()
        await woken
        #expect(clock.now - start < .seconds(2))
        #expect(bell.count == seen + 1)
    }

    @Test func aRingBeforeTheWaitIsNotLost() async {
        let bell = Doorbell()
        let seen = bell.count
        bell.ring()  // while the worker was still looking at the database
        let start = clock.now
        await bell.wait(after: seen, timeout: .seconds(10))
        #expect(clock.now - start < .seconds(2))
    }

    @Test func withoutARingItWaitsItsTimeout() async {
        let bell = Doorbell()
        let start = clock.now
        await bell.wait(after: bell.count, timeout: .milliseconds(200))
        #expect(clock.now - start >= .milliseconds(200))
    }

    @Test func cancellationEndsTheWait() async {
        let bell = Doorbell()
        let start = clock.now
        let waiting = Task { await bell.wait(after: bell.count, timeout: .seconds(10)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await waiting.value
        #expect(clock.now - start < .seconds(2))
        bell.ring()  // nobody left waiting: nothing to resume twice
    }
}
