import Foundation
import PaymentsDomain
import Testing

@testable import PaymentsStripe

@Suite struct StripeSignatureTests {
    /// The vector in `../shared/stripe/README.md`, checked with stripe-python and openssl.
    @Test func thePublishedVector() throws {
        let body = Array(#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#.utf8)
        let header = "t=1700000000,v1=dfb4777aaaec4ea29ff455dd4df7fe6b2ef71096ad3a93a158db7e100109ea91"
        let secret = Secret("whsec_test_secret")
        #expect(StripeWebhookSignature.header(payload: body, secret: secret, timestamp: 1_700_000_000) == header)
        let at = Date(timeIntervalSince1970: 1_700_000_100)
        #expect(
            try StripeWebhookSignature.verify(payload: body, header: header, secrets: [secret], tolerance: .seconds(300), now: at) == 1_700_000_000
        )
        #expect(throws: StripeWebhookSignature.Failure.stale(seconds: 400)) {
            try StripeWebhookSignature.verify(
                payload: body,
                header: header,
                secrets: [secret],
                tolerance: .seconds(300),
                now: at.addingTimeInterval(300)
            )
        }
        #expect(throws: StripeWebhookSignature.Failure.mismatch) {
            try StripeWebhookSignature.verify(payload: body + [0x20], header: header, secrets: [secret], tolerance: nil, now: at)
        }
        #expect(throws: StripeWebhookSignature.Failure.missingHeader) {
            try StripeWebhookSignature.verify(payload: body, header: nil, secrets: [secret], tolerance: nil, now: at)
        }
    }

    /// Cases made and judged by the official `stripe` library (`scripts/stripe_signature_cases.py`,
    /// run by the test command, which names the file in `STRIPE_SIGNATURE_CASES`).
    @Test func sameVerdictAsStripesOwnVerifier() throws {
        guard let path = ProcessInfo.processInfo.environment["STRIPE_SIGNATURE_CASES"] else {
            Issue.record("STRIPE_SIGNATURE_CASES is not set: run the tests with scripts/test.sh")
            return
        }
        struct Case: Decodable {
            let name: String
            let payload: String
            let header: String
            let secrets: [String]
            let tolerance: Int64
            let now: Int64
            let valid: Bool
        }
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(cases.count >= 10)
        for item in cases {
            let verdict: Bool
            do {
                try StripeWebhookSignature.verify(
                    payload: Array(item.payload.utf8),
                    header: item.header,
                    secrets: item.secrets.map { Secret($0) },
                    tolerance: .seconds(item.tolerance),
                    now: Date(timeIntervalSince1970: Double(item.now))
                )
                verdict = true
            } catch {
                verdict = false
            }
            #expect(verdict == item.valid, "\(item.name): Stripe says \(item.valid ? "valid" : "invalid")")
        }
    }
}
