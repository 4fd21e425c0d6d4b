import Hummingbird
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request body that refuses unknown fields. Its `CodingKeys` list every field it accepts.
protocol StrictDecodable: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

/// A coding key for any name: used to see every key a JSON object has.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws `parameter_unknown` for the first key of this object that `Keys` does not list.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let container = try container(keyedBy: AnyCodingKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw PaymentsError.unknown(APIDecoding.param(codingPath + [AnyCodingKey(stringValue: unknown)]))
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes an optional field that, when present, may not be `null`.
    func decodePresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) {
            let name = APIDecoding.param(codingPath + [key])
            throw PaymentsError.invalid(name, "\(name) must not be null; leave it out instead.")
        }
        return try decode(T.self, forKey: key)
    }

    /// Decodes an optional field as a patch: absent leaves it, `null` clears it.
    func decodePatch<T: Decodable & Sendable & Equatable>(_ type: T.Type, forKey key: Key) throws -> Patch<T> {
        guard contains(key) else { return .unchanged }
        if try decodeNil(forKey: key) { return .clear }
        return .set(try decode(T.self, forKey: key))
    }
}

/// Decoding request bodies into the error envelope's terms.
enum APIDecoding {
    /// Decodes a JSON body; an empty body decodes as `{}`.
    /// - Throws: `PaymentsError` naming the parameter at fault.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        if let contentType = request.headers[.contentType],
            !contentType.lowercased().hasPrefix("application/json")
        {
            throw PaymentsError(
                .invalidRequest, code: .unsupportedMediaType,
                message: "Request bodies must be JSON, sent with Content-Type: application/json.")
        }
        var buffer = try await request.body.collect(upTo: .max)
        let bytes = buffer.readableBytes == 0 ? Array("{}".utf8) : buffer.readBytes(length: buffer.readableBytes)!
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw translate(error)
        }
    }

    static func translate(_ error: DecodingError) -> PaymentsError {
        switch error {
        case .keyNotFound(let key, let context):
            return .missing(param(context.codingPath + [key]))
        case .valueNotFound(let type, let context):
            let name = param(context.codingPath)
            return .invalid(name, "\(name) must be \(describe(type)), not null.")
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else {
                return PaymentsError(.invalidRequest, code: .invalidJSON, message: "The request body must be a JSON object.")
            }
            let name = param(context.codingPath)
            return .invalid(name, "\(name) must be \(describe(type)).")
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else {
                return PaymentsError(
                    .invalidRequest, code: .invalidJSON, message: "The request body is not valid JSON.")
            }
            let name = param(context.codingPath)
            return .invalid(name, "\(name) is invalid: \(context.debugDescription)")
        @unknown default:
            return PaymentsError(.invalidRequest, code: .invalidJSON, message: "The request body could not be read.")
        }
    }

    /// A coding path in Stripe's bracket notation: `metadata[plan]`, `items[0][price]`.
    static func param(_ path: [any CodingKey]) -> String {
        guard let first = path.first else { return "" }
        return path.dropFirst().reduce(first.stringValue) { name, key in
            "\(name)[\(key.intValue.map(String.init) ?? key.stringValue)]"
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is [String: String].Type: "an object of string values"
        default:
            String(describing: type).hasPrefix("Dictionary") ? "an object" : "a \(String(describing: type))"
        }
    }
}

/// Reads query parameters, naming the one at fault, and refuses parameters the route does not take.
struct QueryReader {
    private let parameters: [String: String]
    private var used: Set<String> = []

    init(_ request: Request) {
        var parameters = [String: String]()
        // Hummingbird decodes values but not names: `created%5Bgte%5D` is `created[gte]`.
        for (key, value) in request.uri.queryParameters {
            parameters[key.removingPercentEncoding ?? String(key)] = String(value)
        }
        self.parameters = parameters
    }

    mutating func string(_ name: String) -> String? {
        used.insert(name)
        return parameters[name]
    }

    mutating func int(_ name: String) throws -> Int? {
        guard let raw = string(name) else { return nil }
        guard let value = Int(raw) else { throw PaymentsError.invalid(name, "\(name) must be an integer.") }
        return value
    }

    /// The last second of year 9999: the latest time a query may name.
    static let latestUnixSeconds: Int64 = 253_402_300_799

    /// A time as RFC 3339 or as Unix seconds, from 1970 to the end of year 9999.
    mutating func date(_ name: String) throws -> Date? {
        guard let raw = string(name) else { return nil }
        if let seconds = Int64(raw) {
            guard (0...Self.latestUnixSeconds).contains(seconds) else {
                throw PaymentsError.invalid(name, "\(name) must be Unix seconds from 0 to \(Self.latestUnixSeconds).")
            }
            return Date(timeIntervalSince1970: Double(seconds))
        }
        if let date = RFC3339.parse(raw) { return date }
        throw PaymentsError.invalid(name, "\(name) must be an RFC 3339 time or Unix seconds.")
    }

    mutating func page() throws -> PageRequest {
        try PageRequest(limit: try int("limit") ?? PageRequest.defaultLimit, startingAfter: string("starting_after"))
    }

    /// Throws for the first parameter nothing asked for.
    func finish() throws {
        if let unknown = parameters.keys.sorted().first(where: { !used.contains($0) }) {
            throw PaymentsError.unknown(unknown)
        }
    }
}

/// Decodes `Body` with its synthesized `Decodable`, refusing fields it does not list.
struct Strict<Body: StrictDecodable>: Decodable {
    let body: Body

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Body.CodingKeys.self)
        body = try Body(from: decoder)
    }
}

extension APIDecoding {
    /// Decodes a body that refuses unknown fields at its top level.
    static func decodeStrict<T: StrictDecodable>(_ type: T.Type, from request: Request) async throws -> T {
        try await decode(Strict<T>.self, from: request).body
    }

    /// The request's `Idempotency-Key` (already checked by the middleware).
    static func idempotencyKey(_ request: Request) -> String? {
        request.headers[.idempotencyKey]
    }
}
