import Foundation
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsServer

@Suite struct ConfigurationTests {
    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("payments-config-\(UUID().uuidString)").path
    }

    @Test func defaultsAreForALaptop() throws {
        let data = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let configuration = try Configuration.load(environment: ["DATA_DIR": data])
        #expect(configuration.server.host == "127.0.0.1" && configuration.server.port == 8080)
        #expect(configuration.database.location == .sqlite(path: data + "/payments.sqlite"))
        #expect(configuration.server.bodyLimit == 1 << 20 && configuration.server.migrateOnStart)
        #expect(configuration.secrets.generated)
        #expect(configuration.stripe.timeout == .seconds(6) && configuration.stripe.secretKey == nil)
        #expect(configuration.notices.first?.contains("generated APP_SECRET and ADMIN_TOKEN") == true)

        // The second start reuses what the first generated.
        let again = try Configuration.load(environment: ["DATA_DIR": data])
        #expect(again.secrets.adminToken.value == configuration.secrets.adminToken.value)
        #expect(again.secrets.appSecret.value == configuration.secrets.appSecret.value)
        #expect(again.notices.first?.contains("using APP_SECRET and ADMIN_TOKEN from") == true)
        let mode = try FileManager.default.attributesOfItem(atPath: data + "/secrets.env")[.posixPermissions] as? Int
        #expect(mode == 0o600, "the secrets file is readable by its owner only")
    }

    @Test func badValuesAreRefusedNamingTheVariable() {
        let cases: [([String: String], String)] = [
            (["PORT": "eighty"], "PORT"), (["PORT": "70000"], "PORT"), (["LOG_LEVEL": "loud"], "LOG_LEVEL"),
            (["DATABASE_URL": "mysql://x"], "DATABASE_URL"), (["MIGRATE_ON_START": "maybe"], "MIGRATE_ON_START"),
            (["MAX_BODY_BYTES": "12"], "MAX_BODY_BYTES"), (["APP_SECRET": "short"], "APP_SECRET"),
            (["KEY_CACHE_SECONDS": "-1"], "KEY_CACHE_SECONDS"), (["STRIPE_TIMEOUT": "0"], "STRIPE_TIMEOUT"),
            (["STRIPE_SECRET_KEY": "pk_test_1"], "STRIPE_SECRET_KEY"), (["STRIPE_API_BASE": "ftp://x"], "STRIPE_API_BASE"),
            (["LOG_FORMAT": "xml"], "LOG_FORMAT"),
        ]
        for (environment, variable) in cases {
            do {
                _ = try Configuration.load(environment: environment.merging(["DATA_DIR": temporaryDirectory()]) { a, _ in a })
                Issue.record("\(environment) was accepted")
            } catch {
                #expect("\(error)".contains(variable), "\(environment): \(error)")
            }
        }
    }

    @Test func productionNeedsSecretsFromTheEnvironment() throws {
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(environment: ["PAYMENTS_ENV": "production", "DATA_DIR": temporaryDirectory()])
        }
        let configuration = try Configuration.load(environment: [
            "PAYMENTS_ENV": "production", "APP_SECRET": String(repeating: "s", count: 32),
            "ADMIN_TOKEN": String(repeating: "t", count: 24), "DATABASE_URL": "postgres://u:p@db.internal:5432/payments",
        ])
        #expect(configuration.secrets.production && !configuration.secrets.generated)
        #expect(configuration.database.location == .postgres(url: "postgres://u:p@db.internal:5432/payments"))
    }

    @Test func aLiveAppRefusesGeneratedSecrets() async throws {
        let data = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let configuration = try Configuration.load(environment: ["DATA_DIR": data])
        try await Runtime.with(configuration, logger: testLogger) { runtime in
            try await prepare(runtime)
            _ = try await runtime.services.apps.create(name: "real", mode: .live, origin: Origin(actor: .admin, requestID: nil))
            await #expect(throws: ConfigurationError.self) { try await prepare(runtime) }
        }
    }

    @Test func serveCanRefuseToMigrate() async throws {
        let data = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let configuration = try Configuration.load(environment: ["DATA_DIR": data, "MIGRATE_ON_START": "false"])
        try await Runtime.with(configuration, logger: testLogger) { runtime in
            await #expect(throws: ConfigurationError.self) { try await prepare(runtime) }
        }
    }
}

@Suite struct JSONLogTests {
    @Test func linesAreJSONWithMetadataAtTheTop() throws {
        let line = JSONLogHandler.render(
            time: Date(timeIntervalSince1970: 1_790_000_000),
            level: .info,
            label: "payments",
            message: "request \"quoted\"\n",
            source: "PaymentsHTTP",
            metadata: ["request_id": "req_1", "status": .stringConvertible(201), "tags": ["a", "b"]]
        )
        #expect(line.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["request_id"] as? String == "req_1")
        #expect(object["status"] as? String == "201")
        #expect(object["message"] as? String == "request \"quoted\"\n")
        #expect(object["level"] as? String == "info")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(object["tags"] as? [String] == ["a", "b"])
    }
}
