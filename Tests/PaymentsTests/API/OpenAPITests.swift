import Foundation
import OpenAPIKit
import PaymentsContract
import PaymentsDomain
import PaymentsServices
import PaymentsStore
import Testing

@testable import PaymentsHTTP

@Suite struct OpenAPITests {
    static var document: [String: Any] {
        get throws { try #require(try JSONSerialization.jsonObject(with: Data(APIDocument.json)) as? [String: Any]) }
    }

    static func schema(_ name: String) throws -> [String: Any] {
        let schemas = try #require((try document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        return try #require(schemas[name] as? [String: Any], "no schema \(name)")
    }

    static func property(_ schema: String, _ name: String) throws -> [String: Any] {
        try #require((try Self.schema(schema)["properties"] as? [String: Any])?[name] as? [String: Any], "no \(schema).\(name)")
    }

    @Test func theDocumentDescribesExactlyTheRoutesServed() async throws {
        try await TestAPI.run(.sqlite) { api in
            let reply = try await api.request(.get, "/openapi.json")
            #expect(reply.status == .ok)
            #expect(reply.json["openapi"] as? String == "3.1.0")
            let paths = try #require(reply.json["paths"] as? [String: [String: Any]])
            let methods: Set<String> = ["get", "put", "post", "patch", "delete"]
            var documented = Set<String>()
            for (path, item) in paths {
                for (method, operation) in item where methods.contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                    let responses = (operation as? [String: Any])?["responses"] as? [String: Any]
                    #expect(responses?.keys.contains { $0.hasPrefix("2") } == true, "\(method) \(path) documents its success")
                }
            }
            let served = Set(api.table.routes.map(\.description))
            #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
            #expect(reply.body.readableBytes == APIDocument.json.count, "the document served is the one built")
        }
    }

    @Test func theEnumsListWhatTheServiceHas() throws {
        func enumeration(_ schema: String, _ property: String) throws -> [String]? {
            try Self.property(schema, property)["enum"] as? [String]
        }
        #expect(try enumeration("AuditLog", "action_type") == AuditAction.allCases.map(\.rawValue))
        #expect(try enumeration("Subscription", "status") == Subscription.Status.allCases.map(\.rawValue))
        #expect(try enumeration("Payment", "status") == Payment.Status.allCases.map(\.rawValue))
        #expect(try enumeration("Refund", "status") == Refund.Status.allCases.map(\.rawValue))
        #expect(try enumeration("Provider", "name") == ProviderName.allCases.map(\.rawValue))
        #expect(try enumeration("PaymentInput", "currency") == Currency.all.map(\.rawValue))
        let error = try #require(try Self.property("Error", "error")["properties"] as? [String: Any])
        #expect((error["code"] as? [String: Any])?["enum"] as? [String] == ErrorCode.allCases.map(\.rawValue), "the error codes are the catalogue")
    }

    @Test func everyReferenceResolves() throws {
        let document = try Self.document
        var references: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(references.count > 20)
        for reference in Set(references) {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference)")
            let section = (document["components"] as? [String: Any])?[parts[2]] as? [String: Any]
            #expect(section?[parts[3]] != nil, "unresolved $ref \(reference)")
        }
    }

    /// A limit is written once: the rule a shape declares is both the schema's limit and the
    /// decoder's. Changing nothing but the rule's constant moves both.
    @Test(arguments: [5, 8]) func oneRuleDrivesTheSchemaAndThe400(limit: Int) throws {
        struct Body: APIInput {
            var name = ""
            static let shape = Shape<Body>(nil) {}
        }
        // The one constant: everything below reads it.
        let rule = TextRule(length: 1...limit)
        let shape = Shape<Body>(nil) { Required("name", \.name, .text(rule)) }
        let schema = try JSONSerialization.jsonObject(with: JSONEncoder().encode(shape.schema(in: SchemaComponents()))) as? [String: Any]
        let name = try #require((schema?["properties"] as? [String: Any])?["name"] as? [String: Any])
        #expect(name["maxLength"] as? Int == limit)
        #expect(try shape.read(.object(["name": .string(String(repeating: "x", count: limit))])).name.count == limit)
        #expect(throws: PaymentsError.invalid("name", "name must be 1 to \(limit) characters.")) {
            try shape.read(.object(["name": .string(String(repeating: "x", count: limit + 1))]))
        }
    }

    /// "Not all blank" is the document's `\S` exactly (ECMA-262's white space): a text the
    /// pattern accepts the service accepts, and the reverse. U+0085 is white space to Swift, not
    /// to ECMA-262 (schemathesis found the difference).
    @Test func notBlankMeansWhatThePatternSays() {
        let rule = TextRule(length: 1...10, notBlank: true)
        #expect(rule.pattern == "\\S")
        let blank = [" ", "\t\n\r\u{0B}\u{0C}", "\u{A0}", "\u{2028}\u{2029}", "\u{3000}", "\u{FEFF}", "\u{2000}\u{200A}"]
        let notBlank = ["\u{85}", "\u{180E}", "\u{200B}", "a", " a "]
        for text in blank { #expect(!rule.accepts(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) }) is blank") }
        for text in notBlank { #expect(rule.accepts(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) }) is not blank") }
    }

    /// The same for the real routes: the served schema's limit is the domain's rule, and one past
    /// it is a 400 naming the parameter.
    @Test func theServedLimitsAreTheDomainsRules() async throws {
        #expect(try Self.property("PlanInput", "name")["maxLength"] as? Int == Plan.nameRule.length.upperBound)
        #expect(try Self.property("PlanInput", "key")["pattern"] as? String == Plan.keyRule.pattern)
        #expect(try Self.property("PaymentInput", "amount")["maximum"] as? Int64 == Money.chargeRule.range.upperBound)
        #expect(try Self.property("CustomerInput", "email")["maxLength"] as? Int == Customer.emailRule.length.upperBound)
        try await TestAPI.run(.sqlite) { api in
            let (_, key) = try await api.createApp()
            let long = String(repeating: "n", count: Plan.nameRule.length.upperBound + 1)
            let plan = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: #"{"key":"pro","name":"\#(long)","prices":[{"key":"m","type":"one_time","amount":1,"currency":"usd"}]}"#
            )
            #expect(plan.status == .badRequest && plan.errorParam == "name", "\(plan.text)")
            let bigAmount = try await api.request(
                .post,
                "/v1/payments",
                key: key,
                json: #"{"customer":"c","amount":\#(Money.chargeRule.range.upperBound + 1),"currency":"usd","payment_method":"pm"}"#
            )
            #expect(bigAmount.status == .badRequest && bigAmount.errorParam == "amount", "\(bigAmount.text)")
            let metadata = try await api.request(
                .put,
                "/v1/customers/org_1",
                key: key,
                json: #"{"metadata":{"k":"\#(String(repeating: "v", count: Metadata.valueRule.length.upperBound + 1))"}}"#
            )
            #expect(metadata.status == .badRequest && metadata.errorParam == "metadata[k]", "\(metadata.text)")
            let price = try await api.request(
                .post,
                "/v1/plans",
                key: key,
                json: #"{"key":"pro","name":"Pro","prices":[{"key":"m","type":"one_time","amount":1,"currency":"usd","interval":"month"}]}"#
            )
            #expect(price.status == .badRequest && price.errorParam == "prices[0][interval]", "a field of another kind of price: \(price.text)")
        }
    }
}
