import ActivityCLI
import ActivityConfig
import ActivityWeb
import ArgumentParser
import Foundation
import Logging

@main
struct ActivityWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activity-web",
        abstract: "Serves activityd's segments read-only: the console pages and the JSON API under /api/v1/.",
        discussion: """
            Reads data_dir and [web] from the daemon's configuration file; never writes segments. \
            Listens on loopback unless TLS is configured (web.tls_certificate, web.tls_key).

            Examples:
              activity-web --config /etc/activityd/activityd.toml
              activity-web --config etc/activityd.dev.toml --check-config
              printf '%s' 'the password' | activity-web --hash-password
            """
    )

    @Option(help: "The activityd configuration file ([web] and data_dir).") var config = "/etc/activityd/activityd.toml"
    @Option(name: .customLong("data-dir"), help: "Read this data directory instead of the configuration's data_dir.")
    var dataDir: String?
    @Option(help: "Listen here instead of web.listen (loopback only; port 0 picks a free port).") var listen: String?
    @Flag(help: "Check the configuration, print a summary and exit.") var checkConfig = false
    @Flag(help: "Read a password on stdin and print its bcrypt hash for web.user[].bcrypt.") var hashPassword = false
    @Option(help: .hidden) var bcryptCost: UInt8 = 12
    @Option(help: "trace, debug, info, notice, warning, error.") var logLevel = "info"

    func run() async throws {
        if hashPassword {
            var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw ValidationError("--hash-password: no password on stdin") }
            guard (4...16).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost: 4 to 16") }
            print(WebServer.hashPassword(text, cost: bcryptCost))
            return
        }
        let c: DaemonConfiguration
        do { c = try DaemonConfiguration.load(path: config) } catch {
            diagnostics.error("\(error)")
            throw ExitCode(Diagnostics.Status.configuration)
        }
        for k in c.unknownKeys { diagnostics.warning("unknown configuration key \(k)") }
        var listenAt = c.web.listen
        if let listen {
            guard let hp = HostPort(listen) else { throw ValidationError("--listen: not host:port") }
            if let problem = c.web.listenProblem(hp) { throw ValidationError("--listen: \(problem)") }
            listenAt = hp
        }
        do { _ = try WebServer.sessionKey(c.web); _ = try WebServer.tlsConfiguration(c.web) } catch {
            diagnostics.error("\(error)")
            throw ExitCode(Diagnostics.Status.configuration)
        }
        let data = dataDir ?? c.dataDir
        if checkConfig {
            print(
                "activity-web: configuration OK: data_dir \(data), listen \(c.web.hasTLS ? "https" : "http")://\(listenAt), \(c.web.users.count) user(s), \(c.web.tokens.count) token(s), audit \(c.web.auditTo.map { "\($0)" } ?? "off")"
            )
            if c.web.users.isEmpty && c.web.tokens.isEmpty {
                print("activity-web: warning: no [[web.user]] or [[web.token]]: nobody can log in")
            }
            return
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level: trace, debug, info, notice, warning or error")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "activity-web")
        try await WebServer.run(dataDirectory: data, configuration: c.web, listen: listenAt, logger: logger) {
            address in
            // Tests and the quick start read this line.
            FileHandle.standardOutput.write(
                Data("activity-web: listening on \(c.web.hasTLS ? "https" : "http")://\(address)/\n".utf8))
        }
    }
}

/// activity-web's user-facing error and warning lines.
let diagnostics = Diagnostics(program: "activity-web")
