import Hummingbird
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON responses: snake_case names set by each type, RFC 3339 UTC times, sorted keys so a
/// response is the same bytes every time.
enum APIEncoding {
    static var encoder: JSONEncoder { ResourceJSON.encoder }

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
