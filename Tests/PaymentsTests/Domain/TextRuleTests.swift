import PaymentsDomain
import Testing

/// Text rules read ASCII text byte by byte (every request's ids and keys); the answer must be
/// the one the rule's definition gives, scalar by scalar.
@Suite struct TextRuleTests {
    /// The rule as defined: length in Unicode scalars, one of the prefixes, then only the
    /// class's characters, and something other than white space where it must.
    static func reference(_ rule: TextRule, _ text: String) -> Bool {
        guard rule.length.contains(text.unicodeScalars.count) else { return false }
        var rest = Substring(text)
        if !rule.prefixes.isEmpty {
            guard let prefix = rule.prefixes.first(where: { text.hasPrefix($0) }) else { return false }
            rest = rest.dropFirst(prefix.count)
        }
        if let characters = rule.characters {
            for scalar in rest.unicodeScalars where characters.ranges.contains(where: { $0.contains(scalar.value) }) == characters.excluding {
                return false
            }
        }
        let space: Set<UInt32> = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]
        if rule.notBlank, text.unicodeScalars.allSatisfy({ space.contains($0.value) }) { return false }
        return true
    }

    static let rules: [TextRule] = [
        Customer.externalIDRule, Entitlement.featureRule, Entitlement.locationRule, Entitlement.overrideReasonRule,
        TextRule(length: 9...40, prefixes: ["sk_test_", "pk_live_"], characters: .only([0x30...0x39, 0x61...0x7A], "digits or letters")),
        TextRule(length: 2...6, characters: .except([0x20...0x20, 0x7B...0x7D], "no space or braces"), notBlank: true),
    ]

    @Test func asciiTextIsJudgedAsTheRuleDefinesIt() {
        var generator = SystemRandomNumberGenerator()
        // Every ASCII character, weighted towards those the rules tell apart.
        let alphabet = (0..<128).map { UInt8($0) } + Array("abcz09_-. \t{}".utf8) + Array("sk_test_pk_live_".utf8)
        var checked = 0
        for rule in Self.rules {
            for _ in 0..<3_000 {
                let count = Int.random(in: 0...12, using: &generator)
                var bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator)! }
                if Bool.random(using: &generator) { bytes.insert(contentsOf: "sk_test_".utf8, at: 0) }
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(rule.accepts(text) == Self.reference(rule, text), "\(rule) on \(text.debugDescription)")
                checked += 1
            }
        }
        #expect(checked == Self.rules.count * 3_000)
        // The cases a random draw may miss.
        #expect(Customer.externalIDRule.accepts("org_42.a-b"))
        #expect(!Customer.externalIDRule.accepts(""))
        #expect(!Customer.externalIDRule.accepts("org 42"))
        #expect(!Entitlement.overrideReasonRule.accepts(" \t "))
        #expect(Entitlement.overrideReasonRule.accepts(" x "))
        #expect(!Customer.externalIDRule.accepts(String(repeating: "a", count: 256)))
        #expect(Customer.externalIDRule.accepts(String(repeating: "a", count: 255)))
    }

    @Test func textBeyondASCIIIsStillCountedInScalars() {
        let rule = TextRule(length: 1...3)
        #expect(rule.accepts("é€𝄞"))  // 3 scalars, 9 bytes
        #expect(!rule.accepts("é€𝄞a"))
        #expect(Customer.externalIDRule.accepts("orgé"))  // any character but spaces, slashes, controls
        #expect(!Entitlement.featureRule.accepts("exporté"))  // letters of ASCII only
        #expect(Entitlement.locationRule.accepts("Zürich"))
        #expect(!Entitlement.overrideReasonRule.accepts("\u{3000}"))  // ideographic space: blank
    }
}
