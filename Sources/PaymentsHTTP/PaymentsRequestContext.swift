import Hummingbird
import PaymentsDomain
import PaymentsServices
import PaymentsStore

/// Who a request is, once a middleware has authenticated it.
public enum Identity: Sendable {
    /// An app's key, with the `X-Actor-Id` the app sent, if any.
    case app(AuthenticatedKey, actorLabel: String?)
    case admin
}

/// The request context: Hummingbird's core storage, plus the request id and the identity.
public struct PaymentsRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID = ""
    public var identity: Identity?
    /// The request's body, read whole by the edge within the body limit (nil for GET and HEAD,
    /// whose bodies are not read).
    public var body: ByteBuffer?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// The app the key belongs to. The only way a handler learns which app it serves: the app
    /// never comes from the request's path, query or body.
    public func app() throws -> App {
        guard case .app(let found, _) = identity else {
            throw PaymentsError.unauthenticated("This route needs an app's API key.")
        }
        return found.app
    }

    /// The request's body: as the edge read it, else read now.
    func body(of request: Request, upTo limit: Int = .max) async throws -> ByteBuffer {
        if let body { return body }
        return try await request.body.collect(upTo: limit)
    }

    /// Who is acting, for the audit log.
    public var origin: Origin {
        switch identity {
        case .app(let found, let label): Origin(actor: .key(found.key.id, label: label), requestID: requestID)
        case .admin: Origin(actor: .admin, requestID: requestID)
        case nil: Origin(actor: .system, requestID: requestID)
        }
    }
}
