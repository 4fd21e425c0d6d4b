import CSQLite
import NIOCore
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One SQLite value: what a column holds or a parameter is bound to.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// Column `column` of the statement's current row.
    init(_ statement: OpaquePointer, column: Int32) {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            self = .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            self = .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let bytes = sqlite3_column_text(statement, column) else {
                self = .text("")
                return
            }
            self = .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let bytes = sqlite3_column_blob(statement, column) else {
                self = .blob([])
                return
            }
            self = .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            self = .null
        }
    }

    /// The value SQLKit was asked to bind.
    init(binding value: any Encodable & Sendable) throws {
        if let optional = value as? any OptionalValue, optional.isNone {
            self = .null
            return
        }
        switch value {
        case let value as String: self = .text(value)
        case let value as Int64: self = .integer(value)
        case let value as Int: self = .integer(Int64(value))
        case let value as Int32: self = .integer(Int64(value))
        case let value as Bool: self = .integer(value ? 1 : 0)
        case let value as Double: self = .real(value)
        case let value as [UInt8]: self = .blob(value)
        case let value as ByteBuffer: self = .blob(Array(value.readableBytesView))
        case let value as Data: self = .blob(Array(value))
        default: throw SQLiteFailure(code: SQLITE_MISMATCH, message: "cannot bind a \(type(of: value)) to an SQLite parameter")
        }
    }

    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch self {
        case .null: return sqlite3_bind_null(statement, index)
        case .integer(let value): return sqlite3_bind_int64(statement, index, value)
        case .real(let value): return sqlite3_bind_double(statement, index, value)
        case .text(let value):
            var value = value
            return value.withUTF8 { bytes in
                sqlite3_bind_text(statement, index, bytes.baseAddress, Int32(bytes.count), SQLiteValue.transient)
            }
        case .blob(let value):
            return value.withUnsafeBytes { bytes in
                sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), SQLiteValue.transient)
            }
        }
    }

    /// Tells SQLite to copy what is bound (the Swift buffer does not outlive the call).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// This value as `D`: the store reads strings, integers, booleans, doubles, bytes and their
    /// optionals.
    func decode<D: Decodable>(_: D.Type, column: String) throws -> D {
        switch self {
        case .null:
            if let optional = D.self as? any ExpressibleByNilLiteral.Type, let none = optional.init(nilLiteral: ()) as? D {
                return none
            }
        case .text(let value):
            if let value = value as? D { return value }
        case .integer(let value):
            if let value = value as? D { return value }
            if let value = Int(exactly: value) as? D { return value }
            if let value = (value != 0) as? D { return value }
            if let value = Double(value) as? D { return value }
        case .real(let value):
            if let value = value as? D { return value }
        case .blob(let value):
            if let value = value as? D { return value }
            if let value = ByteBuffer(bytes: value) as? D { return value }
            if let value = Data(value) as? D { return value }
        }
        throw SQLiteFailure(code: SQLITE_MISMATCH, message: "column \(column) holds \(self), not a \(D.self)")
    }
}

/// Lets a bound `nil` be told from a value, whatever its wrapped type.
private protocol OptionalValue {
    var isNone: Bool { get }
}

extension Optional: OptionalValue {
    var isNone: Bool { self == nil }
}

/// A statement's result columns, shared by its rows.
final class SQLiteColumns: Sendable {
    let names: [String]

    init(_ names: [String]) { self.names = names }

    func index(of name: String) -> Int? { names.firstIndex(of: name) }
}

/// One result row, its values copied out of the statement.
struct SQLiteRow: SQLRow {
    let columns: SQLiteColumns
    let values: [SQLiteValue]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.index(of: column) != nil }

    func decodeNil(column: String) throws -> Bool { try value(column) == .null }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        try value(column).decode(type, column: column)
    }

    private func value(_ column: String) throws -> SQLiteValue {
        guard let index = columns.index(of: column) else {
            throw SQLiteFailure(code: SQLITE_RANGE, message: "no column \(column) among \(columns.names)")
        }
        return values[index]
    }
}
