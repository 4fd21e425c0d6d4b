import NIOConcurrencyHelpers
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Recently authenticated keys, so most requests skip the key lookup.
///
/// Safe to be stale for a bounded time: an entry is used for at most `ttl` after it was read.
/// Expiry is still checked on every request against the clock; what can be stale is a
/// revocation or rotation made on *another* instance, which takes effect here within `ttl`.
/// Changes made through this instance drop the app's entries at once.
public final class KeyCache: Sendable {
    private struct Entry {
        let app: App
        let key: APIKey
        let readAt: Date
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    let ttl: Duration
    private let ttlSeconds: Double
    let capacity: Int

    /// - Parameters:
    ///   - ttl: how long an entry is trusted; zero disables the cache.
    ///   - capacity: entries kept at most (the cache is emptied when it is full).
    public init(ttl: Duration = .seconds(5), capacity: Int = 10_000) {
        self.ttl = ttl
        self.ttlSeconds = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) * 1e-18
        self.capacity = capacity
    }

    func lookup(hash: String, now: Date) -> (App, APIKey)? {
        guard ttl > .zero else { return nil }
        return entries.withLockedValue { entries in
            guard let entry = entries[hash] else { return nil }
            let age = now.timeIntervalSince(entry.readAt)
            guard age >= 0, age < ttlSeconds else {
                entries[hash] = nil
                return nil
            }
            return (entry.app, entry.key)
        }
    }

    func store(hash: String, app: App, key: APIKey, now: Date) {
        guard ttl > .zero else { return }
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Entry(app: app, key: key, readAt: now)
        }
    }

    /// Forgets every key of `app` (after a rotation or revocation).
    func invalidate(app: App.ID) {
        entries.withLockedValue { entries in
            entries = entries.filter { $0.value.app.id != app }
        }
    }
}
