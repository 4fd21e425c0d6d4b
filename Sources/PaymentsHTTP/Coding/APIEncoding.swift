import Hummingbird
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON responses: snake_case names set by each type, RFC 3339 UTC times, sorted keys so a
/// response is the same bytes every time.
enum APIEncoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A page of a list as the API answers it.
struct ListResponse<Element: Encodable & Sendable>: Encodable {
    let object = "list"
    let data: [Element]
    let has_more: Bool

    init<Source>(_ page: Page<Source>, _ transform: (Source) -> Element) {
        data = page.data.map(transform)
        has_more = page.hasMore
    }
}

/// An optional response field that is written as `null` when empty, as Stripe's objects do,
/// instead of being left out (what a synthesized `Encodable` does with optionals).
@propertyWrapper
struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
