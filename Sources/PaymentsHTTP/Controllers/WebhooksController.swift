import HTTPTypes
import Hummingbird
import PaymentsDomain
import PaymentsServices

/// `POST /webhooks/stripe` (the platform account) and `POST /webhooks/stripe/{app_id}` (an app's
/// own account): public, verified by `Stripe-Signature`, stored raw and answered at once.
struct WebhooksController {
    let inbox: Inbox.Service
    let bodyLimit: Int

    func addRoutes(to routes: Routes) {
        routes.add(.post, "stripe", platform)
        routes.add(.post, "stripe/:app_id", ownAccount)
    }

    @Sendable func platform(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        try await receive(request, app: nil)
    }

    @Sendable func ownAccount(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        // An unknown app id fails like a bad signature: there is no secret to check it with.
        try await receive(request, app: App.ID(parsing: try context.parameters.decoded("app_id")) ?? App.ID(rawValue: "app_unknown"))
    }

    private func receive(_ request: Request, app: App.ID?) async throws -> Response {
        var body = try await request.body.collect(upTo: bodyLimit)
        let payload = body.readBytes(length: body.readableBytes) ?? []
        let receipt = try await inbox.receiveStripe(
            app: app, payload: payload, signature: request.headers[HTTPField.Name("Stripe-Signature")!])
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: receipt == .duplicate ? Self.duplicate : Self.stored))
    }

    /// The two answers, made once: this route is the one a provider's bursts hit.
    static let stored = ByteBuffer(string: #"{"received":true,"duplicate":false}"#)
    static let duplicate = ByteBuffer(string: #"{"received":true,"duplicate":true}"#)
}
