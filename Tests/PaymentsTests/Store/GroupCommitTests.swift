import NIOConcurrencyHelpers
import PaymentsStore
import Testing

/// Concurrent writes share commits, every caller gets its own answer after the commit that holds
/// its item, and one bad item does not fail the rest of its batch.
@Suite struct GroupCommitTests {
    struct Bad: Error, Equatable {}

    /// A write that takes a while (as a commit does) and records each batch it was given.
    final class Recorder: Sendable {
        let batches = NIOLockedValueBox<[[Int]]>([])

        func write(_ items: [Int]) async throws -> [Int] {
            batches.withLockedValue { $0.append(items) }
            try await Task.sleep(for: .milliseconds(5))
            if items.contains(-1) { throw Bad() }
            return items.map { $0 * 10 }
        }
    }

    @Test func concurrentWritesShareCommitsAndEachGetsItsAnswer() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(maximumBatch: 16) { try await recorder.write($0) }
        let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in 1...200 { group.addTask { (item, try await commit.submit(item)) } }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 200)
        #expect(answers.allSatisfy { $0.value == $0.key * 10 }, "each caller gets the answer for its own item")
        let batches = recorder.batches.withLockedValue { $0 }
        #expect(batches.flatMap { $0 }.sorted() == Array(1...200), "every item written exactly once")
        #expect(batches.count < 200, "items that arrive during a commit go together in the next one")
        #expect(batches.allSatisfy { $0.count <= 16 }, "no batch exceeds the maximum")
    }

    @Test func aBadItemFailsAloneAndTheRestOfItsBatchIsWritten() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int>(maximumBatch: 100) { items in
            let answers = try await recorder.write(items)
            if items == [0] { try await Task.sleep(for: .milliseconds(300)) }  // a long commit: the rest gather behind it
            return answers
        }
        let first = Task { try await commit.submit(0) }
        while recorder.batches.withLockedValue({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(1)) }
        let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for item in [-1] + Array(1...30) {
                group.addTask {
                    do { return (item, .success(try await commit.submit(item))) } catch { return (item, .failure(error)) }
                }
            }
            return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for (item, result) in results {
            switch result {
            case .success(let answer): #expect(item != -1 && answer == item * 10)
            case .failure(let error): #expect(item == -1 && error is Bad)
            }
        }
        #expect(results.count == 31)
        #expect(try await first.value == 0)
        #expect(
            recorder.batches.withLockedValue { $0 }.contains { $0.contains(-1) && $0.count > 1 },
            "the bad item shared a batch with good ones"
        )
    }

    @Test func aLoneWriteGoesAtOnce() async throws {
        let recorder = Recorder()
        let commit = GroupCommit<Int, Int> { try await recorder.write($0) }
        #expect(try await commit.submit(7) == 70)
        #expect(try await commit.submit(8) == 80)
        #expect(recorder.batches.withLockedValue { $0 } == [[7], [8]])
    }
}
