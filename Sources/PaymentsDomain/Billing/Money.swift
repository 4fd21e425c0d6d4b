/// An ISO 4217 currency, lowercase as Stripe writes it (`usd`, `eur`, `jpy`).
public struct Currency: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts a known ISO 4217 code in lowercase, as Stripe writes it.
    public init?(rawValue: String) {
        guard Currency.iso4217.contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let currency = Currency(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Unknown currency \(raw)"))
        }
        self = currency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Parses a request parameter.
    /// - Throws: `parameter_invalid` naming `param` when the code is not an ISO 4217 currency.
    public static func parse(_ raw: String, param: String = "currency") throws(PaymentsError) -> Currency {
        guard let currency = Currency(rawValue: raw) else {
            throw .invalid(param, "\(param) must be a three-letter ISO 4217 currency code in lowercase, such as usd.")
        }
        return currency
    }

    /// Every code accepted, in order.
    public static let all: [Currency] = iso4217.sorted().map { Currency(rawValue: $0)! }

    /// Digits after the decimal point of its major unit (ISO 4217): 0 for `jpy`, 3 for `kwd`.
    public var exponent: Int {
        switch rawValue {
        case "bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf": 0
        case "bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd": 3
        default: 2
        }
    }

    public static let usd = Currency(rawValue: "usd")!
    public static let eur = Currency(rawValue: "eur")!

    /// Active ISO 4217 codes (list of 2026, funds and metals left out).
    static let iso4217: Set<String> = [
        "aed", "afn", "all", "amd", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn", "bhd",
        "bif", "bmd", "bnd", "bob", "brl", "bsd", "btn", "bwp", "byn", "bzd", "cad", "cdf", "chf", "clp",
        "cny", "cop", "crc", "cup", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "ern", "etb", "eur",
        "fjd", "fkp", "gbp", "gel", "ghs", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl", "htg", "huf",
        "idr", "ils", "inr", "iqd", "irr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr", "kmf", "kpw",
        "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "lyd", "mad", "mdl", "mga", "mkd",
        "mmk", "mnt", "mop", "mru", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok",
        "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd", "rub",
        "rwf", "sar", "sbd", "scr", "sdg", "sek", "sgd", "shp", "sle", "sos", "srd", "ssp", "stn", "svc",
        "syp", "szl", "thb", "tjs", "tmt", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "usd",
        "uyu", "uzs", "ves", "vnd", "vuv", "wst", "xaf", "xcd", "xcg", "xof", "xpf", "yer", "zar", "zmw",
        "zwg",
    ]
}

/// An amount of money: integer minor units (cents; yen for `jpy`) and its currency. Never a float.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    public let amount: Int64
    public let currency: Currency

    public init(_ amount: Int64, _ currency: Currency) {
        self.amount = amount
        self.currency = currency
    }

    public var description: String { "\(amount) \(currency)" }

    /// The amount in major units, as a person reads it: `290.00 USD`, `1500 JPY`, `-1.250 KWD`.
    public var display: String {
        let digits = currency.exponent
        let magnitude = amount.magnitude
        var text = String(magnitude)
        if digits > 0 {
            text = String(repeating: "0", count: max(0, digits + 1 - text.count)) + text
            text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
        }
        return (amount < 0 ? "-" : "") + text + " " + currency.rawValue.uppercased()
    }

    /// An amount in minor units: no larger than Stripe's 8-digit limit for most currencies.
    public static let amountRule = IntegerRule(0...99_999_999)
    /// An amount to charge or refund: at least one minor unit.
    public static let chargeRule = IntegerRule(1...99_999_999)

    /// Checks an amount parameter.
    public static func validate(amount: Int64, param: String = "amount", allowZero: Bool = true) throws(PaymentsError) {
        try (allowZero ? amountRule : chargeRule).check(amount, param: param)
    }
}
