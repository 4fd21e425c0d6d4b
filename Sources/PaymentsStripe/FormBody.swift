import PaymentsDomain

/// A request in Stripe's form encoding: bracket notation for nesting (`metadata[plan]`,
/// `items[0][price]`), values percent-encoded, fields in the order they were added.
struct FormBody: Sendable, Equatable {
    private(set) var fields: [(String, String)] = []

    static func == (lhs: FormBody, rhs: FormBody) -> Bool {
        lhs.fields.map { "\($0.0)=\($0.1)" } == rhs.fields.map { "\($0.0)=\($0.1)" }
    }

    mutating func add(_ key: String, _ value: String?) {
        if let value { fields.append((key, value)) }
    }

    mutating func add(_ key: String, _ value: Int64?) { add(key, value.map(String.init)) }
    mutating func add(_ key: String, _ value: Int?) { add(key, value.map(String.init)) }
    mutating func add(_ key: String, _ value: Bool?) { add(key, value.map { $0 ? "true" : "false" }) }

    /// `prefix[key]=value` for each entry, in key order.
    mutating func add(_ prefix: String, _ dictionary: [String: String]) {
        for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) { fields.append(("\(prefix)[\(key)]", value)) }
    }

    var encoded: String {
        fields.map { "\(Self.escape($0.0, key: true))=\(Self.escape($0.1, key: false))" }.joined(separator: "&")
    }

    /// Percent-encodes all but unreserved characters (and, in keys, the brackets Stripe reads).
    static func escape(_ text: String, key: Bool) -> String {
        PercentEncoding.escape(text, keeping: key ? brackets : [])
    }

    static let brackets: Set<UInt8> = [UInt8(ascii: "["), UInt8(ascii: "]")]
}
