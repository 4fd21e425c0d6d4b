import Foundation
import Logging
import NIOConcurrencyHelpers

/// Logs one JSON object a line to standard error: `time` (RFC 3339 UTC), `level`, `label`,
/// `message`, `source`, then every metadata field (`request_id`, `app_id`, ...) at the top level.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    private static let output = NIOLockedValueBox(FileHandle.standardError)

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let line = Self.render(
            time: Date(),
            level: event.level,
            label: label,
            message: "\(event.message)",
            source: event.source,
            metadata: fields
        )
        Self.output.withLockedValue { $0.write(Data(line.utf8)) }
    }

    static func render(
        time: Date,
        level: Logger.Level,
        label: String,
        message: String,
        source: String,
        metadata: Logger.Metadata
    ) -> String {
        var out = "{\"time\":\(quote(time.formatted(.iso8601)))"
        out += ",\"level\":\(quote(level.rawValue)),\"label\":\(quote(label)),\"message\":\(quote(message))"
        out += ",\"source\":\(quote(source))"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key })
        where !["time", "level", "label", "message", "source"].contains(key) {
            out += ",\(quote(key)):\(json(value))"
        }
        return out + "}\n"
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): quote(string)
        case .stringConvertible(let convertible): quote(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.sorted(by: { $0.key < $1.key }).map { "\(quote($0.key)):\(json($0.value))" }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
