import Foundation
import PaymentsDomain
import Testing

@Suite struct AuditChainTests {
    let app = IDGenerator.live.next(App.self, at: Date())

    func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        var previous = ""
        for sequence in 1...Int64(count) {
            let entry = AuditEntry(
                id: IDGenerator.live.next(AuditEntry.self, at: Date()),
                appID: app,
                actorID: "key_x",
                keyID: "key_x",
                actionType: "CREATE_CUSTOMER",
                targetType: "customer",
                targetID: "cus_\(sequence)",
                payloadSnapshot: #"{"name":"n\#(sequence)"}"#,
                requestID: "req_1",
                createdAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(sequence))
            ).sealed(sequence: sequence, previousHash: previous)
            previous = entry.seal!.hash
            entries.append(entry)
        }
        return entries
    }

    @Test func anIntactChainVerifies() {
        #expect(AuditChain.firstBreak(in: chain(5)) == nil)
    }

    @Test func alteringContentBreaksTheChainAtThatEntry() {
        var entries = chain(5)
        let victim = entries[2]
        entries[2] = AuditEntry(
            id: victim.id,
            appID: victim.appID,
            actorID: victim.actorID,
            keyID: victim.keyID,
            actionType: victim.actionType,
            targetType: victim.targetType,
            targetID: victim.targetID,
            payloadSnapshot: #"{"name":"forged"}"#,
            requestID: victim.requestID,
            createdAt: victim.createdAt,
            seal: victim.seal
        )
        let broken = AuditChain.firstBreak(in: entries)
        #expect(broken?.sequence == 3)
        #expect(broken?.reason.contains("altered") == true)
    }

    @Test func removingAnEntryBreaksTheChain() {
        var entries = chain(5)
        entries.remove(at: 1)
        #expect(AuditChain.firstBreak(in: entries)?.sequence == 3)
    }

    @Test func rehashingAnAlteredEntryStillBreaksTheNextLink() {
        var entries = chain(4)
        let victim = entries[1]
        entries[1] = AuditEntry(
            id: victim.id,
            appID: victim.appID,
            actorID: "admin",
            keyID: nil,
            actionType: victim.actionType,
            targetType: victim.targetType,
            targetID: victim.targetID,
            payloadSnapshot: victim.payloadSnapshot,
            requestID: victim.requestID,
            createdAt: victim.createdAt
        ).sealed(sequence: victim.seal!.sequence, previousHash: victim.seal!.previousHash)
        #expect(AuditChain.firstBreak(in: entries)?.sequence == 3)
    }

    @Test func anUnsealedEntryAmongSealedOnesIsABreak() {
        var entries = chain(3)
        entries[1].seal = nil
        #expect(AuditChain.firstBreak(in: entries) == .init(sequence: 2, entryID: entries[1].id.rawValue, reason: "the entry is not sealed"))
    }

    @Test func snapshotsRedactSecretsAtAnyDepth() throws {
        struct Payload: Encodable {
            struct Inner: Encodable {
                let secret_key: String
                let last4: String
            }
            let api_key: String
            let name: String
            let account: Inner
        }
        let text = try AuditSnapshot.encode(
            Payload(api_key: "sk_test_live_secret", name: "n", account: .init(secret_key: "rk_123", last4: "1234"))
        )
        #expect(!text.contains("sk_test_live_secret") && !text.contains("rk_123"))
        #expect(text == #"{"account":{"last4":"1234","secret_key":"[redacted]"},"api_key":"[redacted]","name":"n"}"#)
        // Without a secret key the encoding is kept as it is; a value that only mentions one is
        // not a key.
        struct Plain: Encodable {
            let name: String
            let note: String
        }
        #expect(try AuditSnapshot.encode(Plain(name: "n", note: #"the "secret": stays"#)) == #"{"name":"n","note":"the \"secret\": stays"}"#)
    }
}

@Suite struct CustomerRulesTests {
    @Test func updatesMergeLikeStripe() {
        let now = Date()
        var customer = Customer(
            id: IDGenerator.live.next(Customer.self, at: now),
            appID: IDGenerator.live.next(App.self, at: now),
            externalID: "org_1",
            name: "Acme",
            email: "a@acme.test",
            legalName: nil,
            metadata: ["a": "1", "b": "2"],
            createdAt: now,
            updatedAt: now
        )
        customer.apply(.init(name: .unchanged, email: .clear, metadata: .set(["a": "", "c": "3"])), at: now)
        #expect(customer.name == "Acme")
        #expect(customer.email == nil)
        #expect(customer.metadata == ["b": "2", "c": "3"])
    }

    @Test func validationNamesTheParameter() {
        #expect(throws: PaymentsError.invalid("email", "email must be an email address such as billing@example.com.")) {
            try Customer.Changes(email: .set("not-an-email")).validate()
        }
        #expect(throws: PaymentsError.self) { try Customer.validate(externalID: "has space") }
        #expect(throws: PaymentsError.self) { try Customer.validate(externalID: "") }
        #expect((try? Customer.validate(externalID: "org_42")) != nil)
        let tooMany = Dictionary(uniqueKeysWithValues: (0..<51).map { ("k\($0)", "v") })
        #expect(throws: PaymentsError.self) { try Metadata.validate(tooMany) }
    }

    @Test func pagesUseTheExtraRowOnlyToSayThereIsMore() throws {
        #expect(Page(fetched: [1, 2, 3], limit: 2).data == [1, 2])
        #expect(Page(fetched: [1, 2, 3], limit: 2).hasMore)
        #expect(!Page(fetched: [1, 2], limit: 2).hasMore)
        #expect(throws: PaymentsError.self) { try PageRequest(limit: 101) }
        #expect(throws: PaymentsError.self) { try PageRequest(limit: 0) }
    }
}
