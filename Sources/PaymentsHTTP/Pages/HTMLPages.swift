import HTTPTypes
import Hummingbird
import Mustache
import PaymentsDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The service's HTML pages (the dashboard, the sandbox's hosted pages, a printable invoice): one
/// way to render a Mustache template into a response, with the headers every page carries, and
/// the assets they share.
public enum HTMLPages {
    /// Nothing but the service's own stylesheet and script; no framing; forms post to the service.
    public static let securityHeaders: [(HTTPField.Name, String)] = [
        (
            HTTPField.Name("Content-Security-Policy")!,
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'"
        ),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Referrer-Policy")!, "same-origin"),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (.cacheControl, "no-store"),
    ]

    /// `template` of `library`, rendered with `context` (`{{x}}` is HTML-escaped).
    public static func page(
        _ library: MustacheLibrary,
        _ template: String,
        _ context: [String: Any],
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let html = library.render(context, withTemplate: template) ?? "template \(template) missing"
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        for (name, value) in securityHeaders { headers[name] = value }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    public static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location]
        for (name, value) in securityHeaders { headers[name] = value }
        return Response(status: .seeOther, headers: headers)
    }

    /// A library of `templates`, each compiled once (a template that does not parse is a
    /// programming error, caught by the first test that renders any page).
    public static func library(_ templates: [String: String]) -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in templates {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("page template \(name): \(error)")
            }
        }
        return library
    }

    /// `GET /assets/app.css` and `/assets/app.js`.
    static func addAssetRoutes(to router: Router<PaymentsRequestContext>) {
        router.get("assets/app.css") { _, _ in asset(PageAssets.css, type: "text/css; charset=utf-8") }
        router.get("assets/app.js") { _, _ in asset(PageAssets.js, type: "text/javascript; charset=utf-8") }
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "max-age=300"]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A time for a `<time datetime>` element (the script shows it in the reader's time zone).
    public static func time(_ date: Date?) -> String { date.map { RFC3339.format($0) } ?? "" }

    /// What a price asks, as a buyer reads it: `29.00 USD per month`, `290.00 USD per year`,
    /// `50.00 USD once`, or `usage-based`.
    public static func describe(_ terms: Price.Terms, quantity: Int = 1) -> String {
        switch terms {
        case .oneTime(let money):
            return "\(Money(money.amount * Int64(quantity), money.currency).display) once"
        case .recurring(let money, let interval):
            let every =
                interval.count == 1
                ? interval.unit.rawValue : "\(interval.count) \(interval.unit.rawValue)s"
            return "\(Money(money.amount * Int64(quantity), money.currency).display) per \(every)"
        case .metered(let metered):
            return "usage-based, in \(metered.currency.rawValue.uppercased())"
        }
    }

    /// A form's fields (`application/x-www-form-urlencoded`).
    public static func form(_ request: Request, limit: Int = 64 * 1024) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: limit)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}
