import Foundation
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

    @Test func everyReferenceResolves() throws {
        let text = try #require(String(data: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(OpenAPIDocumentText.value.utf8))), encoding: .utf8))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let components = try #require(document["components"] as? [String: [String: Any]])
        let references = text.components(separatedBy: "\"$ref\":\"#\\/components\\/").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(!references.isEmpty)
        for reference in references {
            let parts = reference.components(separatedBy: "\\/")
            #expect(parts.count == 2 && components[parts[0]]?[parts[1]] != nil, "unresolved $ref \(reference)")
        }
    }
}

@testable import PaymentsHTTP

enum OpenAPIDocumentText {
    static var value: String { OpenAPIDocument.json }
}
