import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import PaymentsDomain
import PaymentsServer
import PaymentsServices

/// `payments stripe ...`: bringing an app's existing Stripe account in.
struct StripeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stripe",
        abstract: "An app's existing Stripe account.",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the app's Stripe account in (its own or the platform's): products and prices, customers, subscriptions, "
                + "payment intents with their refunds, and invoices, linked by provider id, never duplicated: a second run changes nothing.",
            discussion: "Products become plans (the key from metadata[payments_plan_key], else the product's id) and their prices the "
                + "plans' prices, linked to Stripe's; prices the catalog cannot state (tiered, metered, daily or weekly) are listed, not "
                + "guessed. A customer's external id comes from --map, else from its metadata (--metadata-key); one with neither is "
                + "listed, not guessed. Subscriptions, payments and invoices come in for the customers brought in. Everything imported "
                + "is audited (IMPORT_PLAN, IMPORT_CUSTOMER, IMPORT_SUBSCRIPTION, IMPORT_PAYMENT, IMPORT_INVOICE; actor system), marked "
                + "imported_from, and sends no events unless --emit-events. Each kind shows a progress bar on a terminal (plain lines "
                + "otherwise) and a summary table ends the run."
        )

        @Option(help: "The app (app_...).") var app: String
        @Flag(help: "Print what would be created, linked or skipped, and why; write nothing.") var dryRun = false
        @Flag(help: "Go on after where the last run stopped.") var resume = false
        @Option(help: "A CSV of external_id,stripe_customer_id lines (a header line is allowed).") var map: String?
        @Option(help: "The metadata key holding a customer's external id.") var metadataKey = ProviderMetadata.externalID
        @Flag(
            help:
                "Send the events what is brought in implies (customer.created, subscription.created, payment.succeeded, invoice.created, ...), as if each had happened here."
        ) var emitEvents = false

        func run() async throws {
            guard let appID = App.ID(parsing: app) else { throw ValidationError("--app must be an app id (app_...)") }
            var options = PaymentsServices.Import.Options()
            options.dryRun = dryRun
            options.resume = resume
            options.metadataKey = metadataKey
            options.emitEvents = emitEvents
            if let map { options.mapping = try Self.mapping(map) }
            let terminal = isatty(STDOUT_FILENO) == 1
            let shown = NIOLockedValueBox<PaymentsServices.Import.Object?>(nil)
            let report = try await withRuntime { runtime in
                let app = try await runtime.services.apps.get(appID)
                return try await runtime.services.imports.run(app: app, options) { object, read in
                    // A bar per kind on a terminal, plain lines otherwise.
                    let label = object.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                    guard terminal else { return print("\(label) \(read) read") }
                    let previous = shown.withLockedValue { shown in
                        defer { shown = object }
                        return shown
                    }
                    if previous != nil, previous != object { print("") }
                    let filled = min(30, read / 10)
                    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled)
                    FileHandle.standardOutput.write(Data("\r\(label) [\(bar)] \(read)".utf8))
                }
            }
            if terminal { print("") }
            for line in report.lines where line.outcome != .unchanged {
                let verb = report.dryRun ? "would be \(line.outcome.rawValue)" : line.outcome.rawValue
                print("  \(line.object.rawValue) \(line.providerID) → \(line.ours ?? "-"): \(verb)\(line.reason.map { " (\($0))" } ?? "")")
            }
            print(report.dryRun ? "dry run: nothing written" : "imported")
            let outcomes = PaymentsServices.Import.Outcome.allCases
            print("  object         " + outcomes.map { Self.pad($0.rawValue, 9) }.joined(separator: " "))
            for object in PaymentsServices.Import.Object.allCases {
                let label = object.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                print("  \(label) " + outcomes.map { Self.pad(String(report.count(object, $0)), 9) }.joined(separator: " "))
            }
        }

        static func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }

        /// `external_id,stripe_customer_id` lines → external ids by Stripe id.
        static func mapping(_ path: String) throws -> [String: String] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read \(path)") }
            var mapping: [String: String] = [:]
            for (index, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
                let fields = raw.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                    throw ValidationError("\(path) line \(index + 1): expected external_id,stripe_customer_id")
                }
                if index == 0, fields[0] == "external_id" { continue }
                mapping[fields[1]] = fields[0]
            }
            return mapping
        }
    }
}
