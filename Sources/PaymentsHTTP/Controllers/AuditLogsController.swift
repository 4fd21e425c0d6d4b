import PaymentsContract
import PaymentsDomain
import PaymentsServices
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /v1/audit-logs`: the app's own audit trail.
struct AuditLogsController: Controller {
    let audit: AuditLog.Service

    static let access = Access.app

    static let routes: [Route<Self>] = [
        Route(
            .get,
            "/v1/audit-logs",
            id: "listAuditLogs",
            summary: "The app's audit trail, newest first",
            success: .ok(Resources.auditEntry.list, "A page"),
            handler: list
        )
    ]

    @Sendable func list(_ call: Call<NoBody, AuditQuery>) async throws -> Page<AuditEntry> {
        try await audit.list(app: try call.app().id, filter: call.query.filter, call.query.page)
    }
}

/// The filters and page of the app's and the admin's audit routes, declared once.
struct AuditQuery: APIQuery {
    var page = PageRequest.first
    var appID: App.ID?
    var actionType: AuditAction?
    var targetType: ResourceType?
    var targetID: String?
    var actorID: String?
    var createdGTE: Date?
    var createdLT: Date?

    var filter: AuditFilter {
        AuditFilter(
            actionType: actionType?.rawValue,
            targetType: targetType?.rawValue,
            targetID: targetID,
            actorID: actorID,
            createdGTE: createdGTE,
            createdLT: createdLT
        )
    }

    @QueryBuilder<AuditQuery>
    static var filters: [QueryInput<AuditQuery>] {
        Parameter("action_type", \.actionType, .enumeration, description: "e.g. CREATE_CUSTOMER")
        Parameter("target_type", \.targetType, .enumeration, description: "e.g. customer")
        Parameter("target_id", \.targetID, .text(TextRule(length: 1...255)), description: "The target object's id")
        Parameter("actor_id", \.actorID, .text(TextRule(length: 1...255)), description: "A key id, `admin`, `system`, or an X-Actor-Id")
        Parameter("created[gte]", \.createdGTE, .timestamp)
        Parameter("created[lt]", \.createdLT, .timestamp)
        PageParameters(\.page, of: AuditEntry.self)
    }

    static let query = QueryShape<Self> { filters }
}
