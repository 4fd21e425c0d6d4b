import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import PaymentsDomain
import PaymentsHTTP
import PaymentsServices
import PaymentsStore
import Prometheus

/// The operator's web UI under `/dashboard`: signed in with the admin token, server-rendered from
/// templates, reading and acting through the same services as the API (so every action is audited,
/// with actor `admin`). Works without JavaScript; every state-changing form carries a CSRF token;
/// pages forbid framing and load nothing but the service's own assets (`/assets`).
public struct Dashboard: Sendable {
    let services: Services
    let sessions: DashboardSessions
    /// How long a wrong admin token waits before its answer (slows guessing).
    let signInDelay: Duration
    let signInFailures: Counter

    public init(services: Services, adminToken: Secret<String>, registry: PrometheusCollectorRegistry, signInDelay: Duration = .seconds(1)) {
        self.services = services
        self.sessions = DashboardSessions(adminToken: adminToken)
        self.signInDelay = signInDelay
        self.signInFailures = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "dashboard_sign_in_failures",
                unitName: "total",
                helpText: "Dashboard sign-ins refused for a wrong admin token."
            )
        )
    }

    typealias Context = PaymentsRequestContext
    typealias Session = DashboardSessions.Session

    public func addRoutes(to router: Router<PaymentsRequestContext>) {
        let group = router.group("dashboard")
        group.get("sign-in", use: signInPage)
        group.post("sign-in", use: signIn)
        group.post("sign-out", use: signedIn(signOut))
        group.get("", use: signedIn(overview))
        group.get("apps", use: signedIn(appsPage))
        group.post("apps", use: signedIn(createApp))
        group.get("apps/:app", use: signedIn(appPage))
        group.post("apps/:app/settings", use: signedIn(updateApp))
        group.post("apps/:app/keys", use: signedIn(issueKey))
        group.get("apps/:app/keys/:key/revoke", use: signedIn(confirmRevokeKey))
        group.post("apps/:app/keys/:key/revoke", use: signedIn(revokeKey))
        group.get("apps/:app/customers", use: signedIn(customersPage))
        group.get("apps/:app/customers/:customer", use: signedIn(customerPage))
        group.get("apps/:app/payments/:payment/refund", use: signedIn(confirmRefund))
        group.post("apps/:app/payments/:payment/refund", use: signedIn(refund))
        group.get("apps/:app/subscriptions/:subscription/cancel", use: signedIn(confirmCancel))
        group.post("apps/:app/subscriptions/:subscription/cancel", use: signedIn(cancel))
        group.get("apps/:app/grace-periods/:grace/resolve", use: signedIn(confirmResolve))
        group.post("apps/:app/grace-periods/:grace/resolve", use: signedIn(resolve))
        group.get("apps/:app/deliveries/:delivery/retry", use: signedIn(confirmRetry))
        group.post("apps/:app/deliveries/:delivery/retry", use: signedIn(retry))
        group.get("audit", use: signedIn(auditPage))
        group.post("audit/verify", use: signedIn(verify))
        group.get("deliveries", use: signedIn(deliveriesPage))
        group.get("events", use: signedIn(eventsPage))
        group.get("provider-events", use: signedIn(providerEventsPage))
        group.get("apps/:app/provider-events/:event/reprocess", use: signedIn(confirmReprocess))
        group.post("apps/:app/provider-events/:event/reprocess", use: signedIn(reprocess))
    }

    // MARK: Signing in

    @Sendable func signInPage(_ request: Request, context: Context) async throws -> Response {
        if let cookie = Self.cookie(request), sessions.validate(cookie, now: Date()) != nil { return Self.redirect("/dashboard") }
        return Self.page("sign-in", ["title": "Sign in"])
    }

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let form = try await Self.form(request)
        guard let token = form["token"], sessions.isAdminToken(token) else {
            signInFailures.increment()
            try await Task.sleep(for: signInDelay)
            return Self.page(
                "sign-in",
                ["title": "Sign in", "problem": "That is not the admin token. Use the ADMIN_TOKEN the service runs with."],
                status: .unauthorized
            )
        }
        let (value, _) = sessions.issue(now: Date())
        var response = Self.redirect("/dashboard")
        response.headers[.setCookie] = Self.cookieHeader(value, request: request, maxAge: Int(sessions.lifetime))
        return response
    }

    func signOut(_ request: Request, context: Context, session: Session) async throws -> Response {
        _ = try await checkedForm(request, session)
        var response = Self.redirect("/dashboard/sign-in")
        response.headers[.setCookie] = Self.cookieHeader("", request: request, maxAge: 0)
        return response
    }

    /// Runs `handler` for a signed-in operator; sends anyone else to the sign-in page. Errors
    /// become a page (in the API's words: the message and code), not JSON.
    func signedIn(
        _ handler: @escaping @Sendable (Request, Context, Session) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        { [sessions] request, context in
            guard let cookie = Self.cookie(request), let session = sessions.validate(cookie, now: Date()) else {
                return Self.redirect("/dashboard/sign-in")
            }
            do {
                return try await handler(request, context, session)
            } catch let error as PaymentsError {
                let status: HTTPResponse.Status =
                    switch error.kind {
                    case .notFound: .notFound
                    case .permission: .forbidden
                    case .conflict, .idempotency: .conflict
                    case .paymentRequired: .init(code: 402, reasonPhrase: "Payment Required")
                    case .providerUnavailable, .unavailable: .serviceUnavailable
                    default: .badRequest
                    }
                return Self.page(
                    "message",
                    ["title": "Not done", "csrf": session.csrf, "problem": "\(error.message) (\(error.code.rawValue))", "back": "/dashboard"],
                    status: status
                )
            }
        }
    }

    // MARK: Rendering

    static func page(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        HTMLPages.page(DashboardTemplates.library, template, context, status: status)
    }

    static func redirect(_ location: String) -> Response { HTMLPages.redirect(location) }

    // MARK: Requests

    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == DashboardSessions.cookieName { return String(parts[1]) }
            }
        }
        return nil
    }

    /// `HttpOnly`, `SameSite=Strict`, scoped to the dashboard; `Secure` when the request came over
    /// https (directly or through a proxy that says so).
    static func cookieHeader(_ value: String, request: Request, maxAge: Int) -> String {
        let https = request.uri.scheme?.rawValue == "https" || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
        return "\(DashboardSessions.cookieName)=\(value); Path=/dashboard; Max-Age=\(max(0, maxAge)); HttpOnly; SameSite=Strict"
            + (https ? "; Secure" : "")
    }

    static func form(_ request: Request) async throws -> [String: String] { try await HTMLPages.form(request) }

    /// A state-changing form's fields, once its CSRF token is the session's.
    func checkedForm(_ request: Request, _ session: Session) async throws -> [String: String] {
        let fields = try await Self.form(request)
        guard fields["csrf"] == session.csrf else {
            throw PaymentsError(
                .permission,
                code: .csrfTokenInvalid,
                message: "The form's CSRF token is missing or stale: reload the page and try again."
            )
        }
        return fields
    }

    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The app a path names (404 when there is none).
    func app(_ context: Context) async throws -> App {
        let id = try context.parameters.require("app")
        guard let appID = App.ID(parsing: id) else { throw PaymentsError.notFound(.appNotFound, id: id) }
        return try await services.apps.get(appID)
    }

    static func origin(_ context: Context) -> Origin { Origin(actor: .admin, requestID: context.requestID) }

    // MARK: Formatting

    static func time(_ date: Date?) -> String { HTMLPages.time(date) }

    static func money(_ amounts: [Currency: Int64]) -> String {
        amounts.isEmpty ? "—" : amounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { Money($0.value, $0.key).display }.joined(separator: ", ")
    }
}
