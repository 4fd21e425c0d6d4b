import SQLKit

/// Where an import from a provider account stopped, per app, provider and kind of object: a
/// resumed import goes on after it.
struct M0024_CreateImportCursors: Migration {
    let version = 24
    let name = "create_import_cursors"

    func prepare(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute([
            """
            CREATE TABLE import_cursors (
                app_id TEXT NOT NULL REFERENCES apps (id),
                provider TEXT NOT NULL,
                object TEXT NOT NULL,
                cursor TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, provider, object)
            )
            """
        ])
    }

    func revert(on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await db.execute(["DROP TABLE import_cursors"])
    }
}
