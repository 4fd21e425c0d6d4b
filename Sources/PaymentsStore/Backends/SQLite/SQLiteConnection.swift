import CSQLite
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// One SQLite connection, driven straight through the C API: a statement runs on the thread that
/// asks for it (on a local file that is microseconds: a hop to a thread pool and back cost more
/// than SQLite itself), and each statement text is prepared once and kept.
///
/// Not safe to use from two tasks at once: the backend hands a connection to one task at a time
/// (``ConnectionPool``), which is what `@unchecked Sendable` relies on.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Prepared statements by their SQL text, with their result columns.
    private var statements: [String: Prepared] = [:]
    private var closed = false
    /// How many statement texts this connection has compiled to keep.
    private(set) var preparations = 0

    /// How many distinct statement texts are kept prepared; past it the cache starts again
    /// (the store's texts are a few hundred, made from fixed templates).
    static let statementCacheLimit = 512

    final class Prepared {
        let statement: OpaquePointer
        let columns: SQLiteColumns

        init(_ statement: OpaquePointer) {
            self.statement = statement
            let count = sqlite3_column_count(statement)
            columns = SQLiteColumns((0..<count).map { String(cString: sqlite3_column_name(statement, $0)) })
        }
    }

    /// Opens (creating if needed) the database at `path` and runs `pragmas`.
    init(path: String, pragmas: [String]) throws {
        var handle: OpaquePointer?
        // NOMUTEX: one task at a time uses a connection, so SQLite's own per-call mutex is not needed.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteFailure(code: status, message: "cannot open \(path): \(message)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        do {
            for pragma in pragmas { try execute(pragma, []) { _ in } }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Whether a transaction is open (SQLite rolls one back by itself after some errors).
    var inTransaction: Bool { !closed && sqlite3_get_autocommit(handle) == 0 }

    func close() {
        guard !closed else { return }
        closed = true
        for prepared in statements.values { sqlite3_finalize(prepared.statement) }
        statements = [:]
        sqlite3_close_v2(handle)
    }

    /// Runs `sql` (one statement, or several separated by `;` with no binds) and calls `onRow`
    /// for each row it returns.
    func execute(_ sql: String, _ binds: [SQLiteValue], onRow: (SQLiteRow) throws -> Void) throws {
        guard !closed else { throw StoreError.closed }
        let prepared = try prepare(sql)
        guard let prepared else { return try executeScript(sql, onRow: onRow) }
        let statement = prepared.statement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        let parameters = Int(sqlite3_bind_parameter_count(statement))
        guard parameters == binds.count else {
            throw SQLiteFailure(code: SQLITE_RANGE, message: "\(binds.count) values bound to \(parameters) parameters in: \(sql)")
        }
        for (index, value) in binds.enumerated() {
            try check(value.bind(to: statement, at: Int32(index + 1)))
        }
        try step(statement, columns: prepared.columns, onRow: onRow)
    }

    private func step(_ statement: OpaquePointer, columns: SQLiteColumns, onRow: (SQLiteRow) throws -> Void) throws {
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                let count = columns.names.count
                var values: [SQLiteValue] = []
                values.reserveCapacity(count)
                for index in 0..<Int32(count) { values.append(SQLiteValue(statement, column: index)) }
                try onRow(SQLiteRow(columns: columns, values: values))
            case SQLITE_DONE:
                return
            case let status:
                throw failure(status)
            }
        }
    }

    /// The cached statement for `sql`; nil when `sql` holds more than one statement (not cached).
    private func prepare(_ sql: String) throws -> Prepared? {
        if let prepared = statements[sql] { return prepared }
        var statement: OpaquePointer?
        var more = false
        let status = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let status = sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail)
            if let tail { more = Self.hasStatement(tail) }
            return status
        }
        guard status == SQLITE_OK else { throw failure(status, in: sql) }
        guard let statement else { return nil }  // only whitespace or comments
        guard !more else {
            sqlite3_finalize(statement)
            return nil
        }
        if statements.count >= Self.statementCacheLimit {
            for prepared in statements.values { sqlite3_finalize(prepared.statement) }
            statements = [:]
        }
        let prepared = Prepared(statement)
        statements[sql] = prepared
        preparations += 1
        return prepared
    }

    /// Runs several statements in turn (migrations, pragmas), none cached.
    private func executeScript(_ sql: String, onRow: (SQLiteRow) throws -> Void) throws {
        try sql.withCString { start in
            var next: UnsafePointer<CChar>? = start
            while let text = next, Self.hasStatement(text) {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let status = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
                guard status == SQLITE_OK else { throw failure(status, in: sql) }
                next = tail
                guard let statement else { continue }
                defer { sqlite3_finalize(statement) }
                try step(statement, columns: Prepared(statement).columns, onRow: onRow)
            }
        }
    }

    /// Whether `text` holds anything but whitespace and `;`.
    private static func hasStatement(_ text: UnsafePointer<CChar>) -> Bool {
        var pointer = text
        while pointer.pointee != 0 {
            switch UInt8(bitPattern: pointer.pointee) {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ";"):
                pointer += 1
            default:
                return true
            }
        }
        return false
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw failure(status) }
    }

    private func failure(_ status: Int32, in sql: String? = nil) -> SQLiteFailure {
        let message = String(cString: sqlite3_errmsg(handle))
        return SQLiteFailure(code: status, message: sql.map { "\(message) in: \($0)" } ?? message)
    }
}

/// An error SQLite returned, with its (extended) result code.
public struct SQLiteFailure: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String

    /// Another connection holds the lock this one needs; nothing was done.
    var isBusy: Bool { code & 0xFF == SQLITE_BUSY }

    public var description: String { "SQLite error \(code): \(message)" }
}

/// A connection seen through SQLKit: queries are serialized in SQLite's dialect and run at once.
struct SQLiteDatabase: SQLDatabase {
    let connection: SQLiteConnection
    let logger: Logger
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect.shared }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let binds = try serializer.binds.map(SQLiteValue.init(binding:))
        try connection.execute(serializer.sql, binds) { onRow($0) }
    }
}

/// SQLite's SQL as SQLKit writes it: `?NNN` placeholders, double-quoted identifiers.
struct SQLiteDialect: SQLDialect {
    static let shared = SQLiteDialect()

    var name: String { "sqlite" }
    var identifierQuote: any SQLExpression { SQLRaw("\"") }
    var literalStringQuote: any SQLExpression { SQLRaw("'") }
    func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?\(position)") }
    func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "1" : "0") }
    var literalDefault: any SQLExpression { SQLLiteral.null }
    var supportsAutoIncrement: Bool { false }
    var autoIncrementClause: any SQLExpression { SQLRaw("AUTOINCREMENT") }
    var supportsReturning: Bool { true }
    var upsertSyntax: SQLUpsertSyntax { .standard }
    var supportsDropBehavior: Bool { false }
    var enumSyntax: SQLEnumSyntax { .unsupported }
}
