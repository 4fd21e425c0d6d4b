import ArgumentParser
import Foundation
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
            abstract: "Bring the app's Stripe customers in (the account the app uses: its own or the platform's), linked by provider id, "
                + "never duplicated: a second run changes nothing.",
            discussion: "A customer's external id comes from --map, else from its metadata (--metadata-key); one with neither is "
                + "listed, not guessed. Imported customers are audited (IMPORT_CUSTOMER, actor system) and send no events unless "
                + "--emit-events. Products and prices, subscriptions, payment intents and invoices are not imported yet."
        )

        @Option(help: "The app (app_...).") var app: String
        @Flag(help: "Print what would be created, linked or skipped, and why; write nothing.") var dryRun = false
        @Flag(help: "Go on after where the last run stopped.") var resume = false
        @Option(help: "A CSV of external_id,stripe_customer_id lines (a header line is allowed).") var map: String?
        @Option(help: "The metadata key holding a customer's external id.") var metadataKey = ProviderMetadata.externalID
        @Flag(help: "Send customer.created for each customer made.") var emitEvents = false

        func run() async throws {
            guard let appID = App.ID(parsing: app) else { throw ValidationError("--app must be an app id (app_...)") }
            var options = PaymentsServices.Import.Options()
            options.dryRun = dryRun
            options.resume = resume
            options.metadataKey = metadataKey
            options.emitEvents = emitEvents
            if let map { options.mapping = try Self.mapping(map) }
            let terminal = isatty(STDOUT_FILENO) == 1
            let report = try await withRuntime { runtime in
                let app = try await runtime.services.apps.get(appID)
                return try await runtime.services.imports.importCustomers(app: app, options) { read in
                    // A bar on a terminal, plain lines otherwise.
                    if terminal {
                        let filled = min(30, read / 10)
                        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled)
                        FileHandle.standardOutput.write(Data("\rcustomers [\(bar)] \(read)".utf8))
                    } else {
                        print("customers: \(read) read")
                    }
                }
            }
            if terminal { print("") }
            for line in report.lines where line.outcome != .unchanged {
                let verb = report.dryRun ? "would be \(line.outcome.rawValue)" : line.outcome.rawValue
                print("  \(line.providerID) → \(line.externalID ?? "-"): \(verb)\(line.reason.map { " (\($0))" } ?? "")")
            }
            print(report.dryRun ? "dry run: nothing written" : "imported")
            print("  object      created  linked  unchanged  skipped")
            print(
                "  customers   "
                    + [
                        Import.pad(report.count(.created), 7), Import.pad(report.count(.linked), 6), Import.pad(report.count(.unchanged), 9),
                        Import.pad(report.count(.skipped), 7),
                    ].joined(separator: "  ")
            )
        }

        static func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: " ", count: max(0, width - text.count)) + text
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
