import Crypto
import Hummingbird
import PaymentsDomain
import PaymentsServices

extension Request {
    /// The token of `Authorization: Bearer <token>`.
    func bearerToken() throws -> String {
        guard let header = headers.value(.authorization) else {
            throw PaymentsError(
                .authentication,
                code: .apiKeyMissing,
                message: "No API key provided. Send it as 'Authorization: Bearer sk_...'."
            )
        }
        // The scheme is case-insensitive (RFC 9110 §11.1).
        guard header.utf8.count > 7, header.hasASCIIPrefix(caseInsensitive: "bearer ") else {
            throw PaymentsError.unauthenticated("The Authorization header must be 'Bearer <API key>'.")
        }
        return String(decoding: header.utf8.dropFirst(7), as: UTF8.self)
    }
}

/// Authenticates app routes by API key. The app is taken from the key and nothing else.
struct AppAuthMiddleware: RouterMiddleware {
    typealias Context = PaymentsRequestContext
    let apps: Apps.Service

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        let found = try await apps.authenticate(bearer: try request.bearerToken())
        // A publishable key is public by design: it reads the public routes and nothing else.
        if found.key.kind == .publishable, !(request.method == .get && request.uri.path.hasPrefix(PublicController.prefix)) {
            throw PaymentsError(
                .permission,
                code: .publishableKeyNotAllowed,
                message: "A publishable key (pk_...) can only read \(PublicController.prefix)...; use the app's secret key (sk_...)."
            )
        }
        var label: String?
        if let actor = request.headers.value(.actorID) {
            guard !actor.isEmpty, actor.utf8.count <= 255 else {
                throw PaymentsError.invalid("X-Actor-Id", "X-Actor-Id must be 1 to 255 characters.")
            }
            label = actor
        }
        var context = context
        context.identity = .app(found, actorLabel: label)
        return try await next(request, context)
    }
}

/// Authenticates admin routes by the admin token.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = PaymentsRequestContext
    let adminTokenDigest: [UInt8]

    init(adminToken: Secret<String>) {
        self.adminTokenDigest = Array(SHA256.hash(data: Array(adminToken.value.utf8)))
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        let token = try request.bearerToken()
        // Equal-length digests, compared without an early exit: the time says nothing of the token.
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        guard zip(digest, adminTokenDigest).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            if KeyMaterial.mode(of: token) != nil {
                throw PaymentsError(
                    .permission,
                    code: .adminTokenRequired,
                    message: "Admin routes need the admin token; an app's API key cannot use them."
                )
            }
            throw PaymentsError(.authentication, code: .adminTokenInvalid, message: "Invalid admin token.")
        }
        var context = context
        context.identity = .admin
        return try await next(request, context)
    }
}
