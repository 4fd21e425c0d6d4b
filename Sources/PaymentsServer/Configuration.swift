import Foundation
import Logging
import PaymentsDomain

/// The service's configuration, read from the environment and checked at start: one part per
/// concern, each reading and validating its own variables.
public struct Configuration: Sendable {
    public var server: Server
    public var database: Database
    public var secrets: Secrets
    public var stripe: Stripe
    public var logs: Logs
    /// What the operator should be told at start.
    public var notices: [String]

    /// Environment variables and what they mean, for `--help` and the README.
    public static var variables: [(name: String, meaning: String)] {
        Server.variables + Database.variables + Secrets.variables + Logs.variables + Stripe.variables
    }

    /// Reads the environment. In development, missing secrets are generated once into
    /// `DATA_DIR/secrets.env` and reused.
    /// - Throws: `ConfigurationError` naming the variable at fault.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Configuration {
        let environment = Environment(environment)
        let server = try Server(environment)
        let database = try Database(environment)
        let (secrets, notice) = try Secrets.load(environment, dataDirectory: database.dataDirectory)
        return Configuration(
            server: server,
            database: database,
            secrets: secrets,
            stripe: try Stripe(environment),
            logs: try Logs(environment),
            notices: notice.map { [$0] } ?? []
        )
    }
}

extension Configuration {
    /// Where the API listens and how it treats requests.
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        /// Where browsers reach this service (the sandbox's hosted checkout and portal pages).
        public var publicURL: String
        /// The largest request body accepted, in bytes.
        public var bodyLimit: Int
        /// How long an authenticated API key is trusted without a lookup (0 disables the cache).
        public var keyCacheTTL: Duration
        /// How often the workers report metered usage to the providers.
        public var usageReportInterval: Duration
        /// Whether `serve` applies pending migrations before it listens.
        public var migrateOnStart: Bool
        /// How often the drift reconciliation worker compares each app with its provider (nil: never).
        public var reconcileInterval: Duration?
        /// Whether it applies the provider's truth.
        public var reconcileFix: Bool

        static let variables: [(name: String, meaning: String)] = [
            ("HOST", "address to listen on (default 127.0.0.1)"),
            ("PORT", "port to listen on (default 8080)"),
            ("PUBLIC_URL", "where browsers reach this service, for the sandbox's checkout and portal pages (default http://HOST:PORT)"),
            ("MAX_BODY_BYTES", "largest request body in bytes (default 1048576)"),
            (
                "KEY_CACHE_SECONDS",
                "how long a key is trusted without a lookup; a key revoked on another instance stops here within it (default 5, 0 = off)"
            ),
            ("USAGE_REPORT_SECONDS", "how often metered usage is reported to the providers, one meter event per customer and metric (default 60)"),
            ("MIGRATE_ON_START", "'false' to make serve refuse to start with pending migrations (default true)"),
            (
                "RECONCILE_SECONDS",
                "how often each app's subscriptions, payments and invoices are compared with its provider's, one instance at a time (default 86400, 0 = never)"
            ),
            ("RECONCILE_FIX", "'true' to apply the provider's truth to what that comparison finds, as the missed webhook would (default false)"),
        ]

        init(_ environment: Environment) throws {
            host = environment["HOST"] ?? "127.0.0.1"
            port = try environment.integer("PORT", in: 1...65535, "a port number from 1 to 65535") ?? 8080
            let url = environment["PUBLIC_URL"] ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            bodyLimit = try environment.integer("MAX_BODY_BYTES", in: 1024...Int.max, "an integer of at least 1024") ?? 1 << 20
            keyCacheTTL = .seconds(try environment.integer("KEY_CACHE_SECONDS", in: 0...300, "an integer from 0 to 300") ?? 5)
            usageReportInterval = .seconds(try environment.integer("USAGE_REPORT_SECONDS", in: 1...86_400, "1 to 86400 seconds") ?? 60)
            migrateOnStart = try environment.flag("MIGRATE_ON_START") ?? true
            let reconcile = try environment.integer("RECONCILE_SECONDS", in: 0...31_536_000, "0 to 31536000 seconds") ?? 86_400
            reconcileInterval = reconcile == 0 ? nil : .seconds(reconcile)
            reconcileFix = try environment.flag("RECONCILE_FIX") ?? false
        }
    }

    /// Where the data lives.
    public struct Database: Sendable, Equatable {
        public enum Location: Sendable, Equatable {
            case sqlite(path: String)
            case postgres(url: String)
        }

        public var location: Location
        /// Where the SQLite file and generated development secrets are kept.
        public var dataDirectory: String

        static let variables: [(name: String, meaning: String)] = [
            ("DATABASE_URL", "postgres://user:pass@host:5432/db, or sqlite:///path/file.sqlite (default: SQLite in DATA_DIR)"),
            ("DATA_DIR", "where the SQLite file and development secrets live (default ./data)"),
        ]

        init(_ environment: Environment) throws {
            dataDirectory = environment["DATA_DIR"] ?? "./data"
            guard let url = environment["DATABASE_URL"] else {
                location = .sqlite(path: dataDirectory + "/payments.sqlite")
                return
            }
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                location = .postgres(url: url)
            } else if url.hasPrefix("sqlite://") {
                let path = String(url.dropFirst("sqlite://".count))
                guard !path.isEmpty else { throw ConfigurationError("DATABASE_URL sqlite:// needs a file path.") }
                location = .sqlite(path: path)
            } else {
                throw ConfigurationError("DATABASE_URL must start with postgres://, postgresql:// or sqlite://.")
            }
        }
    }

    /// The service's own secrets.
    public struct Secrets: Sendable {
        /// Key material for sealing the apps' provider secrets.
        public var appSecret: Secret<String>
        public var adminToken: Secret<String>
        /// `PAYMENTS_ENV=production`: secrets must come from the environment.
        public var production: Bool
        /// Whether the secrets were generated into the data directory (development).
        public var generated: Bool

        static let variables: [(name: String, meaning: String)] = [
            ("APP_SECRET", "key material for encrypting provider secrets; required in production"),
            ("ADMIN_TOKEN", "bearer token for /admin routes; required in production"),
            ("PAYMENTS_ENV", "'production' requires APP_SECRET and ADMIN_TOKEN from the environment"),
        ]

        /// - Returns: the secrets, and a notice when they were generated or read from the data directory.
        static func load(_ environment: Environment, dataDirectory: String) throws -> (Secrets, String?) {
            let production = environment["PAYMENTS_ENV"].map { $0.lowercased() == "production" } ?? false
            var appSecret = environment["APP_SECRET"]
            var adminToken = environment["ADMIN_TOKEN"]
            if let secret = appSecret, secret.utf8.count < 32 { throw ConfigurationError("APP_SECRET must be at least 32 characters.") }
            if let token = adminToken, token.utf8.count < 24 { throw ConfigurationError("ADMIN_TOKEN must be at least 24 characters.") }
            var notice: String?
            if appSecret == nil || adminToken == nil {
                if production {
                    let missing = [appSecret == nil ? "APP_SECRET" : nil, adminToken == nil ? "ADMIN_TOKEN" : nil]
                        .compactMap { $0 }.joined(separator: " and ")
                    throw ConfigurationError("PAYMENTS_ENV=production: \(missing) must be set in the environment.")
                }
                let stored = try DevelopmentSecrets.loadOrCreate(in: dataDirectory)
                appSecret = appSecret ?? stored.appSecret
                adminToken = adminToken ?? stored.adminToken
                notice =
                    stored.created
                    ? "Development mode: generated APP_SECRET and ADMIN_TOKEN into \(stored.path) (set them in the environment for production)."
                    : "Development mode: using APP_SECRET and ADMIN_TOKEN from \(stored.path)."
            }
            let secrets = Secrets(
                appSecret: Secret(appSecret!),
                adminToken: Secret(adminToken!),
                production: production,
                generated: notice != nil
            )
            return (secrets, notice)
        }
    }

    /// The platform's Stripe account and how the adapter reaches Stripe.
    public struct Stripe: Sendable {
        /// The platform's account (`STRIPE_SECRET_KEY`), if set.
        public var secretKey: Secret<String>?
        public var webhookSecrets: [Secret<String>]
        /// Where the adapter sends requests (default https://api.stripe.com).
        public var apiBase: String
        /// The oldest webhook signature timestamp accepted (Stripe's default, 300 s).
        public var webhookTolerance: Duration
        /// The whole of one call to Stripe, retries included.
        public var timeout: Duration

        static let variables: [(name: String, meaning: String)] = [
            (
                "STRIPE_SECRET_KEY",
                "the platform's Stripe key (sk_test_... or sk_live_...): serves apps of the same mode without their own account; unset = sandbox for test-mode apps"
            ),
            ("STRIPE_WEBHOOK_SECRET", "the platform account's webhook signing secrets, comma-separated (whsec_...)"),
            ("STRIPE_WEBHOOK_TOLERANCE", "seconds a Stripe webhook signature stays valid (default 300, as Stripe's libraries)"),
            ("STRIPE_API_BASE", "Stripe API base URL (default https://api.stripe.com; tests point it at a local stand-in)"),
            ("STRIPE_TIMEOUT", "seconds one call to Stripe may take, retries included, before the app gets a 503 (default 6)"),
        ]

        init(_ environment: Environment) throws {
            let key = environment["STRIPE_SECRET_KEY"]
            if let key, !["sk_test_", "sk_live_", "rk_test_", "rk_live_"].contains(where: key.hasPrefix) {
                throw ConfigurationError("STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_..., sk_live_..., rk_...).")
            }
            secretKey = key.map(Secret.init)
            let secrets = (environment["STRIPE_WEBHOOK_SECRET"] ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for secret in secrets where !secret.hasPrefix("whsec_") {
                throw ConfigurationError("STRIPE_WEBHOOK_SECRET must list signing secrets that start with whsec_.")
            }
            webhookSecrets = secrets.map(Secret.init)
            let base = environment["STRIPE_API_BASE"] ?? "https://api.stripe.com"
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError("STRIPE_API_BASE must be an http(s) URL, got '\(base)'.")
            }
            apiBase = base.hasSuffix("/") ? String(base.dropLast()) : base
            webhookTolerance = .seconds(try environment.integer("STRIPE_WEBHOOK_TOLERANCE", in: 1...86_400, "1 to 86400 seconds") ?? 300)
            timeout = .seconds(try environment.integer("STRIPE_TIMEOUT", in: 1...120, "1 to 120 seconds") ?? 6)
        }
    }

    /// What is logged, and how.
    public struct Logs: Sendable {
        public var level: Logger.Level
        /// `text` (key=value, for people) or `json` (one object a line, for collectors).
        public var format: LogFormat

        static let variables: [(name: String, meaning: String)] = [
            ("LOG_LEVEL", "trace, debug, info, notice, warning, error or critical (default info)"),
            ("LOG_FORMAT", "text (default) or json: one JSON object a line with request_id and all metadata"),
        ]

        init(_ environment: Environment) throws {
            level =
                try environment.parse("LOG_LEVEL", "one of trace, debug, info, notice, warning, error, critical") {
                    Logger.Level(rawValue: $0.lowercased())
                } ?? .info
            format = try environment.parse("LOG_FORMAT", "text or json") { LogFormat(rawValue: $0.lowercased()) } ?? .text
        }
    }
}

/// The process environment, read the way every part of the configuration reads it: a variable
/// set to blanks counts as unset, and a bad value is an error naming the variable.
struct Environment {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    subscript(_ name: String) -> String? {
        guard let raw = values[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    func parse<T>(_ name: String, _ expected: String, _ read: (String) -> T?) throws -> T? {
        guard let raw = self[name] else { return nil }
        guard let value = read(raw) else { throw ConfigurationError("\(name) must be \(expected), got '\(raw)'.") }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int>, _ expected: String) throws -> Int? {
        try parse(name, expected) { raw in Int(raw).flatMap { range.contains($0) ? $0 : nil } }
    }

    func flag(_ name: String) throws -> Bool? {
        try parse(name, "true or false") { raw in
            switch raw.lowercased() {
            case "1", "true", "yes", "on": true
            case "0", "false", "no", "off": false
            default: nil
            }
        }
    }
}

public enum LogFormat: String, Sendable {
    case text, json
}

/// A configuration problem, said in terms of the variable to fix.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Development secrets kept in `DATA_DIR/secrets.env` (mode 0600), made on first start.
enum DevelopmentSecrets {
    static func loadOrCreate(in directory: String) throws -> (appSecret: String, adminToken: String, path: String, created: Bool) {
        let path = directory + "/secrets.env"
        let files = FileManager.default
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            var values: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
            }
            if let secret = values["APP_SECRET"], let token = values["ADMIN_TOKEN"] {
                return (secret, token, path, false)
            }
        }
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let secret = random(48)
        let token = "adm_" + random(40)
        let contents = "APP_SECRET=\(secret)\nADMIN_TOKEN=\(token)\n"
        guard files.createFile(atPath: path, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("could not write development secrets to \(path)")
        }
        return (secret, token, path, true)
    }

    static func random(_ count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
