import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum WebhookEndpoints {}

extension WebhookEndpoints {
    /// An endpoint with its signing secret, which is shown once: when it is made, and after a rotation.
    public struct Created: Sendable {
        public let endpoint: WebhookEndpoint
        public let secret: Secret<String>
    }

    /// Where an app receives events. Secrets are sealed like provider keys (`SecretBox`) and never
    /// audited or shown again.
    public struct Service: Sendable {
        let store: Store
        let secrets: SecretBox

        public init(store: Store, secrets: SecretBox) {
            self.store = store
            self.secrets = secrets
        }

        public static let maximumPerApp = 16

        /// - Throws: 400 for a bad `url`, `events` or `description`; `webhook_endpoint_limit` past 16.
        public func create(app: App, url: String?, events: [String]?, description: String?, origin: Origin) async throws -> Created {
            guard let url else { throw PaymentsError.missing("url") }
            if let problem = WebhookEndpoint.problem(url: url, livemode: app.mode == .live) { throw PaymentsError.invalid("url", problem) }
            let kinds = try Self.kinds(events)
            try Self.validate(description: description)
            let secret = StandardWebhooks.makeSecret()
            let sealed = try secrets.seal(secret, for: app.id)
            let endpoint = try await store.write(origin, app: app.id) { session in
                guard try await session.webhookEndpoints(app.id).count() < Self.maximumPerApp else {
                    throw PaymentsError(
                        .invalidRequest,
                        code: .webhookEndpointLimit,
                        message: "An app may have at most \(Self.maximumPerApp) webhook endpoints; delete one first."
                    )
                }
                let endpoint = WebhookEndpoint(
                    id: session.ids.next(WebhookEndpoint.self, at: session.now),
                    appID: app.id,
                    url: url,
                    description: description,
                    eventTypes: kinds,
                    sealedSecret: sealed,
                    sealedPreviousSecret: nil,
                    previousSecretExpiresAt: nil,
                    createdAt: session.now,
                    updatedAt: session.now
                )
                try await session.webhookEndpoints(app.id).insert(endpoint)
                try await session.audit(
                    app.id,
                    try AuditRecord(
                        action: .createWebhookEndpoint,
                        target: endpoint.id,
                        snapshot: EndpointSnapshot(endpoint)
                    )
                )
                return endpoint
            }
            return Created(endpoint: endpoint, secret: Secret(secret))
        }

        /// Changes what the endpoint receives or its description.
        public func update(app: App.ID, _ id: String, events: [String]?, description: Patch<String>, origin: Origin) async throws -> WebhookEndpoint {
            let endpointID = try parse(id)
            let kinds = try events.map { try Self.kinds($0) }
            if case .set(let description) = description { try Self.validate(description: description) }
            return try await store.write(origin, app: app) { session in
                guard var endpoint = try await session.webhookEndpoints(app).find(endpointID) else {
                    throw PaymentsError.notFound(.webhookEndpointNotFound, id: id)
                }
                if let kinds { endpoint.eventTypes = kinds }
                switch description {
                case .unchanged: break
                case .clear: endpoint.description = nil
                case .set(let text): endpoint.description = text
                }
                endpoint.updatedAt = session.now
                try await session.webhookEndpoints(app).update(endpoint)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .updateWebhookEndpoint,
                        target: endpoint.id,
                        snapshot: EndpointSnapshot(endpoint)
                    )
                )
                return endpoint
            }
        }

        /// A new secret; the old one keeps signing (a second signature) for `overlap`, so the app
        /// can switch without losing a delivery.
        /// - Throws: 400 when `overlap` is over 7 days.
        public func rotateSecret(app: App.ID, _ id: String, overlap: Duration, origin: Origin) async throws -> Created {
            let endpointID = try parse(id)
            try WebhookEndpoint.overlapRule.check(overlap.components.seconds, param: "expires_in")
            let secret = StandardWebhooks.makeSecret()
            let sealed = try secrets.seal(secret, for: app)
            let endpoint = try await store.write(origin, app: app) { session in
                guard var endpoint = try await session.webhookEndpoints(app).find(endpointID) else {
                    throw PaymentsError.notFound(.webhookEndpointNotFound, id: id)
                }
                let seconds = Double(overlap.components.seconds)
                endpoint.sealedPreviousSecret = seconds > 0 ? endpoint.sealedSecret : nil
                // The old secret signs real deliveries: its overlap runs on real time.
                endpoint.previousSecretExpiresAt = seconds > 0 ? session.wallClock.addingTimeInterval(seconds) : nil
                endpoint.sealedSecret = sealed
                endpoint.updatedAt = session.now
                try await session.webhookEndpoints(app).update(endpoint)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .rotateWebhookSecret,
                        target: endpoint.id,
                        snapshot: ["previous_secret_expires_at": endpoint.previousSecretExpiresAt.map { "\(Timestamp.milliseconds($0))" } ?? "now"]
                    )
                )
                return endpoint
            }
            return Created(endpoint: endpoint, secret: Secret(secret))
        }

        /// Deletes the endpoint; deliveries still waiting for it become `dead`.
        public func delete(app: App.ID, _ id: String, origin: Origin) async throws -> WebhookEndpoint {
            let endpointID = try parse(id)
            return try await store.write(origin, app: app) { session in
                guard let endpoint = try await session.webhookEndpoints(app).find(endpointID) else {
                    throw PaymentsError.notFound(.webhookEndpointNotFound, id: id)
                }
                try await session.webhookEndpoints(app).delete(endpointID)
                try await session.audit(
                    app,
                    try AuditRecord(
                        action: .deleteWebhookEndpoint,
                        target: endpoint.id,
                        snapshot: EndpointSnapshot(endpoint)
                    )
                )
                return endpoint
            }
        }

        public func get(app: App.ID, _ id: String) async throws -> WebhookEndpoint {
            let endpointID = try parse(id)
            guard let endpoint = try await store.read({ try await $0.webhookEndpoints(app).find(endpointID) }) else {
                throw PaymentsError.notFound(.webhookEndpointNotFound, id: id)
            }
            return endpoint
        }

        public func list(app: App.ID, _ page: PageRequest) async throws -> Page<WebhookEndpoint> {
            try page.requireCursor(of: WebhookEndpoint.self)
            return try await store.read { try await $0.webhookEndpoints(app).list(page) }
        }

        func parse(_ id: String) throws -> WebhookEndpoint.ID {
            guard let endpointID = WebhookEndpoint.ID(parsing: id) else { throw PaymentsError.notFound(.webhookEndpointNotFound, id: id) }
            return endpointID
        }

        /// The event types named in `events`; nil, empty or a list holding `*` mean every type.
        static func kinds(_ events: [String]?) throws -> [Event.Kind] {
            guard let events, !events.contains("*") else { return [] }
            guard events.count <= Event.Kind.allCases.count else {
                throw PaymentsError.invalid("events", "events lists at most \(Event.Kind.allCases.count) types.")
            }
            var kinds: [Event.Kind] = []
            for name in events {
                guard let kind = Event.Kind(rawValue: name) else {
                    throw PaymentsError.invalid(
                        "events",
                        "Unknown event type '\(name)'; expected '*' or one of \(Event.Kind.allCases.map(\.rawValue).joined(separator: ", "))."
                    )
                }
                if !kinds.contains(kind) { kinds.append(kind) }
            }
            return kinds
        }

        static func validate(description: String?) throws {
            if let description { try WebhookEndpoint.descriptionRule.check(description, param: "description") }
        }
    }
}

struct EndpointSnapshot: Encodable {
    let url: String
    let events: [String]
    let description: String?

    init(_ e: WebhookEndpoint) {
        url = e.url
        events = e.eventTypes.map(\.rawValue)
        description = e.description
    }
}
