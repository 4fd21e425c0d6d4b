/// The limits of a text field: its length in Unicode scalars (what JSON Schema's `maxLength`
/// counts) and, where it has one, the characters it may hold.
///
/// A rule is declared once, beside the type it belongs to (`Plan.keyRule`); the domain's checks,
/// the API's decoder and the OpenAPI document all read that one value.
public struct TextRule: Sendable, Equatable {
    public var length: ClosedRange<Int>
    /// Prefixes one of which the text must start with (`https://`, `sk_test_`), if any.
    public var prefixes: [String]
    /// The characters it may hold (after its prefix).
    public var characters: CharacterClass?
    /// Whether it must hold something other than white space.
    public var notBlank: Bool
    /// A documented format (`email`, `uri`); checking it is the domain's, where it matters.
    public var format: String?

    public init(
        length: ClosedRange<Int>,
        prefixes: [String] = [],
        characters: CharacterClass? = nil,
        notBlank: Bool = false,
        format: String? = nil
    ) {
        self.length = length
        self.prefixes = prefixes
        self.characters = characters
        self.notBlank = notBlank
        self.format = format
    }

    /// - Throws: `parameter_invalid` naming `param`.
    public func check(_ text: String, param: String) throws(PaymentsError) {
        guard accepts(text) else { throw .invalid(param, "\(param) must be \(describe).") }
    }

    public func accepts(_ text: String) -> Bool {
        if let ascii = acceptsASCII(text) { return ascii }
        guard length.contains(text.unicodeScalars.count) else { return false }
        var rest = Substring(text)
        if !prefixes.isEmpty {
            guard let prefix = prefixes.first(where: { text.hasPrefix($0) }) else { return false }
            rest = rest.dropFirst(prefix.count)
        }
        if let characters, !rest.unicodeScalars.allSatisfy(characters.contains) { return false }
        if notBlank, text.unicodeScalars.allSatisfy(Self.isPatternWhitespace) { return false }
        return true
    }

    /// The same answer for ASCII text, byte by byte (one scalar each); nil for other text.
    /// Every request's ids and keys are ASCII, and checking them should cost next to nothing.
    private func acceptsASCII(_ text: String) -> Bool? {
        var blank = true
        for byte in text.utf8 {
            if byte >= 0x80 { return nil }
            if blank, !(0x09...0x0D).contains(byte), byte != 0x20 { blank = false }
        }
        guard length.contains(text.utf8.count) else { return false }
        var rest = Substring(text).utf8
        if !prefixes.isEmpty {
            guard let prefix = prefixes.first(where: { text.utf8.starts(with: $0.utf8) }) else { return false }
            rest = rest.dropFirst(prefix.utf8.count)
        }
        if let characters, !rest.allSatisfy(characters.containsASCII) { return false }
        return !(notBlank && blank)
    }

    /// White space as the document's pattern `\S` reads it (ECMA-262's `\s`), so that what the
    /// document calls blank and what the service refuses are the same texts: U+0085, for one, is
    /// white space to Swift but not to ECMA-262.
    static func isPatternWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }

    /// The rule as a regular expression over the whole text (ECMA-262, as JSON Schema reads it),
    /// when it has more than a length: `^[A-Za-z0-9_.-]+$`, `^(https://|http://)`.
    public var pattern: String? {
        let alternatives = prefixes.map { $0.map { "\\^$.|?*+()[]{}/".contains($0) ? "\\\($0)" : String($0) }.joined() }
        let start = alternatives.isEmpty ? "" : "(\(alternatives.joined(separator: "|")))"
        switch (start.isEmpty, characters) {
        case (true, nil): return notBlank ? "\\S" : nil
        case (false, nil): return "^" + start
        case (true, let characters?): return "^[\(characters.classBody)]+$"
        case (false, let characters?): return "^\(start)[\(characters.classBody)]*$"
        }
    }

    /// What the rule asks for, in words: "1 to 64 characters of letters, digits, '_', '-' or '.'".
    public var describe: String {
        let size: String
        switch (length.lowerBound, length.upperBound) {
        case (0, let most): size = "at most \(most) characters"
        case (let least, let most) where least == most: size = "exactly \(least) characters"
        case (let least, Int.max): size = "at least \(least) characters"
        case (let least, let most): size = "\(least) to \(most) characters"
        }
        var words = characters.map { "\(size) \($0.description)" } ?? size
        if !prefixes.isEmpty { words += ", starting with \(prefixes.joined(separator: " or "))" }
        if notBlank { words += ", not all blank" }
        return words
    }
}

/// The characters a text may hold: only those in some ranges, or any but those.
public struct CharacterClass: Sendable, Equatable {
    public let excluding: Bool
    public let ranges: [ClosedRange<UInt32>]
    /// For messages: "of letters, digits, '_', '-' or '.'".
    public let description: String

    /// Only these characters.
    public static func only(_ ranges: [ClosedRange<UInt32>], _ description: String) -> Self {
        Self(excluding: false, ranges: ranges, description: description)
    }

    /// Any character but these.
    public static func except(_ ranges: [ClosedRange<UInt32>], _ description: String) -> Self {
        Self(excluding: true, ranges: ranges, description: description)
    }

    public func contains(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? containsASCII(UInt8(scalar.value)) : ranges.contains { $0.contains(scalar.value) } != excluding
    }

    /// `contains` for an ASCII byte, from a bit per character worked out once.
    func containsASCII(_ byte: UInt8) -> Bool {
        byte < 64 ? asciiLow & (1 << UInt64(byte)) != 0 : asciiHigh & (1 << UInt64(byte - 64)) != 0
    }

    private let asciiLow: UInt64
    private let asciiHigh: UInt64

    init(excluding: Bool, ranges: [ClosedRange<UInt32>], description: String) {
        self.excluding = excluding
        self.ranges = ranges
        self.description = description
        var low: UInt64 = 0
        var high: UInt64 = 0
        for byte in UInt32(0)..<128 where ranges.contains(where: { $0.contains(byte) }) != excluding {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
        (asciiLow, asciiHigh) = (low, high)
    }

    /// The class as a regular expression over the whole text: `^[A-Za-z0-9_.-]+$`.
    public var pattern: String { "^[\(classBody)]+$" }

    /// What goes between a character class's brackets: `A-Za-z0-9\u005f`, `^\u005b\u005d`.
    public var classBody: String {
        func literal(_ value: UInt32) -> String {
            let scalar = Unicode.Scalar(value)!
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) { return String(Character(scalar)) }
            return "\\u" + String(repeating: "0", count: 4 - String(value, radix: 16).count) + String(value, radix: 16)
        }
        let body = ranges.map { $0.lowerBound == $0.upperBound ? literal($0.lowerBound) : "\(literal($0.lowerBound))-\(literal($0.upperBound))" }
        return (excluding ? "^" : "") + body.joined()
    }
}

/// The range of an integer field.
public struct IntegerRule: Sendable, Equatable {
    public var range: ClosedRange<Int64>

    public init(_ range: ClosedRange<Int64>) { self.range = range }

    /// - Throws: `parameter_invalid` naming `param`.
    public func check(_ value: Int64, param: String) throws(PaymentsError) {
        guard range.contains(value) else { throw .invalid(param, "\(param) must be \(describe).") }
    }

    public var describe: String {
        switch (range.lowerBound, range.upperBound) {
        case (let least, Int64.max): "\(least) or more"
        case (let least, let most): "between \(least) and \(most)"
        }
    }
}

extension CharacterClass {
    /// Keys: letters, digits, `_`, `-` and `.`.
    public static let key = only(
        [0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x5F...0x5F, 0x2E...0x2E, 0x2D...0x2D],
        "of letters, digits, '_', '-' or '.'"
    )
    /// Letters, digits and `_` (a provider's key).
    public static let word = only([0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x5F...0x5F], "of letters, digits or '_'")
    /// Capital letters and digits (an invoice number's prefix).
    public static let upperAlphanumeric = only([0x41...0x5A, 0x30...0x39], "of capital letters or digits")
    /// Anything but white space.
    public static let nonSpace = except([0x09...0x0D, 0x20...0x20], "without spaces")
    /// Printable, with no spaces and no slashes (an id that goes in a URL path).
    public static let pathSafe = except([0x00...0x20, 0x7F...0x7F, 0x2F...0x2F], "without spaces, slashes or control characters")
}
