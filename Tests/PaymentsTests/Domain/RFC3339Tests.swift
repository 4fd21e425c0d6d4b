import Foundation
import PaymentsDomain
import Testing

@Suite struct RFC3339Tests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2026-11-22T05:00:00Z", 1_795_323_600.0),
        ("2026-11-22t05:00:00z", 1_795_323_600.0),
        ("2026-11-22 05:00:00Z", 1_795_323_600.0),
        ("2026-11-22T05:00:00.250Z", 1_795_323_600.25),
        ("2026-11-22T07:00:00+02:00", 1_795_323_600.0),
        ("2026-11-23T04:08:00+23:08", 1_795_323_600.0),
        ("2026-11-21T10:01:00-18:59", 1_795_323_600.0),
        ("2000-02-29T00:00:00Z", 951_782_400.0),
        ("1969-12-31T23:59:59Z", -1.0),
        ("0001-01-01T00:00:00Z", -62_135_596_800.0),
    ])
    func parsesWhatRFC3339Allows(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.parse(text), "\(text)")
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.0001, "\(text)")
    }

    @Test(arguments: [
        "2026-11-22", "2026-11-22T05:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-22T24:00:00Z",
        "2026-11-22T05:00:00+24:00", "2026-11-22T05:00:00.Z", "2026-11-22T05:00:00Zjunk", "26-11-22T05:00:00Z", "",
    ])
    func refusesEverythingElse(text: String) {
        #expect(RFC3339.parse(text) == nil, "\(text)")
    }

    /// Times are written as stored: to the millisecond, a fraction only when there is one, and
    /// they read back to the same instant.
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"), (1_795_323_600.25, "2026-11-22T05:00:00.250Z"), (1_795_323_600.007, "2026-11-22T05:00:00.007Z"),
        (951_782_400.0, "2000-02-29T00:00:00Z"), (-1.0, "1969-12-31T23:59:59Z"), (-0.5, "1969-12-31T23:59:59.500Z"),
        (-62_135_596_800.0, "0001-01-01T00:00:00Z"), (253_402_300_799.999, "9999-12-31T23:59:59.999Z"),
    ])
    func writesWhatTheStoreKeeps(seconds: Double, text: String) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(RFC3339.format(date) == text)
        #expect(Timestamp.milliseconds(try #require(RFC3339.parse(text))) == Timestamp.milliseconds(date))
    }
}
