import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PaymentsDomain
import PaymentsHTTP
import PaymentsServer
import PaymentsServices
import PaymentsStore

@main
struct Payments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Billing for several SaaS apps: one service, one API, Stripe or the offline sandbox.",
        discussion: "Configuration comes from the environment:\n"
            + PaymentsServer.Configuration.variables.map { "  \($0.name.padding(toLength: variableWidth, withPad: " ", startingAt: 0))\($0.meaning)" }
            .joined(separator: "\n"),
        subcommands: [
            Serve.self, Worker.self, Migrate.self, AppsCommand.self, Audit.self, Events.self, UsageCommand.self, Reconcile.self, StripeCommand.self,
            Doctor.self,
            Health.self, OpenAPI.self,
        ],
        defaultSubcommand: nil
    )
}

/// Reads the configuration, sets up logging, opens the runtime (store, HTTP clients, services),
/// runs `body`, and shuts the runtime down.
func withRuntime<T>(_ body: (Runtime) async throws -> T) async throws -> T {
    let configuration: PaymentsServer.Configuration
    do {
        configuration = try .load()
    } catch let error as ConfigurationError {
        throw ValidationError(error.description)
    }
    LoggingSystem.bootstrap { label in
        switch configuration.logs.format {
        case .json:
            return JSONLogHandler(label: label, level: configuration.logs.level)
        case .text:
            return TextLogHandler(label: label, level: configuration.logs.level)
        }
    }
    return try await Runtime.with(configuration, logger: Logger(label: "payments"), body)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API and the background workers (default 127.0.0.1:8080, SQLite in ./data)."
    )

    @Flag(help: "Serve the API only; run workers elsewhere with 'payments worker'.")
    var noWorkers = false

    func run() async throws {
        try await withRuntime { runtime in
            do {
                try await prepare(runtime)
            } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            let app = buildApplication(runtime, runWorkers: !noWorkers)
            let server = runtime.configuration.server
            runtime.logger.notice("listening on http://\(server.host):\(server.port)")
            try await app.runService()
        }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run only the background workers (for instances that do not serve HTTP)."
    )

    func run() async throws {
        try await withRuntime { runtime in try await runWorkers(runtime) }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (or show or revert them)."
    )

    @Flag(help: "Only list applied and pending migrations.")
    var status = false

    @Option(help: ArgumentHelp("Revert the last N applied migrations instead of applying.", valueName: "N"))
    var revert: Int?

    func run() async throws {
        try await withRuntime { runtime in
            let migrator = Migrator(backend: runtime.store.backend, logger: runtime.logger)
            if status {
                print("applied: \(try await migrator.appliedVersions())")
                print("pending: \(try await migrator.pendingVersions())")
            } else if let revert {
                print("reverted: \(try await migrator.revert(last: revert))")
            } else {
                let applied = try await migrator.migrate()
                print(applied.isEmpty ? "up to date" : "applied: \(applied)")
            }
        }
    }
}

/// Wide enough for the longest variable name and a space.
let variableWidth = (PaymentsServer.Configuration.variables.map(\.name.count).max() ?? 16) + 1

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Provider events in the inbox.",
        subcommands: [Reprocess.self]
    )

    struct Reprocess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue provider events to be processed again: one by id, or every one received in a time range."
        )
        @Option(help: "One event (pev_...).") var id: String?
        @Option(help: "Received at or after this RFC 3339 time.") var from: String?
        @Option(help: "Received before this RFC 3339 time.") var to: String?

        func run() async throws {
            guard id != nil || from != nil || to != nil else { throw ValidationError("give --id, or --from and/or --to") }
            let eventID = try id.map { raw -> ProviderEvent.ID in
                guard let parsed = ProviderEvent.ID(parsing: raw) else { throw ValidationError("--id must be an event id (pev_...)") }
                return parsed
            }
            let start = try from.map { raw -> Date in
                guard let date = RFC3339.parse(raw) else { throw ValidationError("--from must be an RFC 3339 time") }
                return date
            }
            let end = try to.map { raw -> Date in
                guard let date = RFC3339.parse(raw) else { throw ValidationError("--to must be an RFC 3339 time") }
                return date
            }
            let count = try await withRuntime { runtime in
                try await runtime.services.inbox.reprocess(
                    id: eventID,
                    receivedFrom: start,
                    receivedTo: end,
                    origin: Origin(actor: .admin, requestID: nil)
                )
            }
            print("queued \(count) event(s) for processing")
        }
    }
}

struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "Create apps and manage their API keys (audited as 'admin').",
        subcommands: [Create.self, List.self, RotateKey.self, RevokeKey.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an app; prints its id, its secret key and its publishable key (for GET /v1/public/plans), once."
        )
        @Option(help: "The app's name.") var name: String
        @Option(help: "test or live (fixed for the app's life).") var mode: String

        func run() async throws {
            guard let mode = App.Mode(rawValue: mode) else { throw ValidationError("--mode must be test or live") }
            try await withRuntime { runtime in
                try await runtime.store.migrate(logger: runtime.logger)
                let (app, issued, publishable) = try await runtime.services.apps.create(
                    name: name,
                    mode: mode,
                    origin: Origin(actor: .admin, requestID: nil)
                )
                print("app_id:  \(app.id)")
                print("mode:    \(app.mode.rawValue)")
                print("key_id:  \(issued.key.id)")
                print("api_key: \(issued.secret.value)")
                print("publishable_key_id: \(publishable.key.id)")
                print("publishable_key:    \(publishable.secret.value)")
                print("Keep the keys now: they are stored only as hashes and cannot be shown again.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List apps, newest first.")
        @Option(help: "At most this many (1-100).") var limit = 100

        func run() async throws {
            try await withRuntime { runtime in
                let page = try await runtime.services.apps.list(try PageRequest(limit: limit))
                for app in page.data {
                    print("\(app.id)  \(app.mode.rawValue)  \(app.name.debugDescription)")
                }
                if page.hasMore { print("(more: raise --limit)") }
            }
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Issue a new key; the current keys of its kind keep working for the overlap."
        )
        @Argument(help: "The app id (app_...).") var appID: String
        @Option(help: "Seconds the current keys keep working (0 = stop now).") var expiresIn: Int64 = 86_400
        @Flag(help: "Rotate the publishable key (pk_...) instead of the secret key.") var publishable = false

        func run() async throws {
            guard let id = App.ID(parsing: appID) else { throw ValidationError("not an app id: \(appID)") }
            try await withRuntime { runtime in
                let issued = try await runtime.services.apps.rotateKey(
                    of: id,
                    kind: publishable ? .publishable : .secret,
                    overlap: .seconds(expiresIn),
                    origin: Origin(actor: .admin, requestID: nil)
                )
                print("key_id:  \(issued.key.id)")
                print("api_key: \(issued.secret.value)")
                print("Older keys stop working in \(expiresIn) s.")
            }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke-key", abstract: "Revoke a key at once.")
        @Argument(help: "The app id (app_...).") var appID: String
        @Argument(help: "The key id (key_...).") var keyID: String

        func run() async throws {
            guard let id = App.ID(parsing: appID) else { throw ValidationError("not an app id: \(appID)") }
            guard let key = APIKey.ID(parsing: keyID) else { throw ValidationError("not a key id: \(keyID)") }
            try await withRuntime { runtime in
                _ = try await runtime.services.apps.revokeKey(key, of: id, origin: Origin(actor: .admin, requestID: nil))
                print("revoked \(key)")
            }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read an app's audit log, or verify the hash chains.",
        subcommands: [List.self, Verify.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an app's audit entries, newest first.")
        @Option(help: "The app id (app_...).") var app: String
        @Option(help: "Only this action type, e.g. CREATE_CUSTOMER.") var actionType: String?
        @Option(help: "Only this target type, e.g. customer.") var targetType: String?
        @Option(help: "At most this many (1-100).") var limit = 20

        func run() async throws {
            guard let id = App.ID(parsing: app) else { throw ValidationError("not an app id: \(app)") }
            try await withRuntime { runtime in
                let page = try await runtime.services.audit.list(
                    app: id,
                    filter: AuditFilter(actionType: actionType, targetType: targetType),
                    try PageRequest(limit: limit)
                )
                let formatter = ISO8601DateFormatter()
                for entry in page.data {
                    print(
                        "\(entry.seal.map { "\($0.sequence)" } ?? "unsealed")  \(formatter.string(from: entry.createdAt))  \(entry.actionType)  \(entry.targetType)/\(entry.targetID)  by \(entry.actorID)  \(entry.payloadSnapshot)"
                    )
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every app's audit hash chain (or one app's); exits 1 at the first broken link.",
            discussion: """
                An entry is written with its change and sealed into its app's chain within about a second by \
                `payments serve` or `payments worker`; the sealed chain is checked, and entries not sealed yet \
                are counted apart (they are not yet protected).
                """
        )
        @Option(help: "Only this app (app_...).") var app: String?

        func run() async throws {
            let broken = try await withRuntime { runtime -> Bool in
                var broken = false
                let appIDs = try await oneOrAllApps(app, runtime.services.apps)
                for id in appIDs {
                    let result = try await runtime.services.audit.verify(app: id)
                    if let link = result.firstBreak {
                        print("\(id): BROKEN at \(link)")
                        broken = true
                    } else {
                        print("\(id): ok (\(result.entries) entries\(Self.unsealed(result)))")
                    }
                }
                return broken
            }
            if broken { throw ExitCode(1) }
        }

        static func unsealed(_ result: AuditLog.Service.Verification) -> String {
            guard result.unsealed > 0, let oldest = result.oldestUnsealed else { return "" }
            return "; \(result.unsealed) not sealed yet, the oldest written \(ISO8601DateFormatter().string(from: oldest))"
        }
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration, the database and the provider credentials; exits 1 when something is wrong."
    )

    func run() async throws {
        let ok = try await withRuntime { runtime -> Bool in
            let (configuration, store) = (runtime.configuration, runtime.store)
            var ok = true
            print(
                "configuration: ok (\(configuration.secrets.production ? "production" : "development"), "
                    + "listening on \(configuration.server.host):\(configuration.server.port))"
            )
            switch configuration.database.location {
            case .sqlite(let path): print("database: SQLite at \(path)")
            case .postgres: print("database: PostgreSQL")
            }
            do {
                try await store.read { try await $0.db.raw("SELECT 1 AS ok").run() }
                print("database connection: ok")
                let pending = try await Migrator(backend: store.backend, logger: runtime.logger).pendingVersions()
                print(pending.isEmpty ? "migrations: up to date" : "migrations: pending \(pending) (run 'payments migrate')")
                ok = ok && pending.isEmpty
            } catch {
                print("database connection: FAILED (\(error))")
                ok = false
                return ok
            }
            let providers = await checkProviders(runtime)
            for line in providers.lines { print(line) }
            return ok && providers.ok
        }
        if !ok { throw ExitCode(1) }
    }
}

/// The app named by `--app`, or every app when none is.
func oneOrAllApps(_ app: String?, _ apps: Apps.Service) async throws -> [App.ID] {
    guard let app else { return try await allApps(apps) }
    guard let id = App.ID(parsing: app) else { throw ValidationError("not an app id: \(app)") }
    return [id]
}

func allApps(_ apps: Apps.Service) async throws -> [App.ID] {
    var ids: [App.ID] = []
    var cursor: String?
    repeat {
        let page = try await apps.list(try PageRequest(limit: 100, startingAfter: cursor))
        ids += page.data.map(\.id)
        cursor = page.hasMore ? page.data.last?.id.rawValue : nil
    } while cursor != nil
    return ids
}

struct OpenAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the OpenAPI 3.1 document (the same one served at /openapi.json)."
    )

    func run() async throws {
        print(String(decoding: APIDocument.json, as: UTF8.self))
    }
}
