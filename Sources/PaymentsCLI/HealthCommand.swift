import ArgumentParser
import AsyncHTTPClient
import Foundation

/// `payments health`: the container's health check, with nothing else installed beside the
/// binary (no curl in the image).
struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a running server's /health; exit 0 when it answers 200 (the database answers), 1 otherwise."
    )

    @Option(help: "The server's base URL (default http://127.0.0.1:PORT, PORT from the environment, else 8080).")
    var url: String?

    func run() async throws {
        let port = ProcessInfo.processInfo.environment["PORT"] ?? "8080"
        let target = (url ?? "http://127.0.0.1:\(port)") + "/health"
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: target), timeout: .seconds(5))
            guard response.status == .ok else {
                print("unhealthy: \(target) answered \(response.status.code)")
                throw ExitCode(1)
            }
            print("healthy: \(target)")
        } catch let error as ExitCode {
            throw error
        } catch {
            print("unhealthy: \(target): \(error)")
            throw ExitCode(1)
        }
    }
}
