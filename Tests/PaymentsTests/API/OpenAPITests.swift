import Foundation
import PaymentsDomain
@testable import PaymentsHTTP
import PaymentsStore
import Testing

@Suite struct OpenAPITests {
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
        }
    }

    @Test func theEnumsListWhatTheServiceHas() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func enumeration(_ schema: String, _ property: String) -> [String]? {
            (((schemas[schema] as? [String: Any])?["properties"] as? [String: Any])?[property] as? [String: Any])?["enum"] as? [String]
        }
        #expect(enumeration("AuditLog", "action_type") == AuditAction.allCases.map(\.rawValue))
        #expect(enumeration("Subscription", "status") == Subscription.Status.allCases.map(\.rawValue))
        #expect(enumeration("Payment", "status") == Payment.Status.allCases.map(\.rawValue))
        #expect(enumeration("Refund", "status") == Refund.Status.allCases.map(\.rawValue))
        #expect(enumeration("Provider", "name") == ProviderName.allCases.map(\.rawValue))
        let currencies = ((schemas["PaymentInput"] as? [String: Any])?["properties"] as? [String: Any])?["currency"] as? [String: Any]
        #expect((currencies?["enum"] as? [String])?.allSatisfy { Currency(rawValue: $0) != nil } == true)
    }

    @Test func everyReferenceResolves() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
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
}

