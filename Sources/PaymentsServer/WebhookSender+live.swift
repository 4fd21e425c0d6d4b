import AsyncHTTPClient
import NIOCore
import PaymentsServices

extension HTTPClient.Configuration {
    /// For event deliveries: no redirects followed (a delivery goes where the app registered it),
    /// 5 s to connect, 10 s for the answer, up to 64 connections per host.
    static var webhooks: Self {
        HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64),
            decompression: .disabled
        )
    }
}

extension WebhookSender {
    /// POSTs over AsyncHTTPClient; the answer's body is read (so the connection can be reused)
    /// up to 64 KiB and dropped.
    static func live(client: HTTPClient, timeout: TimeAmount = .seconds(15)) -> WebhookSender {
        WebhookSender { url, headers, body in
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: timeout)
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if read > 64 << 10 { break }
            }
            return Response(status: Int(response.status.code))
        }
    }
}
