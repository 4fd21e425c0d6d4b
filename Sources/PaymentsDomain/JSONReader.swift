/// Reads JSON text (RFC 8259) into a ``JSONValue``, in one pass over the bytes: request bodies and
/// provider events are read on every request, and Foundation's `JSONDecoder` spent most of those
/// requests' time building and walking its own tree first.
///
/// Numbers read as Foundation reads them into a `JSONValue`: an integer when the value is whole
/// and fits 64 bits (`1`, `1.0`, `1e2`), otherwise a double; a number out of a double's range is
/// an error. Text must be UTF-8; control characters must be escaped; objects and arrays nest at
/// most ``maximumDepth`` deep; a repeated key keeps its last value.
public struct JSONReader {
    /// Why the text is not JSON, and at which byte.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    public static let maximumDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The value the whole of `bytes` holds.
    public static func value(of bytes: some Sequence<UInt8>) throws(Failure) -> JSONValue {
        try withBuffer(bytes) { buffer throws(Failure) in
            var reader = JSONReader(buffer)
            let value = try reader.readValue()
            try reader.expectEnd()
            return value
        }
    }

    /// The value `text` holds.
    public static func value(of text: String) throws(Failure) -> JSONValue { try value(of: text.utf8) }

    /// Only the named members of the top-level object, the rest of the text checked but not kept
    /// (a provider event's id and type, out of kilobytes of object).
    public static func members(_ names: Set<String>, of bytes: some Sequence<UInt8>) throws(Failure) -> [String: JSONValue] {
        try withBuffer(bytes) { buffer throws(Failure) in
            var reader = JSONReader(buffer)
            reader.skipWhitespace()
            guard reader.peek == UInt8(ascii: "{") else { throw reader.failure("expected an object") }
            var found: [String: JSONValue] = [:]
            try reader.readObject { key, reader throws(Failure) in
                if names.contains(key) {
                    found[key] = try reader.readValue()
                } else {
                    try reader.skipValue()
                }
            }
            try reader.expectEnd()
            return found
        }
    }

    private static func withBuffer<T>(
        _ bytes: some Sequence<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> T
    ) throws(Failure) -> T {
        let read = { (buffer: UnsafeBufferPointer<UInt8>) in Result { () throws(Failure) in try body(buffer) } }
        if let result = bytes.withContiguousStorageIfAvailable(read) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer(read).get()
    }

    // MARK: - Values

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func failure(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func expectEnd() throws(Failure) {
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the value") }
    }

    private mutating func readValue() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard let byte = peek else { throw failure("unexpected end of text") }
        switch byte {
        case UInt8(ascii: "{"):
            // Room for a request body's members up front: growing from empty rehashes at 1, 3 and 6.
            var object = [String: JSONValue](minimumCapacity: 8)
            try readObject { key, reader throws(Failure) in object[key] = try reader.readValue() }
            return .object(object)
        case UInt8(ascii: "["):
            var array: [JSONValue] = []
            try readArray { reader throws(Failure) in array.append(try reader.readValue()) }
            return .array(array)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try readNumber()
        default:
            throw failure("unexpected character")
        }
    }

    /// Checks the value's text without building it.
    private mutating func skipValue() throws(Failure) {
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "{"): try readObject { _, reader throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray { reader throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        default: _ = try readValue()
        }
    }

    private mutating func readObject(_ member: (String, inout JSONReader) throws(Failure) -> Void) throws(Failure) {
        try enter()
        index += 1  // {
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let key = try readString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            try member(key, &self)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    private mutating func readArray(_ element: (inout JSONReader) throws(Failure) -> Void) throws(Failure) {
        try enter()
        index += 1  // [
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
        while true {
            try element(&self)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return
            default: throw failure("expected ',' or ']'")
            }
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth)") }
    }

    private mutating func readLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end of text") }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            throw failure("unexpected character")
        }
        index += count
    }

    // MARK: - Numbers

    private mutating func readNumber() throws(Failure) -> JSONValue {
        let start = index
        var whole = true
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw failure("expected a digit") }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        if peek == UInt8(ascii: ".") {
            whole = false
            index += 1
            guard skipDigits() > 0 else { throw failure("expected a digit after '.'") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            whole = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw failure("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if whole, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else {
            index = start
            throw failure("number out of range")
        }
        if double == double.rounded(), abs(double) < 9.2e18 { return .integer(Int64(double)) }
        return .number(double)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index - start
    }

    // MARK: - Strings

    private mutating func readString() throws(Failure) -> String {
        index += 1  // "
        let start = index
        // The common case: no escapes, so the text is the bytes themselves.
        while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw failure("unescaped control character in a string") }
            index += 1
        }
        guard let stop = peek else { throw failure("unterminated string") }
        if stop == UInt8(ascii: "\"") {
            defer { index += 1 }
            return try text(start..<index)
        }
        var scalars = try text(start..<index).unicodeScalars.map { $0 }
        while true {
            guard let byte = peek else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                var string = ""
                string.unicodeScalars.append(contentsOf: scalars)
                return string
            case UInt8(ascii: "\\"):
                index += 1
                scalars.append(try readEscape())
            default:
                let run = index
                while let next = peek, next != UInt8(ascii: "\""), next != UInt8(ascii: "\\") {
                    guard next >= 0x20 else { throw failure("unescaped control character in a string") }
                    index += 1
                }
                scalars.append(contentsOf: try text(run..<index).unicodeScalars)
            }
        }
    }

    /// Checks a string as ``readString()`` does (escapes, control characters, UTF-8) without
    /// making it.
    private mutating func skipString() throws(Failure) {
        index += 1  // "
        var run = index
        var ascii = true
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                if !ascii { _ = try text(run..<index) }
                index += 1
                return
            case UInt8(ascii: "\\"):
                if !ascii { _ = try text(run..<index) }
                index += 1
                _ = try readEscape()
                run = index
                ascii = true
            case ..<0x20:
                throw failure("unescaped control character in a string")
            default:
                if byte >= 0x80 { ascii = false }
                index += 1
            }
        }
        throw failure("unterminated string")
    }

    private func text(_ range: Range<Int>) throws(Failure) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        // ASCII (keys, ids, most values) is valid UTF-8 as it is: made without the generic
        // validation, which costs a runtime metadata lookup per string.
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw Failure(offset: range.lowerBound, reason: "text that is not UTF-8")
        }
        return text
    }

    private mutating func readEscape() throws(Failure) -> Unicode.Scalar {
        guard let byte = peek else { throw failure("unterminated string") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try readHex()
            switch unit {
            case 0xD800...0xDBFF:
                guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("a lone surrogate in \\u escapes")
                }
                index += 2
                let low = try readHex()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("a lone surrogate in \\u escapes") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            case 0xDC00...0xDFFF:
                throw failure("a lone surrogate in \\u escapes")
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            throw failure("unknown escape")
        }
    }

    private mutating func readHex() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("unterminated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected a hex digit")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
