import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the Stripe client reaches Stripe: a small struct of closures with a live value over
/// AsyncHTTPClient and, in tests, a scripted or recording one.
public struct StripeTransport: Sendable {
    public struct Request: Sendable, Equatable {
        public let method: String
        /// `/v1/...`, with the query for GETs.
        public let path: String
        public let headers: [String: String]
        /// The form body of a POST.
        public let body: String?
    }

    public struct Response: Sendable {
        public let status: Int
        /// Header names lowercased.
        public let headers: [String: String]
        public let body: [UInt8]

        public init(status: Int, headers: [String: String], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// A request that got no HTTP answer.
    public enum Failure: Error, Sendable {
        /// The request certainly never reached Stripe (no connection was made).
        case notSent(String)
        /// The connection failed after the request may have been sent (read timeout, reset).
        case mayHaveBeenSent(String)
    }

    public let send: @Sendable (Request, Duration) async throws -> Response

    public init(send: @escaping @Sendable (Request, Duration) async throws -> Response) {
        self.send = send
    }

    /// Requests over AsyncHTTPClient to `baseURL` (`https://api.stripe.com`).
    public static func live(client: HTTPClient, baseURL: String) -> StripeTransport {
        StripeTransport { request, timeout in
            var outgoing = HTTPClientRequest(url: baseURL + request.path)
            outgoing.method = HTTPMethod(rawValue: request.method)
            for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
            if let body = request.body { outgoing.body = .bytes(ByteBuffer(string: body)) }
            do {
                let response = try await client.execute(
                    outgoing,
                    timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
                )
                var headers: [String: String] = [:]
                for header in response.headers { headers[header.name.lowercased()] = header.value }
                let body = try await response.body.collect(upTo: 16 << 20)
                return Response(status: Int(response.status.code), headers: headers, body: Array(buffer: body))
            } catch let error as HTTPClientError
                where [.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .httpProxyHandshakeTimeout].contains(error)
            {
                throw Failure.notSent("\(error)")
            } catch is NIOConnectionError {
                throw Failure.notSent("connection refused")
            } catch let error as IOError where error.errnoCode == ECONNREFUSED {
                throw Failure.notSent("connection refused")
            } catch let error as Failure {
                throw error
            } catch {
                throw Failure.mayHaveBeenSent("\(error)")
            }
        }
    }
}
