import HTTPTypes
import Hummingbird
import OpenAPIKit
import PaymentsContract
import PaymentsDomain
import PaymentsServices

/// `POST /webhooks/stripe` (the platform account) and `POST /webhooks/stripe/{app_id}` (an app's
/// own account): public, verified by `Stripe-Signature`, stored raw and answered at once.
struct WebhooksController: Controller {
    let inbox: Inbox.Service
    let bodyLimit: Int

    static let access = Access.open

    static let receipt: JSONSchema = .object(properties: [
        "received": .boolean(allowedValues: [true]),
        "duplicate": .boolean(description: "The same event (provider, account, event id) was stored before: nothing more is done"),
    ])
    static let event: JSONSchema = .object(description: "A Stripe event, exactly as Stripe sent it")
    static let signature = (name: "Stripe-Signature", description: "t=<timestamp>,v1=<HMAC-SHA256 of \"<timestamp>.<body>\">, as Stripe signs")
    static let answers: [(status: Int, description: String, contentType: String, schema: JSONSchema)] = [
        (200, "Verified and stored (or a duplicate); processed afterwards by the inbox worker", "application/json", receipt)
    ]

    static let routes: [Route<Self>] = [
        .raw(
            .post,
            "/webhooks/stripe",
            id: "receiveStripeWebhook",
            summary: "Stripe events of the platform account",
            description: "Verified with STRIPE_WEBHOOK_SECRET (each secret tried, for rotation); routed to the app named in the object's metadata. "
                + "400 `webhook_signature_invalid` (nothing stored) or `webhook_payload_invalid`.",
            headers: [signature],
            requestBody: event,
            responses: answers,
            errors: [.badRequest, .tooLarge],
            handler: platform
        ),
        .raw(
            .post,
            "/webhooks/stripe/{app_id}",
            id: "receiveAppStripeWebhook",
            summary: "Stripe events of an app's own account",
            description: "Verified with the app's own webhook secrets; an unknown app fails like a bad signature.",
            parameters: [PathParameter("app_id", .string, "The app whose own Stripe account (PUT /v1/provider-accounts/stripe) sends here")],
            headers: [signature],
            requestBody: event,
            responses: answers,
            errors: [.badRequest, .tooLarge],
            handler: ownAccount
        ),
    ]

    @Sendable func platform(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        try await receive(request, context: context, app: nil)
    }

    @Sendable func ownAccount(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        // An unknown app id fails like a bad signature: there is no secret to check it with.
        try await receive(
            request,
            context: context,
            app: App.ID(parsing: try context.parameters.decoded("app_id")) ?? App.ID(rawValue: "app_unknown")
        )
    }

    private func receive(_ request: Request, context: PaymentsRequestContext, app: App.ID?) async throws -> Response {
        var body = try await context.body(of: request, upTo: bodyLimit)
        let payload = body.readBytes(length: body.readableBytes) ?? []
        let receipt = try await inbox.receiveStripe(
            app: app,
            payload: payload,
            signature: request.headers[HTTPField.Name("Stripe-Signature")!]
        )
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: receipt == .duplicate ? Self.duplicate : Self.stored)
        )
    }

    /// The two answers, made once: this route is the one a provider's bursts hit.
    static let stored = ByteBuffer(string: #"{"received":true,"duplicate":false}"#)
    static let duplicate = ByteBuffer(string: #"{"received":true,"duplicate":true}"#)
}
