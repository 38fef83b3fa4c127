import ArgumentParser
import Logging

/// Where a server listens and how much it logs: shared by `apiserver`, `sandbox` and `serve`.
struct ListenOptions: ParsableArguments {
    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 6443

    @Option(help: "Address to listen on.")
    var bindAddress: String = "127.0.0.1"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level") }
    }
}
