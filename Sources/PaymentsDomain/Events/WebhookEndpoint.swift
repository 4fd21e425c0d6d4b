#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where an app receives our events.
public struct WebhookEndpoint: Sendable, Equatable, Identified {
    public static let idPrefix = "we"
    /// Where events go; `problem(url:livemode:)` says what else a URL must be.
    public static let urlRule = TextRule(length: 1...2048, format: "uri")
    public static let descriptionRule = TextRule(length: 0...500)
    /// How long, in seconds, the old secret keeps signing after a rotation (7 days at most).
    public static let overlapRule = IntegerRule(0...604_800)
    public static let resourceType = ResourceType.webhookEndpoint
    public typealias ID = TypedID<WebhookEndpoint>

    public let id: ID
    public let appID: App.ID
    public let url: String
    public var description: String?
    /// The event types it receives; empty means every type.
    public var eventTypes: [Event.Kind]
    /// The signing secret, sealed (see `SecretBox`); it is shown once, when made.
    public var sealedSecret: String
    /// The secret before the last rotation, still signing until `previousSecretExpiresAt`.
    public var sealedPreviousSecret: String?
    public var previousSecretExpiresAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID,
        appID: App.ID,
        url: String,
        description: String?,
        eventTypes: [Event.Kind],
        sealedSecret: String,
        sealedPreviousSecret: String?,
        previousSecretExpiresAt: Date?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.sealedSecret = sealedSecret
        self.sealedPreviousSecret = sealedPreviousSecret
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func receives(_ type: Event.Kind) -> Bool { eventTypes.isEmpty || eventTypes.contains(type) }

    /// Checks a URL an app asks us to deliver to: absolute `http` or `https` with a host, no
    /// credentials, at most 2,048 characters; live-mode apps must use `https`.
    /// - Returns: the reason it is refused, or nil.
    public static func problem(url: String, livemode: Bool) -> String? {
        guard urlRule.accepts(url), let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return "url must be an absolute http(s) URL." }
        guard scheme == "https" || scheme == "http" else { return "url must use http or https." }
        if livemode && scheme != "https" { return "url must use https for a live-mode app." }
        guard components.user == nil && components.password == nil else { return "url must not carry credentials." }
        guard components.fragment == nil else { return "url must not have a fragment." }
        return nil
    }
}

/// One event on its way to one endpoint.
public struct EventDelivery: Sendable, Equatable, Identified {
    public static let idPrefix = "dlv"
    public static let resourceType = ResourceType.eventDelivery
    public typealias ID = TypedID<EventDelivery>

    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for its next attempt (the first, or a retry).
        case pending
        /// Answered 2xx.
        case succeeded
        /// Every attempt of the schedule failed; only `POST /v1/event-deliveries/{id}/retry` sends it again.
        case dead
    }

    public let id: ID
    public let appID: App.ID
    public let eventID: Event.ID
    public let endpointID: WebhookEndpoint.ID
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastAttemptAt: Date?
    /// The HTTP status of the last answer, nil when there was none (timeout, refused connection).
    public var lastResponseStatus: Int?
    public var lastError: String?
    public let createdAt: Date
    public var updatedAt: Date

    /// Whether a worker has claimed it and is sending it now: claimed (a claim moves
    /// `updatedAt` and holds `nextAttemptAt` for its lease) and no attempt recorded since.
    public func isInFlight(at now: Date) -> Bool {
        status == .pending && attempts > 0 && (nextAttemptAt.map { $0 > now } ?? false)
            && (lastAttemptAt.map { $0 < updatedAt } ?? true)
    }

    public init(
        id: ID,
        appID: App.ID,
        eventID: Event.ID,
        endpointID: WebhookEndpoint.ID,
        status: Status,
        attempts: Int,
        nextAttemptAt: Date?,
        lastAttemptAt: Date?,
        lastResponseStatus: Int?,
        lastError: String?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.appID = appID
        self.eventID = eventID
        self.endpointID = endpointID
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastResponseStatus = lastResponseStatus
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
