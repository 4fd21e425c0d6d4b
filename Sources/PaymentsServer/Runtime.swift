import AsyncHTTPClient
import Foundation
import Logging
import PaymentsDomain
import PaymentsServices
import PaymentsStore

/// What one process runs on, built once from the configuration: the store, the HTTP clients the
/// providers and the event deliveries use, the providers' circuit breakers and the services.
/// `payments serve`, `payments worker` and every CLI command open one and shut it down when they
/// are done; nothing here is a global.
public struct Runtime: Sendable {
    public let configuration: Configuration
    public let store: Store
    public let services: Services
    /// One breaker per provider account this process calls.
    public let breakers: CircuitBreakers
    public let logger: Logger
    let stripeClient: HTTPClient
    let webhookClient: HTTPClient

    /// Opens the store and builds the services.
    public static func open(_ configuration: Configuration, logger: Logger, clock: Clock = .system) async throws -> Runtime {
        let store = try await openStore(configuration, logger: logger, clock: clock)
        let stripeClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .stripe)
        let webhookClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .webhooks)
        let breakers = CircuitBreakers()
        let parts = ServiceParts.live(
            configuration,
            store: store,
            stripeClient: stripeClient,
            webhookClient: webhookClient,
            breakers: breakers,
            logger: logger
        )
        return Runtime(
            configuration: configuration,
            store: store,
            services: buildServices(parts),
            breakers: breakers,
            logger: logger,
            stripeClient: stripeClient,
            webhookClient: webhookClient
        )
    }

    /// Closes the HTTP clients and the store.
    public func shutdown() async {
        try? await stripeClient.shutdown()
        try? await webhookClient.shutdown()
        try? await store.backend.shutdown()
    }

    /// Runs `body` on a runtime opened from `configuration`, and shuts it down after, whatever happened.
    public static func with<T>(
        _ configuration: Configuration,
        logger: Logger,
        _ body: (Runtime) async throws -> T
    ) async throws -> T {
        let runtime = try await open(configuration, logger: logger)
        do {
            let result = try await body(runtime)
            await runtime.shutdown()
            return result
        } catch {
            await runtime.shutdown()
            throw error
        }
    }
}

/// Opens the configured database (creating the SQLite directory if needed).
public func openStore(_ configuration: Configuration, logger: Logger, clock: Clock = .system) async throws -> Store {
    let backend: any StoreBackend
    switch configuration.database.location {
    case .sqlite(let path):
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        backend = try await SQLiteBackend.open(path: path, logger: logger)
    case .postgres(let url):
        backend = try await PostgresBackend.connect(url: url, logger: logger)
    }
    return Store(backend: backend, clock: clock)
}

extension HTTPClient.Configuration {
    /// For calls to Stripe: a refused or unresolvable connection fails its attempt at once (the
    /// client does not retry connecting on its own: the Stripe client's retries fit the call's
    /// time budget), and one that cannot be made in 2 s is given up.
    static var stripe: Self {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2)), decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}
