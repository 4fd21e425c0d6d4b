import NIOCore
import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A response kept to be replayed for a repeated idempotency key.
public struct StoredResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String?
    public let body: ByteBuffer

    public init(status: Int, contentType: String?, body: ByteBuffer) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// Idempotency keys: claimed when a request starts, completed with its response, replayed after.
///
/// A claim is a lease (`locked_until`): a request whose instance died mid-way leaves a claim that
/// the next attempt may take over once the lease has run out, so a key never stays stuck.
public struct IdempotencyRepository: Sendable {
    let backend: any StoreBackend

    /// What to do with a request carrying an idempotency key.
    public enum Claim: Sendable, Equatable {
        /// This request owns the key: run it, then `complete` or `release`.
        case acquired
        /// The key was used with the same request: send this response again.
        case replay(StoredResponse)
        /// The key was used with another request.
        case mismatch
        /// The first request with this key is still running.
        case inProgress
    }

    /// Claims `key` for a request whose method, path and body hash to `requestHash`.
    /// - Parameters:
    ///   - scope: the app id, or "" for admin requests.
    ///   - lease: how long the claim excludes others before it counts as abandoned.
    ///   - retention: how long the key and its response are kept.
    public func claim(
        scope: String,
        key: String,
        requestHash: String,
        now: Date,
        lease: Duration,
        retention: Duration
    ) async throws -> Claim {
        let nowMillis = now.millis
        let lockedUntil = nowMillis + lease.milliseconds
        let expiresAt = nowMillis + retention.milliseconds
        // A new key (the usual case) is one statement, committed on its own.
        let inserted = try await backend.autocommit { db in
            try await db.raw(
                """
                INSERT INTO idempotency_keys
                    (app_id, idempotency_key, request_hash, state, locked_until, created_at, expires_at)
                VALUES (\(bind: scope), \(bind: key), \(bind: requestHash), 'running', \(bind: lockedUntil),
                        \(bind: nowMillis), \(bind: expiresAt))
                ON CONFLICT (app_id, idempotency_key) DO NOTHING
                RETURNING app_id
                """
            ).first()
        }
        if inserted != nil { return .acquired }
        return try await backend.transaction { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT request_hash, state, locked_until, status_code, content_type, response_body, expires_at
                    FROM idempotency_keys WHERE app_id = \(bind: scope) AND idempotency_key = \(bind: key)
                    """
                ).first()
            else { return .inProgress }  // deleted between the two statements: let the caller retry
            let expired = try row.decode(column: "expires_at", as: Int64.self) <= nowMillis
            let abandoned =
                try row.decode(column: "state", as: String.self) == "running"
                && row.decode(column: "locked_until", as: Int64.self) <= nowMillis
            if expired || abandoned {
                // Past retention the key is new again; an abandoned claim is taken over (same
                // request only, checked below for the abandoned case).
                if try expired || row.decode(column: "request_hash", as: String.self) == requestHash {
                    // Taken over only if still expired or abandoned: of two requests taking over
                    // at once, one acquires and the other finds the key running.
                    let taken = try await db.raw(
                        """
                        UPDATE idempotency_keys SET request_hash = \(bind: requestHash), state = 'running',
                            locked_until = \(bind: lockedUntil), status_code = NULL, content_type = NULL,
                            response_body = NULL, created_at = \(bind: nowMillis), expires_at = \(bind: expiresAt)
                        WHERE app_id = \(bind: scope) AND idempotency_key = \(bind: key)
                          AND (expires_at <= \(bind: nowMillis) OR (state = 'running' AND locked_until <= \(bind: nowMillis)))
                        RETURNING app_id
                        """
                    ).first()
                    return taken == nil ? .inProgress : .acquired
                }
            }
            guard try row.decode(column: "request_hash", as: String.self) == requestHash else { return .mismatch }
            guard try row.decode(column: "state", as: String.self) == "done" else { return .inProgress }
            return .replay(
                StoredResponse(
                    status: try row.decode(column: "status_code", as: Int.self),
                    contentType: try row.decode(column: "content_type", as: String?.self),
                    body: try row.decode(column: "response_body", as: ByteBuffer?.self) ?? ByteBuffer()
                )
            )
        }
    }

    /// Records the response of the request that holds the claim.
    public func complete(scope: String, key: String, response: StoredResponse) async throws {
        try await backend.autocommit { db in
            try await db.raw(
                """
                UPDATE idempotency_keys SET state = 'done', status_code = \(bind: response.status),
                    content_type = \(bind: response.contentType), response_body = \(bind: response.body)
                WHERE app_id = \(bind: scope) AND idempotency_key = \(bind: key)
                """
            ).run()
        }
    }

    /// Gives the key up (the request failed in a way worth retrying).
    public func release(scope: String, key: String) async throws {
        try await backend.autocommit { db in
            try await db.raw(
                "DELETE FROM idempotency_keys WHERE app_id = \(bind: scope) AND idempotency_key = \(bind: key)"
            ).run()
        }
    }

    /// Deletes keys past their retention.
    /// - Returns: how many were deleted.
    public func purge(expiredBefore now: Date) async throws -> Int {
        try await backend.transaction { db in
            try await db.raw(
                "DELETE FROM idempotency_keys WHERE expires_at <= \(bind: now.millis) RETURNING idempotency_key"
            ).all().count
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
