// swift-tools-version:6.1
import PackageDescription

// Layers, bottom to top. A target may only depend on the ones above it in this list.
//   PaymentsDomain   pure Swift: ids, money, apps, keys, customers, audit, errors. No server, driver or provider.
//   PaymentsContract the API's vocabulary: rules for request fields, shapes of request bodies and of the
//                    resources the API answers with (and events carry), how they are read, written and
//                    documented (OpenAPIKit). Declared once; decoder, encoder and /openapi.json use them.
//   PaymentsStore    one SQL store over SQLite (its C API, no thread hop) and PostgreSQL (SQLKit), migrations,
//                    transactions, the audit chain's sealer.
//   PaymentsSandbox  the built-in offline provider (its own state in the same database).
//   PaymentsStripe   the Stripe adapter over AsyncHTTPClient. Wire types never leave it.
//   PaymentsServices one service per use case (Apps.Service, Payments.Service, ...). Providers are
//                    reached through the capability protocols in PaymentsDomain only.
//   PaymentsHTTP     Hummingbird routes and middleware: auth, idempotency, errors, metrics.
//   PaymentsDashboard the operator's web UI under /dashboard: server-rendered (swift-mustache), through the services.
//   PaymentsWorkers  background services: housekeeping, reconciliation of provider operations.
//   PaymentsServer   the wiring: configuration, buildApplication.
//   payments         the thin executable (swift-argument-parser).
let package = Package(
    name: "payment-service",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "payments", targets: ["PaymentsCLI"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // The OpenAPI document model. Its default trait (loading external references) is not
        // needed to write a document, and makes it notably slower to build.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", from: "6.4.0", traits: []),
        // The dashboard's server-rendered pages.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // The system's SQLite (Debian's libsqlite3-dev), driven through its C API by PaymentsStore.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "PaymentsDomain",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PaymentsContract",
            dependencies: [
                "PaymentsDomain",
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
            ]
        ),
        .target(
            name: "PaymentsStore",
            dependencies: [
                "PaymentsDomain",
                "CSQLite",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PaymentsSandbox",
            dependencies: [
                "PaymentsDomain",
                "PaymentsStore",
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        .target(
            name: "PaymentsStripe",
            dependencies: [
                "PaymentsDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PaymentsServices",
            dependencies: [
                "PaymentsDomain",
                "PaymentsContract",
                "PaymentsStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PaymentsHTTP",
            dependencies: [
                "PaymentsDomain",
                "PaymentsContract",
                "PaymentsStore",
                "PaymentsServices",
                "PaymentsSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "PaymentsDashboard",
            dependencies: [
                "PaymentsDomain",
                "PaymentsStore",
                "PaymentsServices",
                "PaymentsHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "PaymentsWorkers",
            dependencies: [
                "PaymentsDomain",
                "PaymentsStore",
                "PaymentsServices",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PaymentsServer",
            dependencies: [
                "PaymentsDomain",
                "PaymentsStore",
                "PaymentsServices",
                "PaymentsSandbox",
                "PaymentsStripe",
                "PaymentsHTTP",
                "PaymentsDashboard",
                "PaymentsWorkers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "PaymentsCLI",
            dependencies: [
                "PaymentsServer",
                "PaymentsServices",
                "PaymentsStore",
                "PaymentsDomain",
                "PaymentsHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PaymentsTests",
            dependencies: [
                "PaymentsDomain",
                "PaymentsContract",
                "PaymentsStore",
                "PaymentsServices",
                "PaymentsSandbox",
                "PaymentsStripe",
                "PaymentsHTTP",
                "PaymentsDashboard",
                "PaymentsWorkers",
                "PaymentsServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // Read by path (#filePath), not bundled.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
