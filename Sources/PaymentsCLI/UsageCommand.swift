import ArgumentParser
import Foundation
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Usage events: import them from another system, rebuild the rollups.",
        subcommands: [Import.self, Recompute.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import usage events from an NDJSON or CSV file into an app; safe to run again (event ids dedupe).",
            discussion: """
                NDJSON: one event per line, as POST /v1/usage-events takes it. CSV: a header naming the columns \
                id, customer, metric and optionally value, timestamp (RFC 3339 or Unix seconds) and properties.NAME \
                (numbers are read as numbers). Events are recorded 1,000 at a time, each accepted or refused on \
                its own; refused lines are listed at the end with their line number and reason. Exits 1 when any \
                line was refused.
                """
        )
        @Option(help: "The app whose events these are (app_...).") var app: String
        @Option(help: "ndjson or csv (default: from the file's extension).") var format: String?
        @Argument(help: "The file to import.") var file: String

        func run() async throws {
            guard let appID = App.ID(parsing: app) else { throw ValidationError("not an app id: \(app)") }
            let kind = format ?? (file.lowercased().hasSuffix(".csv") ? "csv" : "ndjson")
            guard ["csv", "ndjson"].contains(kind) else { throw ValidationError("--format must be csv or ndjson") }
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            let refusedLines = try await withRuntime { runtime -> Int in
                _ = try await runtime.services.apps.get(appID)
                var parsed: [(line: Int, input: UsageEvent.Input)] = []
                var refused: [(line: Int, reason: String)] = []
                var header: [String]?
                for (index, text) in lines.enumerated() where !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    let line = index + 1
                    do {
                        let json: JSONValue
                        if kind == "csv" {
                            guard let columns = header else {
                                header = CSV.fields(of: Substring(text))
                                continue
                            }
                            json = try CSV.event(columns, CSV.fields(of: Substring(text)))
                        } else {
                            json = try JSONReader.value(of: String(text))
                        }
                        parsed.append((line, try readUsageEvent(json)))
                    } catch let error as PaymentsError {
                        refused.append((line, Self.reason(error, batchIndex: nil)))
                    } catch {
                        refused.append((line, "not an event: \(error)"))
                    }
                }
                let progress = Progress(total: parsed.count)
                var created = 0
                var duplicates = 0
                let origin = Origin(actor: .admin, requestID: nil)
                for start in stride(from: 0, to: parsed.count, by: UsageEvent.batchLimit) {
                    let chunk = Array(parsed[start..<min(start + UsageEvent.batchLimit, parsed.count)])
                    let outcomes = try await runtime.services.usage.record(app: appID, chunk.map(\.input), batch: true, origin: origin)
                    for (offset, outcome) in outcomes.enumerated() {
                        switch outcome {
                        case .created: created += 1
                        case .duplicate: duplicates += 1
                        case .refused(let error): refused.append((chunk[offset].line, Self.reason(error, batchIndex: offset)))
                        }
                    }
                    progress.advance(to: start + chunk.count)
                }
                progress.finish()
                print("created: \(created)  duplicates (already there): \(duplicates)  refused: \(refused.count)")
                for (line, reason) in refused.sorted(by: { $0.line < $1.line }).prefix(100) {
                    print("  line \(line): \(reason)")
                }
                if refused.count > 100 { print("  ... and \(refused.count - 100) more") }
                return refused.count
            }
            if refusedLines > 0 { throw ExitCode(1) }
        }

        /// Why a line was refused: the code, the message and the field (`events[3][value]`
        /// of a batch is the line's `value`).
        static func reason(_ error: PaymentsError, batchIndex: Int?) -> String {
            var param = error.param ?? ""
            if let batchIndex, param.hasPrefix("events[\(batchIndex)][") {
                let rest = param.dropFirst("events[\(batchIndex)][".count)
                let name = rest.prefix { $0 != "]" }
                param = String(name + rest.dropFirst(name.count + 1))
            }
            return "\(error.code.rawValue): \(error.message)" + (param.isEmpty ? "" : " (\(param))")
        }

    }

    struct Recompute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the usage rollups from the raw events (every app's, or one app's)."
        )
        @Option(help: "Only this app (app_...).") var app: String?

        func run() async throws {
            try await withRuntime { runtime in
                for id in try await oneOrAllApps(app, runtime.services.apps) {
                    let rollups = try await runtime.services.usage.recompute(app: id, origin: Origin(actor: .admin, requestID: nil))
                    print("\(id): \(rollups) rollups rebuilt")
                }
            }
        }
    }
}

/// A progress bar on a terminal; nothing when the output is not one (the summary says it all).
final class Progress {
    let total: Int
    let terminal = isatty(STDOUT_FILENO) == 1
    private var shown = -1

    init(total: Int) { self.total = total }

    func advance(to done: Int) {
        guard terminal, total > 0 else { return }
        let percent = done * 100 / total
        guard percent != shown else { return }
        shown = percent
        let width = 40
        let filled = done * width / total
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardOutput.write(Data("\r[\(bar)] \(done)/\(total) events".utf8))
    }

    func finish() {
        if terminal, shown >= 0 { print("") }
    }
}

/// Comma-separated values (RFC 4180 within a line: quoted fields, `""` for a quote).
enum CSV {
    static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if quoted {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        field.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
            index = line.index(after: index)
        }
        fields.append(field)
        return fields
    }

    /// An event's JSON from a row under `header`; empty cells are left out.
    static func event(_ header: [String], _ cells: [String]) throws -> JSONValue {
        guard cells.count == header.count else {
            throw PaymentsError.invalid("line", "\(cells.count) cells under a header of \(header.count) columns.")
        }
        var event: [String: JSONValue] = [:]
        var properties: [String: JSONValue] = [:]
        for (name, cell) in zip(header, cells) where !cell.isEmpty {
            let number = Int64(cell).map(JSONValue.integer) ?? Double(cell).map(JSONValue.number)
            switch name {
            case "value": event[name] = number ?? .string(cell)
            case "timestamp": event[name] = Int64(cell).map(JSONValue.integer) ?? .string(cell)
            case let property where property.hasPrefix("properties."):
                properties[String(property.dropFirst("properties.".count))] = number ?? .string(cell)
            default: event[name] = .string(cell)
            }
        }
        if !properties.isEmpty { event["properties"] = .object(properties) }
        return .object(event)
    }
}
