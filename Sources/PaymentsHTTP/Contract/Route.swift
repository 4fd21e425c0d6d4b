import HTTPTypes
import Hummingbird
import OpenAPIKit
import PaymentsContract
import PaymentsDomain
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who may call a controller's routes, which decides where they are mounted, what the document
/// says of their security, and the errors every one of them may answer.
public enum Access: Sendable {
    /// `/v1`, with an app's API key.
    case app
    /// `/admin/v1`, with the admin token.
    case admin
    /// No key (health, metrics, the provider webhooks).
    case open

    var prefix: String {
        switch self {
        case .app: "/v1"
        case .admin: "/admin/v1"
        case .open: ""
        }
    }
}

/// A group of routes served by one value holding the services they use. Its routes are declared
/// once, in `routes`: the route table serves them and the OpenAPI document describes them.
public protocol Controller: Sendable {
    static var access: Access { get }
    static var routes: [Route<Self>] { get }
}

/// A path parameter: its name in the path (`/v1/plans/{key}`) and what it holds.
public struct PathParameter: Sendable {
    let name: String
    let schema: JSONSchema
    let description: String

    public init(_ name: String, _ schema: JSONSchema, _ description: String) {
        self.name = name
        self.schema = schema
        self.description = description
    }

    /// A parameter holding a text that follows `rule`.
    public init(_ name: String, _ rule: TextRule, _ description: String) {
        self.init(name, Rule<String>.text(rule).schema(in: SchemaComponents()), description)
    }

    /// A parameter holding an id of `Kind` (anything else answers 404).
    public static func id<Kind: Identified>(_ kind: Kind.Type, name: String = "id", description: String? = nil) -> PathParameter {
        PathParameter(name, .string(minLength: 1), description ?? "The \(Kind.resourceType.rawValue)'s id (\(Kind.idPrefix)_...)")
    }
}

/// What a route answers when it succeeds: the status (or statuses) and how the answer is written.
public struct Success<Output>: Sendable {
    let documented: [(status: Int, description: String)]
    let status: @Sendable (Output) -> HTTPResponse.Status
    let codec: Codec<Output>
    let contentType: String

    public static func ok(_ codec: Codec<Output>, _ description: String) -> Success {
        Success(documented: [(200, description)], status: { _ in .ok }, codec: codec, contentType: "application/json")
    }

    public static func created(_ codec: Codec<Output>, _ description: String) -> Success {
        Success(documented: [(201, description)], status: { _ in .created }, codec: codec, contentType: "application/json")
    }

    /// 200, or another documented status the output decides (a health check's 503).
    public static func ok(
        _ codec: Codec<Output>,
        _ description: String,
        or other: (status: Int, description: String),
        when failing: @escaping @Sendable (Output) -> Bool
    ) -> Success {
        Success(
            documented: [(200, description), other],
            status: { failing($0) ? .init(code: other.status) : .ok },
            codec: codec,
            contentType: "application/json"
        )
    }

    /// Text, not JSON (Prometheus metrics).
    public static func text(_ contentType: String, _ description: String) -> Success<String> {
        Success<String>(
            documented: [(200, description)],
            status: { _ in .ok },
            codec: Codec(.string) { text, writer in writer.raw(text) },
            contentType: contentType
        )
    }
}

/// An object made or updated by a `PUT`: 201 when made, 200 when it existed.
public struct Upserted<Value: Sendable>: Sendable {
    public let value: Value
    public let created: Bool

    public init(_ value: Value, created: Bool) {
        self.value = value
        self.created = created
    }
}

extension Success {
    public static func upserted<Value>(_ codec: Codec<Value>, created: String, updated: String) -> Success<Upserted<Value>> {
        let write = codec.write
        return Success<Upserted<Value>>(
            documented: [(201, created), (200, updated)],
            status: { $0.created ? .created : .ok },
            codec: Codec(describe: codec.describe) { upserted, writer in write(upserted.value, &writer) },
            contentType: "application/json"
        )
    }
}

/// The errors a route may answer beyond those of every route of its access (400, 401, and for
/// writes 409 and 413).
public enum ErrorResponse: Sendable {
    case badRequest
    case notFound
    case paymentRequired
    case conflict
    case tooLarge
    case unavailable
}

/// One request as a handler sees it: the body and query already read and checked against the
/// route's declaration, the path's parameters, and who is asking.
public struct Call<Body: Sendable, Query: Sendable>: Sendable {
    public let body: Body
    public let query: Query
    public let request: Request
    public let context: PaymentsRequestContext

    /// A path parameter, percent-decoded.
    public func path(_ name: String) throws -> String { try context.parameters.decoded(name) }

    /// The app the key belongs to: the only way a handler learns which app it serves.
    public func app() throws -> App { try context.app() }

    /// Who is acting, for the audit log.
    public var origin: Origin { context.origin }

    /// The request's `Idempotency-Key` (already checked by the middleware).
    public var idempotencyKey: String? { request.headers.value(.idempotencyKey) }
}

/// What serves one route's requests.
typealias RouteResponder = @Sendable (Request, PaymentsRequestContext) async throws -> Response

/// One route, declared once: method, path, what it takes and answers, and its handler. The
/// route table serves it; the OpenAPI document is made from the same declaration.
public struct Route<Owner: Controller>: Sendable {
    public let method: HTTPRequest.Method
    /// In OpenAPI form: `/v1/plans/{key}`.
    public let path: String
    public let operationID: String
    let describe: @Sendable (SchemaComponents, Access) -> OpenAPI.Operation
    /// The route served by one controller: bound once, when mounted, so that a request does
    /// not copy the controller and its services into a new closure.
    let bind: @Sendable (Owner) -> RouteResponder

    /// - Parameters:
    ///   - handler: the controller's method that serves it (`PlansController.create`); its
    ///     `Call<Body, Query>` says what body and query the route takes (`NoBody`, `NoQuery`: none).
    public init<Body: APIInput, Query: APIQuery, Output>(
        _ method: HTTPRequest.Method,
        _ path: String,
        id operationID: String,
        summary: String,
        description: String? = nil,
        parameters: [PathParameter] = [],
        success: Success<Output>,
        errors: [ErrorResponse] = [],
        handler: @escaping @Sendable (Owner) -> @Sendable (Call<Body, Query>) async throws -> Output
    ) {
        self.method = method
        self.path = path
        self.operationID = operationID
        let takesBody = Body.self != NoBody.self
        describe = { components, access in
            OperationDocumentation(
                method: method,
                operationID: operationID,
                summary: summary,
                description: description,
                access: access,
                parameters: parameters,
                query: Query.query.parameters(in: components),
                body: takesBody ? Body.shape.schema(in: components) : nil,
                success: success.documented.map { ($0.status, $0.description, success.contentType, success.codec.schema(in: components)) },
                errors: errors
            ).operation
        }
        bind = { owner in
            let serve = handler(owner)
            let headers: HTTPFields = [.contentType: success.contentType]
            return { request, context in
                let query = try Query.query.read(APIDecoding.query(of: request))
                let body: Body
                if takesBody || request.method.sendsBody {
                    body = try Body.shape.read(try await APIDecoding.json(from: request, context: context))
                } else {
                    body = Body()
                }
                let output = try await serve(Call(body: body, query: query, request: request, context: context))
                return Response(
                    status: success.status(output),
                    headers: headers,
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: success.codec.json(output)))
                )
            }
        }
    }

    /// A route that reads the request and writes the response itself (a provider's webhook, the
    /// document), documented by hand.
    public static func raw(
        _ method: HTTPRequest.Method,
        _ path: String,
        id operationID: String,
        summary: String,
        description: String? = nil,
        parameters: [PathParameter] = [],
        headers: [(name: String, description: String)] = [],
        requestBody: JSONSchema? = nil,
        responses: [(status: Int, description: String, contentType: String, schema: JSONSchema)],
        errors: [ErrorResponse] = [],
        handler: @escaping @Sendable (Owner) -> @Sendable (Request, PaymentsRequestContext) async throws -> Response
    ) -> Route {
        Route(
            method: method,
            path: path,
            operationID: operationID,
            describe: { _, access in
                OperationDocumentation(
                    method: method,
                    operationID: operationID,
                    summary: summary,
                    description: description,
                    access: access,
                    parameters: parameters,
                    query: headers.map { OpenAPI.Parameter(name: $0.name, context: .header(schema: .string), description: $0.description) },
                    body: requestBody,
                    success: responses,
                    errors: errors
                ).operation
            },
            bind: { owner in handler(owner) }
        )
    }

    private init(
        method: HTTPRequest.Method,
        path: String,
        operationID: String,
        describe: @escaping @Sendable (SchemaComponents, Access) -> OpenAPI.Operation,
        bind: @escaping @Sendable (Owner) -> RouteResponder
    ) {
        self.method = method
        self.path = path
        self.operationID = operationID
        self.describe = describe
        self.bind = bind
    }
}

extension HTTPRequest.Method {
    /// POST, PUT, PATCH or DELETE: what `Idempotency-Key` applies to.
    var changes: Bool {
        switch self {
        case .post, .put, .patch, .delete: true
        default: false
        }
    }

    /// POST, PUT or PATCH: a body is read (and must be JSON) even on a route that takes none.
    var sendsBody: Bool {
        switch self {
        case .post, .put, .patch: true
        default: false
        }
    }
}
