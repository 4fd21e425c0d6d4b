import PaymentsDomain
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where an import from a provider account stopped, per app, provider and kind of object.
extension Session {
    /// Where an import of `object`s from a provider account stopped, if it did.
    public func importCursor(app: App.ID, provider: ProviderName, object: String) async throws -> String? {
        try await db.raw(
            """
            SELECT cursor FROM import_cursors
            WHERE app_id = \(bind: app.rawValue) AND provider = \(bind: provider.rawValue) AND object = \(bind: object)
            """
        ).first()?.decode(column: "cursor", as: String.self)
    }

    public func setImportCursor(app: App.ID, provider: ProviderName, object: String, cursor: String) async throws {
        _ = try requireWrite()
        try await db.raw(
            """
            INSERT INTO import_cursors (app_id, provider, object, cursor, updated_at)
            VALUES (\(bind: app.rawValue), \(bind: provider.rawValue), \(bind: object), \(bind: cursor), \(bind: wallClock.millis))
            ON CONFLICT (app_id, provider, object) DO UPDATE SET cursor = \(bind: cursor), updated_at = \(bind: wallClock.millis)
            """
        ).run()
    }
}
