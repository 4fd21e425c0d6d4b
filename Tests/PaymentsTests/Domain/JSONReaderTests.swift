import Foundation
import PaymentsDomain
import Testing

/// The JSON reader reads what Foundation's `JSONDecoder` reads, the same way, and refuses what
/// it refuses.
@Suite struct JSONReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/stripe/2026-10-28.endive")

    func foundation(_ text: String) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    @Test func stripesObjectsReadAsFoundationReadsThem() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.fixtures, includingPropertiesForKeys: nil)
        #expect(files.count >= 10)
        for file in files where file.pathExtension == "json" {
            let data = try Data(contentsOf: file)
            #expect(try JSONReader.value(of: data) == JSONDecoder().decode(JSONValue.self, from: data), "\(file.lastPathComponent)")
        }
    }

    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, "[]", "{}", " [ 1 , 2 ] ", "0", "-0", "1.0", "1e2", "1E-2", "-12.5e+3",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.7976931348623157e308", "0.1",
        #""plain""#, #""esc \" \\ \/ \b \f \n \r \t""#, #""\u00e9\u20AC\ud83e\uddfe""#, #""Zoë 🧾""#,
        #"{"nested":[[[{"x":[]}]]]}"#,
    ])
    func valuesReadAsFoundationReadsThem(text: String) throws {
        #expect(try JSONReader.value(of: text) == foundation(text))
    }

    /// Stricter than Foundation where it is lenient: a trailing comma is not JSON; and a repeated
    /// key keeps its last value, as JavaScript's and Python's readers do.
    @Test func trailingCommasAreRefusedAndTheLastOfARepeatedKeyKept() throws {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.value(of: "[1,]") }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.value(of: #"{"a":1,}"#) }
        #expect(try JSONReader.value(of: #"{"k":1,"k":2}"#) == .object(["k": .integer(2)]))
    }

    @Test(arguments: [
        "", " ", "{", "{'a':1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity", "1E400",
        "tru", "nul", "[1 2]", "{\"a\" 1}", "\"unterminated", "\"bad \\x escape\"", "\"lone \\ud800\"", "\"\\udc00\"",
        "\"tab\there\"", "1 2", "{}{}", "\"\\u12\"",
    ])
    func malformedTextIsRefused(text: String) {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.value(of: text) }
        #expect(foundation(text) == nil, "Foundation refuses it too")
    }

    @Test func invalidUTF8IsRefusedAndValidTextKept() throws {
        #expect(try JSONReader.value(of: #"{"city":"Zürich 🚚","id":"org_1"}"#) == .object(["city": .string("Zürich 🚚"), "id": .string("org_1")]))
        #expect(throws: JSONReader.Failure.self) { try JSONReader.value(of: [0x22, 0xFF, 0x22]) }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.value(of: [0x22, 0x61, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.members(["id"], of: Array(#"{"x":""#.utf8) + [0xC3] + Array(#""}"#.utf8)) }
    }

    @Test func nestingIsBounded() throws {
        let deepest = String(repeating: "[", count: JSONReader.maximumDepth) + String(repeating: "]", count: JSONReader.maximumDepth)
        #expect(try JSONReader.value(of: deepest) != .null)
        let deeper = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONReader.Failure.self, "refused, not a stack overflow") { try JSONReader.value(of: deeper) }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.members(["id"], of: Array(#"{"x":"#.utf8) + Array(deeper.utf8) + [0x7D]) }
    }

    /// A provider event's id and type, read without building the rest, which is still checked.
    @Test func membersReadsTheNamedTopLevelMembersOnly() throws {
        let event = try Data(contentsOf: Self.fixtures.appendingPathComponent("event.json"))
        let members = try JSONReader.members(["id", "type", "created", "absent"], of: event)
        let whole = try JSONReader.value(of: event)
        guard case .object(let object) = whole else {
            Issue.record("not an object")
            return
        }
        #expect(members == ["id": object["id"]!, "type": object["type"]!, "created": object["created"]!])
        #expect(throws: JSONReader.Failure.self, "the rest is checked") {
            try JSONReader.members(["id"], of: Array(#"{"id":"evt_1","data":{"object":[1,}}"#.utf8))
        }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.members(["id"], of: Array("[1]".utf8)) }
    }
}

@Suite struct JSONWriterTests {
    @Test func textsAreEscapedWhereJSONNeedsItAndCopiedWholeElsewhere() throws {
        let texts = [
            "", "plain", "\"", "\\", "a\"b\\c", "line\nbreak\r\ttab", "\u{01}\u{1F}", "é ü 日本 🎉", "\"start", "end\\",
            "mixed \"quoted\" and \\ and \u{07} bell, then 🎉 after",
        ]
        for text in texts {
            var writer = JSONWriter()
            writer.value(text)
            let written = String(decoding: writer.bytes, as: UTF8.self)
            #expect(try JSONReader.value(of: Array(written.utf8)) == .string(text), "\(written)")
            #expect(!written.dropFirst().dropLast().unicodeScalars.contains { $0.value < 0x20 }, "no raw control characters")
        }
        var writer = JSONWriter()
        writer.value("a\u{01}\"\\\n")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\u0001\"\\\n""#)
    }
}

@Suite struct MoneyDisplayTests {
    @Test func minorUnitsAreShownInMajorUnitsWithTheCurrencysExponent() {
        let cases: [(Int64, String, String)] = [
            (29000, "usd", "290.00 USD"), (5, "usd", "0.05 USD"), (-1050, "eur", "-10.50 EUR"), (0, "gbp", "0.00 GBP"),
            (1500, "jpy", "1500 JPY"), (-1250, "kwd", "-1.250 KWD"), (7, "bhd", "0.007 BHD"), (99_999_999, "krw", "99999999 KRW"),
        ]
        for (amount, currency, shown) in cases {
            #expect(Money(amount, Currency(rawValue: currency)!).display == shown)
        }
    }
}
