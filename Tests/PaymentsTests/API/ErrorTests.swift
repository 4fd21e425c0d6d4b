import Foundation
import HTTPTypes
import PaymentsStore
import Testing

@Suite struct ErrorTests {
    @Test(arguments: TestDatabase.engines) func badInputNamesTheParameter(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let (_, key) = try await api.createApp()
            let cases: [(String, String, String?)] = [
                (#"{"name":5}"#, "parameter_invalid", "name"),
                (#"{"nmae":"x"}"#, "parameter_unknown", "nmae"),
                (#"{"metadata":{"a":1}}"#, "parameter_invalid", "metadata[a]"),
                (#"{"metadata":"x"}"#, "parameter_invalid", "metadata"),
                (#"{"email":"not-an-email"}"#, "parameter_invalid", "email"),
                (#"{bad json"#, "invalid_json", nil),
                (#"[1,2]"#, "invalid_json", nil),
            ]
            for (body, code, param) in cases {
                let reply = try await api.request(.put, "/v1/customers/org_1", key: key, json: body)
                #expect(reply.status == .badRequest, "\(body)")
                #expect(reply.errorCode == code, "\(body): \(reply.text)")
                #expect(reply.errorParam == param, "\(body): \(reply.text)")
                let error = try #require(reply.json["error"] as? [String: Any])
                #expect(error["type"] as? String == "invalid_request_error")
                #expect((error["message"] as? String)?.isEmpty == false)
            }
            let missing = try await api.admin(.post, "/admin/v1/apps", json: #"{"mode":"test"}"#)
            #expect(missing.status == .badRequest && missing.errorCode == "parameter_missing" && missing.errorParam == "name")
            let badMode = try await api.admin(.post, "/admin/v1/apps", json: #"{"name":"x","mode":"prod"}"#)
            #expect(badMode.status == .badRequest && badMode.errorParam == "mode")
            let form = try await api.request(.put, "/v1/customers/org_1", key: key, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .badRequest && form.errorCode == "unsupported_media_type")
            for type in ["application\u{0F}json", "text/json", "application/xml"] {
                let refused = try await api.request(.put, "/v1/customers/org_1", key: key, json: "{}", headers: [.contentType: type])
                #expect(refused.status == .badRequest && refused.errorCode == "unsupported_media_type", "\(type)")
            }
            for type in ["application/json", "Application/JSON; charset=utf-8", "APPLICATION/JSON"] {
                let taken = try await api.request(.put, "/v1/customers/org_1", key: key, json: "{}", headers: [.contentType: type])
                #expect(taken.status == .ok || taken.status == .created, "\(type): \(taken.text)")
            }
        }
    }

    @Test(arguments: TestDatabase.engines) func unknownRoutesAndBigBodiesAnswerInTheEnvelope(engine: SQLEngine) async throws {
        try await TestAPI.run(engine, configure: { $0.bodyLimit = 4096 }) { api in
            let (_, key) = try await api.createApp()
            let unknown = try await api.request(.get, "/v1/nothing-here", key: key)
            #expect(unknown.status == .notFound && unknown.errorCode == "route_not_found")
            #expect(unknown.headers[.testRequestID]?.hasPrefix("req_") == true)
            // A declared path with a method it does not serve is not found either, in the same envelope.
            let wrongMethod = try await api.request(.get, "/v1/entitlements/check", key: key)
            #expect(wrongMethod.status == .notFound && wrongMethod.errorCode == "route_not_found")
            let big = try await api.request(.put, "/v1/customers/org_1", key: key, json: #"{"name":""# + String(repeating: "x", count: 5000) + #""}"#)
            #expect(big.status == .contentTooLarge && big.errorCode == "request_too_large")
        }
    }

    @Test(arguments: TestDatabase.engines) func everyResponseCarriesARequestID(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            var seen = Set<String>()
            for reply in [
                try await api.request(.get, "/health"), try await api.request(.get, "/v1/customers"),
                try await api.request(.get, "/nowhere"), try await api.admin(.get, "/admin/v1/apps"),
            ] {
                let id = try #require(reply.headers[.testRequestID])
                #expect(id.hasPrefix("req_"))
                seen.insert(id)
            }
            #expect(seen.count == 4)
        }
    }
}

@Suite struct OperationsTests {
    @Test(arguments: TestDatabase.engines) func healthChecksTheDatabaseAndMetricsCountRequests(engine: SQLEngine) async throws {
        try await TestAPI.run(engine) { api in
            let health = try await api.request(.get, "/health")
            #expect(health.status == .ok && health.string("database") == "ok")
            let (_, key) = try await api.createApp()
            try await api.request(.get, "/v1/customers", key: key)
            try await api.request(.get, "/v1/customers")
            let metrics = try await api.request(.get, "/metrics")
            #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/v1/customers",status="200"} 1"#))
            #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/v1/customers",status="401"} 1"#))
            #expect(metrics.text.contains("http_request_duration_seconds_bucket"))
            #expect(metrics.text.contains(#"db_pool_connections{state="capacity"}"#))
            #expect(metrics.text.contains("# HELP http_requests_total HTTP requests answered"), "each metric says what it counts")
        }
    }

    @Test func healthAnswers503WhenTheDatabaseIsGone() async throws {
        try await TestAPI.run(.sqlite) { api in
            try await api.store.backend.shutdown()
            let health = try await api.request(.get, "/health")
            #expect(health.status == .serviceUnavailable && health.string("database") == "unreachable")
        }
    }
}
