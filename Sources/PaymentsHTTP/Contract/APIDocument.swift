import HTTPTypes
import OpenAPIKit
import PaymentsContract
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The OpenAPI 3.1 document served at `/openapi.json`, made from the routes' declarations.
public enum APIDocument {
    /// The document as OpenAPIKit's model.
    public static func build() -> OpenAPI.Document {
        let components = SchemaComponents()
        var paths = OrderedDictionary<OpenAPI.Path, OpenAPI.PathItem>()
        for controller in apiControllers {
            for (method, path, operation) in controller.documentation(in: components) {
                let key = OpenAPI.Path(rawValue: path)
                var item = paths[key] ?? OpenAPI.PathItem()
                item.set(operation: operation, for: OpenAPI.HttpMethod(rawValue: method.rawValue)!)
                paths[key] = item
            }
        }
        let errorSchema = ErrorEnvelope.resource.codec.schema(in: components)
        var schemas = OpenAPI.ComponentDictionary<JSONSchema>()
        for (name, schema) in components.schemas { schemas[OpenAPI.ComponentKey(rawValue: name)!] = schema }
        return OpenAPI.Document(
            openAPIVersion: .v3_1_0,
            info: .init(
                title: "payment-service",
                description: description,
                version: "1.0.0"
            ),
            servers: [.init(url: URL(string: "http://127.0.0.1:8080")!)],
            paths: paths.mapValues { .b($0) },
            components: .init(
                schemas: schemas,
                responses: ErrorDocumentation.responses(errorSchema),
                parameters: [
                    "Idempotency-Key": .b(
                        OpenAPI.Parameter(
                            name: "Idempotency-Key",
                            context: .header(schema: Rule<String>.text(idempotencyKeyRule).schema(in: components)),
                            description: "The same key and request replay the first response with `Idempotent-Replayed: true`; keys are kept 24 h."
                        )
                    ),
                    "X-Actor-Id": .b(
                        OpenAPI.Parameter(
                            name: "X-Actor-Id",
                            context: .header(schema: Rule<String>.text(actorIDRule).schema(in: components)),
                            description: "The app's own actor (a user id), recorded in the audit log beside the key id."
                        )
                    ),
                ],
                securitySchemes: [
                    "appKey": .b(.http(scheme: "bearer", description: "An app's API key: sk_test_... or sk_live_...")),
                    "adminToken": .b(.http(scheme: "bearer", description: "ADMIN_TOKEN")),
                ]
            ),
            security: [[.component(named: "appKey"): []]]
        )
    }

    /// The document as served: JSON, keys sorted, made once.
    public static let json: [UInt8] = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // The document is made from declarations in this program: failing to encode it is a
        // programming error that every test run would show.
        guard let data = try? encoder.encode(build()) else { fatalError("the OpenAPI document does not encode") }
        return Array(data)
    }()

    static let description =
        "Billing for several SaaS apps. Every app route takes `Authorization: Bearer sk_test_...|sk_live_...`; the app is taken from the key, "
        + "never from the request, and another app's ids answer 404 like ids that do not exist. Every POST, PUT, PATCH and DELETE accepts "
        + "`Idempotency-Key`. Errors answer `{\"error\":{\"type\",\"code\",\"message\",\"param\"}}`; `code` is one of the `Error` schema's. "
        + "Every response carries `Request-Id`. Times are RFC 3339 UTC, with milliseconds when they are not zero; ids are prefixed by kind."

    /// Request headers' limits, shared with the middleware that checks them.
    static let idempotencyKeyRule = TextRule(length: 1...255)
    static let actorIDRule = TextRule(length: 1...255)
}

extension Controller {
    /// Each route's method, path and operation, as the document shows them.
    static func documentation(in components: SchemaComponents) -> [(HTTPRequest.Method, String, OpenAPI.Operation)] {
        routes.map { ($0.method, $0.path, $0.describe(components, access)) }
    }
}

/// One operation's document: its own parts, and what its access adds.
struct OperationDocumentation {
    let method: HTTPRequest.Method
    let operationID: String
    let summary: String
    let description: String?
    let access: Access
    let parameters: [PathParameter]
    /// Query (and header) parameters.
    let query: [OpenAPI.Parameter]
    let body: JSONSchema?
    let success: [(status: Int, description: String, contentType: String, schema: JSONSchema)]
    let errors: [ErrorResponse]

    var isWrite: Bool { [.post, .put, .patch, .delete].contains(method) }

    var operation: OpenAPI.Operation {
        var list: OpenAPI.Parameter.Array = parameters.map {
            .b(OpenAPI.Parameter(name: $0.name, context: .path(schema: $0.schema), description: $0.description))
        }
        list += query.map { .b($0) }
        if isWrite && access != .open {
            list.append(.a(.component(named: "Idempotency-Key")))
            if access == .app { list.append(.a(.component(named: "X-Actor-Id"))) }
        }
        var responses = OpenAPI.Response.Map()
        for answer in success {
            responses[status(answer.status)] = .b(
                OpenAPI.Response(
                    description: answer.description,
                    content: [OpenAPI.ContentType(rawValue: answer.contentType)!: .b(.init(schema: answer.schema))]
                )
            )
        }
        for name in ErrorDocumentation.responses(for: access, write: isWrite, route: errors) {
            responses[status(ErrorDocumentation.status[name]!)] = .a(.component(named: name))
        }
        return OpenAPI.Operation(
            summary: summary,
            description: description,
            operationId: operationID,
            parameters: list,
            requestBody: body.map { OpenAPI.Request(content: [.json: .b(.init(schema: $0))], required: true) },
            responses: responses,
            security: access == .admin ? [[.component(named: "adminToken"): []]] : access == .open ? [] : nil
        )
    }

    func status(_ code: Int) -> OpenAPI.Response.StatusCode { OpenAPI.Response.StatusCode(rawValue: String(code))! }
}

/// The error envelope and the error answers, as the document lists them.
enum ErrorDocumentation {
    /// Each error answer's status, by the name the document gives it.
    static let status: [String: Int] = [
        "BadRequest": 400, "Unauthorized": 401, "AdminUnauthorized": 401, "AdminOnly": 403, "PaymentRequired": 402,
        "NotFound": 404, "Conflict": 409, "TooLarge": 413, "Unavailable": 503,
    ]

    static func responses(_ error: JSONSchema) -> OpenAPI.ComponentReferenceDictionary<OpenAPI.Response> {
        func response(_ description: String, headers: OpenAPI.Header.Map? = nil) -> Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response> {
            .b(OpenAPI.Response(description: description, headers: headers, content: [.json: .b(.init(schema: error))]))
        }
        return [
            "BadRequest": response(
                "Bad input; `param` names the parameter. Also `provider_not_configured` (a live app without a provider) and "
                    + "`provider_authentication_failed` (the provider refuses the key configured for the app)."
            ),
            "Unauthorized": response(
                "Missing, malformed, unknown, expired or revoked key (`api_key_missing`, `api_key_invalid`, `api_key_expired`, `api_key_revoked`)."
            ),
            "AdminUnauthorized": response("Missing or wrong admin token."),
            "AdminOnly": response("An app key was sent to an admin route (`admin_token_required`)."),
            "PaymentRequired": response("The card was declined (`card_declined`, with `decline_code`); the failed payment is recorded."),
            "NotFound": response("No such object for this app (another app's ids answer this too)."),
            "Conflict": response(
                "`idempotency_key_reused` (same key, another request), `idempotency_key_in_use` (the first request is still running), "
                    + "or the object's state forbids the change."
            ),
            "TooLarge": response("Body over the limit (default 1 MiB)."),
            "Unavailable": response(
                "The provider is down or did not answer (`provider_unavailable`, with `Retry-After` while its breaker is open), or it is "
                    + "not known whether it acted (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
                headers: [
                    "Retry-After": .b(
                        OpenAPI.Header(
                            schema: .integer(minimum: (1, exclusive: false)),
                            description: "Seconds until the provider is tried again"
                        )
                    )
                ]
            ),
        ]
    }

    /// The error answers an operation documents.
    static func responses(for access: Access, write: Bool, route: [ErrorResponse]) -> [String] {
        var names: [String] = []
        switch access {
        case .app: names += ["BadRequest", "Unauthorized"]
        case .admin: names += ["BadRequest", "AdminUnauthorized", "AdminOnly"]
        case .open: break
        }
        if write && access != .open { names += ["Conflict", "TooLarge"] }
        for error in route {
            let name =
                switch error {
                case .badRequest: "BadRequest"
                case .notFound: "NotFound"
                case .paymentRequired: "PaymentRequired"
                case .conflict: "Conflict"
                case .tooLarge: "TooLarge"
                case .unavailable: "Unavailable"
                }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }
}
