import NIOConcurrencyHelpers
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

/// A parameter of a prepared read or a direct statement.
public enum PreparedValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case double(Double)
    case null
}

/// Each prepared read type's statement in SQLite's form.
private let sqliteForms = NIOLockedValueBox<[ObjectIdentifier: String]>([:])

extension PreparedRead {
    /// The text with SQLite's `?n` for PostgreSQL's `$n`, made once per read type.
    static var sqliteSQL: String {
        let type = ObjectIdentifier(Self.self)
        if let known = sqliteForms.withLockedValue({ $0[type] }) { return known }
        let form = DirectStatement(sql).sqlite
        sqliteForms.withLockedValue { $0[type] = form }
        return form
    }
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
            try sqlite.connection.execute(Read.sqliteSQL, read.values.map(\.sqlite)) { rows.append(try Read.decode($0)) }
            return rows
        default:
            throw StoreError.inconsistent("no prepared reads on \(type(of: db))")
        }
    }

    /// The first row of `read`, if any.
    public func first<Read: PreparedRead>(_ read: Read) async throws -> Read.Row? { try await all(read).first }

    /// Runs `statement` with `values` bound as they are, calling `onRow` for each row: the hot
    /// writes' way past SQLKit's serializer (a batch of usage events binds thousands of values).
    /// SQLite keeps the statement prepared per text; PostgreSQL parses it each time (unnamed).
    public func execute(_ statement: DirectStatement, _ values: [PreparedValue], onRow: (any SQLRow) throws -> Void = { _ in }) async throws {
        switch db {
        case let postgres as PostgresSQLDatabase:
            let query = PostgresQuery(unsafeSQL: statement.postgres, binds: PostgresBindings(values))
            for try await row in try await postgres.connection.query(query, logger: postgres.logger) {
                try onRow(row.sql())
            }
        case let sqlite as SQLiteDatabase:
            try sqlite.connection.execute(statement.sqlite, values.map(\.sqlite), onRow: onRow)
        default:
            throw StoreError.inconsistent("no direct statements on \(type(of: db))")
        }
    }
}

/// A statement built at run time, in both engines' forms: written with `$1`, `$2`, … (and no
/// `$` elsewhere), SQLite's `?1`, `?2`, … made once here. Make it once per shape and keep it.
public struct DirectStatement: Sendable {
    let postgres: String
    let sqlite: String

    public init(_ sql: String) {
        postgres = sql
        sqlite = String(decoding: sql.utf8.map { $0 == UInt8(ascii: "$") ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }
}

extension PostgresBindings {
    init(_ values: [PreparedValue]) {
        self.init(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): append(text)
            case .integer(let integer): append(integer)
            case .double(let double): append(double)
            case .null: appendNull()
            }
        }
    }
}

extension PreparedValue {
    var sqlite: SQLiteValue {
        switch self {
        case .text(let text): .text(text)
        case .integer(let integer): .integer(integer)
        case .double(let double): .real(double)
        case .null: .null
        }
    }
}

/// Each prepared read type's statement name.
private let preparedNames = NIOLockedValueBox<[ObjectIdentifier: String]>([:])

/// A prepared read as PostgresNIO runs it: named after the read's type, so each connection
/// prepares it once.
struct PostgresStatement<Read: PreparedRead>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String {
        let type = ObjectIdentifier(Read.self)
        if let known = preparedNames.withLockedValue({ $0[type] }) { return known }
        // `String(describing:)` of a type is slow: made once per read type.
        let name = "payments_\(String(describing: Read.self))"
        preparedNames.withLockedValue { $0[type] = name }
        return name
    }
    static var sql: String { Read.sql }
    let read: Read

    func makeBindings() throws -> PostgresBindings {
        PostgresBindings(read.values)
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
