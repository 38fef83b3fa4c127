import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Plain HTTP for setting up test servers (creating zones), independent of the code under test.
public enum TestHTTP {
    public static func request(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil) async throws -> (
        status: Int, body: String
    ) {
        guard let target = URL(string: url) else { throw TestServerError.setupFailed("bad URL \(url)") }
        var request = URLRequest(url: target, timeoutInterval: 10)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Polls `url` until it answers at all (any status).
    public static func waitUntilServing(_ url: String, process: ChildProcess, timeout: Duration = .seconds(30)) async throws {
        let up = await TestEnvironment.poll(timeout: timeout) { () -> Bool? in
            guard process.isRunning else { return false }
            return (try? await request("GET", url)) != nil ? true : nil
        }
        guard up == true else { throw TestServerError.didNotStart(process.logFile.lastPathComponent, log: process.log) }
    }
}
