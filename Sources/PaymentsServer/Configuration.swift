import Logging
import PaymentsDomain

import Foundation

/// The service's configuration, read from the environment and checked at start.
public struct Configuration: Sendable {
    /// Where the data lives.
    public enum Database: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var host: String
    public var port: Int
    public var database: Database
    public var appSecret: Secret<String>
    public var adminToken: Secret<String>
    public var logLevel: Logger.Level
    /// `text` (key=value, for people) or `json` (one object a line, for collectors).
    public var logFormat: LogFormat
    /// Where the SQLite file and generated development secrets are kept.
    public var dataDirectory: String
    /// `PAYMENTS_ENV=production`: secrets must come from the environment.
    public var production: Bool
    /// Whether `serve` applies pending migrations before it listens.
    public var migrateOnStart: Bool
    /// The largest request body accepted, in bytes.
    public var bodyLimit: Int
    /// How long an authenticated API key is trusted without a lookup (0 disables the cache).
    public var keyCacheTTL: Duration
    /// Whether `APP_SECRET` and `ADMIN_TOKEN` were generated into the data directory (development).
    public var generatedSecrets: Bool
    /// Where browsers reach this service (the sandbox's hosted checkout and portal pages).
    public var publicURL: String
    /// The platform's Stripe account (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`), if set.
    public var stripeSecretKey: Secret<String>?
    public var stripeWebhookSecrets: [Secret<String>]
    /// Where the Stripe adapter sends requests (default https://api.stripe.com).
    public var stripeAPIBase: String
    /// The oldest webhook signature timestamp accepted (Stripe's default, 300 s).
    public var stripeWebhookTolerance: Duration = .seconds(300)
    /// What the operator should be told at start.
    public var notices: [String]

    /// Environment variables and what they mean, for `--help` and the README.
    public static let variables: [(name: String, meaning: String)] = [
        ("HOST", "address to listen on (default 127.0.0.1)"),
        ("PORT", "port to listen on (default 8080)"),
        ("DATABASE_URL", "postgres://user:pass@host:5432/db, or sqlite:///path/file.sqlite (default: SQLite in DATA_DIR)"),
        ("DATA_DIR", "where the SQLite file and development secrets live (default ./data)"),
        ("APP_SECRET", "key material for encrypting provider secrets; required in production"),
        ("ADMIN_TOKEN", "bearer token for /admin routes; required in production"),
        ("PAYMENTS_ENV", "'production' requires APP_SECRET and ADMIN_TOKEN from the environment"),
        ("LOG_LEVEL", "trace, debug, info, notice, warning, error or critical (default info)"),
        ("LOG_FORMAT", "text (default) or json: one JSON object a line with request_id and all metadata"),
        ("MIGRATE_ON_START", "'false' to make serve refuse to start with pending migrations (default true)"),
        ("MAX_BODY_BYTES", "largest request body in bytes (default 1048576)"),
        ("PUBLIC_URL", "where browsers reach this service, for the sandbox's checkout and portal pages (default http://HOST:PORT)"),
        ("STRIPE_SECRET_KEY", "the platform's Stripe key (sk_test_... or sk_live_...): serves apps of the same mode without their own account; unset = sandbox"),
        ("STRIPE_WEBHOOK_SECRET", "the platform account's webhook signing secrets, comma-separated (whsec_...)"),
        ("STRIPE_WEBHOOK_TOLERANCE", "seconds a Stripe webhook signature stays valid (default 300, as Stripe's libraries)"),
        ("STRIPE_API_BASE", "Stripe API base URL (default https://api.stripe.com; tests point it at a local stand-in)"),
        ("KEY_CACHE_SECONDS", "how long a key is trusted without a lookup; a key revoked on another instance stops here within it (default 5, 0 = off)"),
    ]

    /// Reads the environment. In development, missing secrets are generated once into
    /// `DATA_DIR/secrets.env` and reused.
    /// - Throws: `ConfigurationError` naming the variable at fault.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Configuration {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        let dataDirectory = value("DATA_DIR") ?? "./data"
        let production = value("PAYMENTS_ENV").map { $0.lowercased() == "production" } ?? false

        let port = try value("PORT").map { raw in
            guard let port = Int(raw), (1...65535).contains(port) else {
                throw ConfigurationError("PORT must be a port number from 1 to 65535, got '\(raw)'.")
            }
            return port
        } ?? 8080

        let logLevel = try value("LOG_LEVEL").map { raw in
            guard let level = Logger.Level(rawValue: raw.lowercased()) else {
                throw ConfigurationError(
                    "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical; got '\(raw)'.")
            }
            return level
        } ?? .info

        let logFormat = try value("LOG_FORMAT").map { raw in
            guard let format = LogFormat(rawValue: raw.lowercased()) else {
                throw ConfigurationError("LOG_FORMAT must be text or json, got '\(raw)'.")
            }
            return format
        } ?? .text

        let database: Database
        if let url = value("DATABASE_URL") {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                database = .postgres(url: url)
            } else if url.hasPrefix("sqlite://") {
                let path = String(url.dropFirst("sqlite://".count))
                guard !path.isEmpty else { throw ConfigurationError("DATABASE_URL sqlite:// needs a file path.") }
                database = .sqlite(path: path)
            } else {
                throw ConfigurationError("DATABASE_URL must start with postgres://, postgresql:// or sqlite://.")
            }
        } else {
            database = .sqlite(path: dataDirectory + "/payments.sqlite")
        }

        let migrateOnStart = try flag(value("MIGRATE_ON_START"), name: "MIGRATE_ON_START") ?? true
        let bodyLimit = try value("MAX_BODY_BYTES").map { raw in
            guard let bytes = Int(raw), bytes >= 1024 else {
                throw ConfigurationError("MAX_BODY_BYTES must be an integer of at least 1024, got '\(raw)'.")
            }
            return bytes
        } ?? 1 << 20

        let keyCacheSeconds = try value("KEY_CACHE_SECONDS").map { raw in
            guard let seconds = Int(raw), (0...300).contains(seconds) else {
                throw ConfigurationError("KEY_CACHE_SECONDS must be an integer from 0 to 300, got '\(raw)'.")
            }
            return seconds
        } ?? 5

        var notices: [String] = []
        var generated = false
        var appSecret = value("APP_SECRET")
        var adminToken = value("ADMIN_TOKEN")
        if let secret = appSecret, secret.utf8.count < 32 {
            throw ConfigurationError("APP_SECRET must be at least 32 characters.")
        }
        if let token = adminToken, token.utf8.count < 24 {
            throw ConfigurationError("ADMIN_TOKEN must be at least 24 characters.")
        }
        if appSecret == nil || adminToken == nil {
            if production {
                let missing = [appSecret == nil ? "APP_SECRET" : nil, adminToken == nil ? "ADMIN_TOKEN" : nil]
                    .compactMap { $0 }.joined(separator: " and ")
                throw ConfigurationError("PAYMENTS_ENV=production: \(missing) must be set in the environment.")
            }
            let stored = try DevelopmentSecrets.loadOrCreate(in: dataDirectory)
            if appSecret == nil { appSecret = stored.appSecret }
            if adminToken == nil { adminToken = stored.adminToken }
            generated = true
            notices.append(
                stored.created
                    ? "Development mode: generated APP_SECRET and ADMIN_TOKEN into \(stored.path) (set them in the environment for production)."
                    : "Development mode: using APP_SECRET and ADMIN_TOKEN from \(stored.path).")
        }

        let host = value("HOST") ?? "127.0.0.1"
        let stripeKey = value("STRIPE_SECRET_KEY")
        if let stripeKey, !(stripeKey.hasPrefix("sk_test_") || stripeKey.hasPrefix("sk_live_") || stripeKey.hasPrefix("rk_test_") || stripeKey.hasPrefix("rk_live_")) {
            throw ConfigurationError("STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_..., sk_live_..., rk_...).")
        }
        let webhookSecrets = (value("STRIPE_WEBHOOK_SECRET") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for secret in webhookSecrets where !secret.hasPrefix("whsec_") {
            throw ConfigurationError("STRIPE_WEBHOOK_SECRET must list signing secrets that start with whsec_.")
        }
        let stripeAPIBase = value("STRIPE_API_BASE") ?? "https://api.stripe.com"
        guard let base = URL(string: stripeAPIBase), ["http", "https"].contains(base.scheme ?? ""), base.host != nil else {
            throw ConfigurationError("STRIPE_API_BASE must be an http(s) URL, got '\(stripeAPIBase)'.")
        }
        let tolerance: Int64 = try value("STRIPE_WEBHOOK_TOLERANCE").map { raw -> Int64 in
            guard let seconds = Int64(raw), (1...86_400).contains(seconds) else {
                throw ConfigurationError("STRIPE_WEBHOOK_TOLERANCE must be 1 to 86400 seconds, got '\(raw)'.")
            }
            return seconds
        } ?? 300
        let publicURL = value("PUBLIC_URL") ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        return Configuration(
            host: host, port: port, database: database, appSecret: Secret(appSecret!),
            adminToken: Secret(adminToken!), logLevel: logLevel, logFormat: logFormat, dataDirectory: dataDirectory, production: production,
            migrateOnStart: migrateOnStart, bodyLimit: bodyLimit, keyCacheTTL: .seconds(keyCacheSeconds),
            generatedSecrets: generated,
            publicURL: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL,
            stripeSecretKey: stripeKey.map(Secret.init), stripeWebhookSecrets: webhookSecrets.map(Secret.init),
            stripeAPIBase: stripeAPIBase.hasSuffix("/") ? String(stripeAPIBase.dropLast()) : stripeAPIBase,
            stripeWebhookTolerance: .seconds(tolerance), notices: notices)
    }

    static func flag(_ raw: String?, name: String) throws -> Bool? {
        guard let raw else { return nil }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, got '\(raw)'.")
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
