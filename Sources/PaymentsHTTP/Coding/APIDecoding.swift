import Hummingbird
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading a request's body and query in the error envelope's terms. What a route's body and
/// query may hold is its declaration's (`Shape`, `QueryShape`); this only turns bytes into JSON.
enum APIDecoding {
    /// A JSON body as a value of any shape; an empty body reads as `{}`.
    /// - Throws: `unsupported_media_type` for another content type, `invalid_json` for text that
    ///   is not JSON.
    static func json(from request: Request, context: PaymentsRequestContext) async throws -> JSONValue {
        if let contentType = request.headers.value(.contentType), !contentType.hasASCIIPrefix(caseInsensitive: "application/json") {
            throw PaymentsError(
                .invalidRequest,
                code: .unsupportedMediaType,
                message: "Request bodies must be JSON, sent with Content-Type: application/json."
            )
        }
        let buffer = try await context.body(of: request)
        guard buffer.readableBytes > 0 else { return .object([:]) }
        do {
            return try JSONReader.value(of: buffer.readableBytesView)
        } catch {
            throw PaymentsError(.invalidRequest, code: .invalidJSON, message: "The request body is not valid JSON.")
        }
    }

    /// The request's query parameters, names and values decoded.
    static func query(of request: Request) -> [String: String] {
        var parameters = [String: String]()
        guard request.uri.query?.isEmpty == false else { return parameters }
        // Hummingbird decodes values but not names: `created%5Bgte%5D` is `created[gte]`.
        for (key, value) in request.uri.queryParameters {
            parameters[key.contains("%") ? key.removingPercentEncoding ?? String(key) : String(key)] = String(value)
        }
        return parameters
    }
}

extension String {
    /// Whether the text starts with `prefix` (lowercase ASCII), letters compared in either case:
    /// how HTTP compares a scheme or a media type, without lowercasing a copy per request.
    func hasASCIIPrefix(caseInsensitive prefix: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        var bytes = utf8.makeIterator()
        for wanted in expected {
            guard let byte = bytes.next() else { return false }
            let lowered = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard lowered == wanted else { return false }
        }
        return true
    }
}
