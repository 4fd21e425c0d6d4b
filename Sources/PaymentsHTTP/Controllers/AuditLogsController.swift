import Hummingbird
import PaymentsDomain
import PaymentsServices
import PaymentsStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /v1/audit-logs`: the app's own audit trail.
struct AuditLogsController {
    let audit: AuditLog.Service

    func addRoutes(to routes: Routes) {
        routes.add(.get, "audit-logs", list)
    }

    @Sendable func list(_ request: Request, context: PaymentsRequestContext) async throws -> Response {
        let app = try context.app()
        var query = QueryReader(request)
        let (filter, page) = try Self.read(&query)
        try query.finish()
        return try APIEncoding.response(ListResponse(try await audit.list(app: app.id, filter: filter, page), AuditEntryResponse.init))
    }

    /// The filters and page shared by the app's and the admin's audit routes.
    static func read(_ query: inout QueryReader) throws -> (AuditFilter, PageRequest) {
        let filter = AuditFilter(
            actionType: query.string("action_type"), targetType: query.string("target_type"),
            targetID: query.string("target_id"), actorID: query.string("actor_id"),
            createdGTE: try query.date("created[gte]"), createdLT: try query.date("created[lt]"))
        return (filter, try query.page())
    }
}

struct AuditEntryResponse: Encodable, Sendable {
    let id: String
    let object = "audit_log"
    let app_id: String
    let sequence: Int64
    let actor_id: String
    let key_id: String?
    let action_type: String
    let target_type: String
    let target_id: String
    let payload_snapshot: JSONValue
    let request_id: String?
    let created_at: Date
    let previous_hash: String
    let hash: String

    init(_ entry: AuditEntry) {
        id = entry.id.rawValue
        app_id = entry.appID.rawValue
        sequence = entry.sequence
        actor_id = entry.actorID
        key_id = entry.keyID
        action_type = entry.actionType
        target_type = entry.targetType
        target_id = entry.targetID
        payload_snapshot =
            (try? JSONDecoder().decode(JSONValue.self, from: Data(entry.payloadSnapshot.utf8)))
            ?? .string(entry.payloadSnapshot)
        request_id = entry.requestID
        created_at = entry.createdAt
        previous_hash = entry.previousHash
        hash = entry.hash
    }
}
