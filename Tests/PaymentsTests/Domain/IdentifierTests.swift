import Foundation
import PaymentsDomain
import Testing

@Suite struct IdentifierTests {
    @Test func idsArePrefixedAndWellFormed() {
        let id = IDGenerator.live.next(Customer.self, at: Date())
        #expect(id.rawValue.hasPrefix("cus_"))
        #expect(id.rawValue.count == 4 + 26)
        #expect(Customer.ID(parsing: id.rawValue) == id)
        #expect(App.ID(parsing: id.rawValue) == nil, "a customer id is not an app id")
        #expect(Customer.ID(parsing: "cus_" + String(repeating: "I", count: 26)) == nil, "outside the alphabet")
        #expect(Customer.ID(parsing: "cus_short") == nil)
    }

    @Test func idsDerivedFromAProviderIdAreWellFormedAndStable() {
        let ids = ["si_vN5RgvAmdwyzkm", "si_1", "sbsi_01m8q0hq0vrg0w0cq1ep9gm861", ""].map {
            "si_" + IDGenerator.derivedBody(from: $0)
        }
        #expect(ids.allSatisfy { Subscription.Item.ID(parsing: $0) != nil }, "\(ids)")
        #expect(Set(ids).count == ids.count)
        #expect("si_" + IDGenerator.derivedBody(from: "si_1") == ids[1], "the same provider id, the same id")
    }

    @Test func idsSortByCreationTime() {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let ids = (0..<200).map { IDGenerator.live.next(Customer.self, at: start.addingTimeInterval(Double($0) / 1000)) }
        #expect(ids == ids.sorted(), "ids made later compare greater")
        #expect(Set(ids).count == ids.count)
    }

    @Test func idsMadeInOneMillisecondOrTheClockGoingBackStillIncrease() {
        let instant = Date(timeIntervalSince1970: 1_790_000_000)
        let ids = (0..<1000).map { _ in IDGenerator.live.next(App.self, at: instant) }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        let earlier = IDGenerator.live.next(App.self, at: instant.addingTimeInterval(-60))
        #expect(earlier > ids.last!)
    }
}

@Suite struct KeyMaterialTests {
    @Test(arguments: App.Mode.allCases) func generatedKeysCarryTheirModeAndEnoughEntropy(mode: App.Mode) {
        let key = KeyMaterial.generate(mode: mode).value
        #expect(key.hasPrefix("sk_\(mode.rawValue)_"))
        #expect(KeyMaterial.mode(of: key) == mode)
        // 43 base62 characters carry 43 * log2(62) ≈ 256 bits.
        #expect(key.count == "sk_\(mode.rawValue)_".count + 43)
        #expect(KeyMaterial.generate(mode: mode).value != key)
    }

    @Test func malformedKeysAreRecognised() {
        #expect(KeyMaterial.mode(of: "sk_test_short") == nil)
        #expect(KeyMaterial.mode(of: "xk_test_" + String(repeating: "a", count: 43)) == nil)
        #expect(KeyMaterial.shape(of: "pk_live_" + String(repeating: "a", count: 43))! == (.live, .publishable), "a publishable key")
        #expect(KeyMaterial.shape(of: "pk_test_" + String(repeating: "a", count: 42)) == nil)
        #expect(KeyMaterial.mode(of: "sk_test_" + String(repeating: "-", count: 43)) == nil)
    }

    @Test func hashIsSHA256Hex() {
        // echo -n abc | sha256sum
        #expect(KeyMaterial.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // The key cache's key: the same digest, told apart from another key's by value and hash.
        #expect(KeyMaterial.digest("abc").hex == KeyMaterial.hash("abc"))
        #expect(Set([KeyMaterial.digest("abc"), KeyMaterial.digest("abc"), KeyMaterial.digest("abd")]).count == 2)
        #expect([UInt8](repeating: 0xAB, count: 3).hexString == "ababab" && Array("é".utf8).hexString == "c3a9")
    }

    @Test func secretsNeverPrint() {
        let secret = Secret("sk_test_dont_print_me")
        #expect("\(secret)" == "[redacted]")
        #expect(String(reflecting: secret) == "[redacted]")
    }

    @Test func keyStatesFollowExpiryAndRevocation() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        var key = APIKey(
            id: IDGenerator.live.next(APIKey.self, at: now),
            appID: IDGenerator.live.next(App.self, at: now),
            displayPrefix: "sk_test_abcd",
            hash: "h",
            createdAt: now,
            expiresAt: nil,
            revokedAt: nil
        )
        #expect(key.state(at: now) == .active)
        key.expiresAt = now.addingTimeInterval(60)
        #expect(key.state(at: now) == .expiring && key.isUsable(at: now))
        #expect(key.state(at: now.addingTimeInterval(60)) == .expired && !key.isUsable(at: now.addingTimeInterval(60)))
        key.revokedAt = now
        #expect(key.state(at: now) == .revoked && !key.isUsable(at: now))
    }
}
