import AsyncHTTPClient
import Foundation
import NIOCore
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsServer
@testable import PaymentsStripe

/// An existing Stripe account brought in: localstripe (the test makes a small account there
/// first) behind an app's own Stripe account.
@Suite(.serialized) struct StripeImportTests {
    /// Makes a customer at localstripe directly (as the app's old billing code did).
    static func stripeCustomer(_ base: String, name: String, metadata: [String: String]) async throws -> String {
        var form = FormBody()
        form.add("name", name)
        form.add("metadata", metadata)
        var request = HTTPClientRequest(url: "\(base)/v1/customers")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer sk_test_own")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: form.encoded))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        return try #require(object["id"] as? String, "\(object)")
    }

    @Test(arguments: TestDatabase.engines) func customersComeInOnceLinkedByProviderIDAndUnnamedOnesAreListed(engine: SQLEngine) async throws {
        let base = try #require(ProcessInfo.processInfo.environment["LOCALSTRIPE_URL"], "LOCALSTRIPE_URL: run with scripts/test.sh")
        let run = UUID().uuidString.prefix(8).lowercased()
        try await TestAPI.run(
            engine,
            configure: { dependencies in
                dependencies.providers = Providers.Directory(
                    store: dependencies.store,
                    secrets: dependencies.secrets,
                    platformStripe: nil,
                    makeStripe: { credentials, account in
                        StripeProvider(
                            secretKey: credentials.secretKey,
                            account: account,
                            transport: .live(client: HTTPClient.shared, baseURL: base),
                            logger: testLogger
                        )
                    },
                    makeSandbox: { _, _ in fatalError("the app has its own Stripe account") }
                )
            }
        ) { api in
            let (appID, key) = try await api.createApp()
            let account = try await api.request(
                .put,
                "/v1/provider-accounts/stripe",
                key: key,
                json: #"{"secret_key":"sk_test_own","webhook_secrets":["whsec_import_test"]}"#
            )
            #expect(account.status == .created, "\(account.text)")
            let app = try await api.services.apps.get(App.ID(rawValue: appID))
            // The old account: one customer named by metadata, one known to the app already, one only in the mapping, one unnamed.
            let named = try await Self.stripeCustomer(base, name: "Named", metadata: ["payments_external_id": "org_named_\(run)"])
            _ = try await api.request(.put, "/v1/customers/org_known_\(run)", key: key, json: #"{"name":"Known"}"#)
            let known = try await Self.stripeCustomer(base, name: "Known", metadata: ["crm_id": "org_known_\(run)"])
            let mapped = try await Self.stripeCustomer(base, name: "Mapped", metadata: [:])
            let unnamed = try await Self.stripeCustomer(base, name: "Unnamed", metadata: ["other": "x"])
            var options = Import.Options()
            options.mapping = [mapped: "org_mapped_\(run)"]
            options.pageSize = 2  // several pages

            // A dry run says what it would do and writes nothing.
            options.dryRun = true
            let dry = try await api.services.imports.importCustomers(app: app, options)
            let ours = { (report: Import.Report) in report.lines.filter { [named, known, mapped, unnamed].contains($0.providerID) } }
            #expect(ours(dry).map(\.outcome) == [.created, .skipped, .created, .skipped], "\(ours(dry))")
            #expect(try await api.request(.get, "/v1/customers/org_named_\(run)", key: key).status == .notFound)

            // With the CRM's key, the known customer is linked, not duplicated.
            options.dryRun = false
            options.metadataKey = "crm_id"
            let byCRM = try await api.services.imports.importCustomers(app: app, options)
            #expect(ours(byCRM).map(\.outcome) == [.skipped, .linked, .created, .skipped], "\(ours(byCRM))")
            options.metadataKey = "payments_external_id"
            let first = try await api.services.imports.importCustomers(app: app, options)
            #expect(ours(first).map(\.outcome) == [.created, .unchanged, .unchanged, .skipped], "\(ours(first))")
            #expect(ours(first).last?.reason?.contains("no external id") == true)
            let made = try await api.request(.get, "/v1/customers/org_named_\(run)", key: key)
            #expect(made.status == .ok && made.string("name") == "Named")
            #expect((made.json["metadata"] as? [String: String])?["imported_from"] == "stripe:\(named)", "marked with its origin")
            #expect(try await api.request(.get, "/v1/customers/org_mapped_\(run)", key: key).status == .ok)

            // A second run changes nothing; no events were sent for what was brought in.
            let again = try await api.services.imports.importCustomers(app: app, options)
            #expect(ours(again).map(\.outcome) == [.unchanged, .unchanged, .unchanged, .skipped], "\(ours(again))")
            let created = try await api.request(.get, "/v1/events?type=customer.created", key: key).data
            #expect(created.count == 1, "only the customer the app made itself")
            let audit = try await api.request(.get, "/v1/audit-logs?action_type=IMPORT_CUSTOMER", key: key).data
            #expect(audit.allSatisfy { $0["actor_id"] as? String == "system" } && audit.count >= 3)

            // Resumed, it goes on after the last page read: none of these is read again (other
            // tests may be adding customers to localstripe meanwhile).
            options.resume = true
            let resumed = try await api.services.imports.importCustomers(app: app, options)
            #expect(ours(resumed).isEmpty, "\(ours(resumed))")
        }
    }
}
