import PostgresNIO
import SQLKit

/// A read that requests make all the time (a key's look-up, a customer by its id), written once
/// for both engines. On PostgreSQL it runs as a named prepared statement (PostgresNIO's
/// `PostgresPreparedStatement`): each connection parses and plans it once, then only binds and
/// executes it. On SQLite every statement is kept prepared already.
public protocol PreparedRead: Sendable {
    associatedtype Row: Sendable
    /// The statement, its parameters written `$1`, `$2`, … (PostgreSQL's form; SQLite reads them
    /// as `?1`, `?2`, …). Text only: no `$` anywhere else.
    static var sql: String { get }
    /// The parameters' values, in order.
    var values: [PreparedValue] { get }
    static func decode(_ row: any SQLRow) throws -> Row
}

/// A parameter of a prepared read.
public enum PreparedValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
}

extension PreparedRead {
    /// The text with SQLite's `?n` for PostgreSQL's `$n`.
    static var sqliteSQL: String { String(decoding: sql.utf8.map { $0 == UInt8(ascii: "$") ? UInt8(ascii: "?") : $0 }, as: UTF8.self) }
}

extension Session {
    /// Every row of `read`.
    public func all<Read: PreparedRead>(_ read: Read) async throws -> [Read.Row] {
        switch db {
        case let postgres as PostgresSQLDatabase:
            var rows: [Read.Row] = []
            for try await row in try await postgres.connection.execute(PostgresStatement(read: read), logger: postgres.logger) {
                rows.append(try Read.decode(row.sql()))
            }
            return rows
        case let sqlite as SQLiteDatabase:
            var rows: [Read.Row] = []
            let values = read.values.map { value -> SQLiteValue in
                switch value {
                case .text(let text): .text(text)
                case .integer(let integer): .integer(integer)
                }
            }
            try sqlite.connection.execute(Read.sqliteSQL, values) { rows.append(try Read.decode($0)) }
            return rows
        default:
            throw StoreError.inconsistent("no prepared reads on \(type(of: db))")
        }
    }

    /// The first row of `read`, if any.
    public func first<Read: PreparedRead>(_ read: Read) async throws -> Read.Row? { try await all(read).first }
}

/// A prepared read as PostgresNIO runs it: named after the read's type, so each connection
/// prepares it once.
struct PostgresStatement<Read: PreparedRead>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String { "payments_\(String(describing: Read.self))" }
    static var sql: String { Read.sql }
    let read: Read

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: read.values.count)
        for value in read.values {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let integer): bindings.append(integer)
            }
        }
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
