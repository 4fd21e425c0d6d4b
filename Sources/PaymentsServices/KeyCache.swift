import PaymentsDomain
import Synchronization

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
        let found: AuthenticatedKey
        let readAt: Date
    }

    private let entries = Mutex<[KeyDigest: Entry]>([:])
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

    func lookup(_ digest: KeyDigest, now: Date) -> AuthenticatedKey? {
        guard ttl > .zero else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[digest] else { return nil }
            let age = now.timeIntervalSince(entry.readAt)
            guard age >= 0, age < ttlSeconds else {
                entries[digest] = nil
                return nil
            }
            return entry.found
        }
    }

    func store(_ digest: KeyDigest, _ found: AuthenticatedKey, now: Date) {
        guard ttl > .zero else { return }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[digest] = Entry(found: found, readAt: now)
        }
    }

    /// Forgets every key of `app` (after a rotation or revocation).
    func invalidate(app: App.ID) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.found.app.id != app }
        }
    }
}

/// An app and the key a request was made with, as authentication finds them: one immutable
/// object, shared by the cache and every request made with the key (the request's context is
/// copied at every layer, and a reference is one count where the two values are a dozen).
public final class AuthenticatedKey: Sendable {
    public let app: App
    public let key: APIKey

    public init(app: App, key: APIKey) {
        self.app = app
        self.key = key
    }
}
