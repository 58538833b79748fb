import ArgumentParser
import Logging
import ActivityConfig
import ActivityStore
import ActivityDaemon
import ActivityModel
import ActivityCLI

#if canImport(Glibc)
import Glibc
#endif

@main
struct ActivityDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activityd",
        abstract:
            "Collects login, activity and admin events from journald, syslog files and UDP into indexed segment files.",
        discussion: """
            Logs its own diagnostics to stderr (journald takes them under systemd).
            Signals: SIGTERM/SIGINT stop gracefully (inputs stop, queues drain, segments fsync); SIGHUP reloads
            enrichment databases and IP lists.

            Examples:
              activityd --config /etc/activityd/activityd.toml
              activityd --config etc/activityd.dev.toml --check-config
            """,
        version: activitydVersion
    )

    @Option(name: .shortAndLong, help: "Configuration file (TOML).")
    var config = "/etc/activityd/activityd.toml"

    @Flag(help: "Load and validate the configuration, print what it resolves to, and exit.")
    var checkConfig = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    mutating func run() async throws {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(path: config)
        } catch {
            diagnostics.error("\(error)")
            throw ExitCode(Diagnostics.Status.configuration)
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let logger = bootstrapStandardErrorLogging(label: "activityd", level: level)
        let log = logger
        for k in configuration.unknownKeys {
            logger.warning("unknown configuration key ignored", metadata: ["config.key": "\(k)"])
        }
        if checkConfig {
            print("configuration OK: \(config)")
            print("  data_dir = \(configuration.dataDir)")
            print(
                "  store: segment_max_bytes=\(configuration.store.segmentMaxBytes) fsync=\(configuration.store.fsync.rawValue)"
            )
            if let seal = configuration.store.seal {
                do {
                    let k = try SealKeyState.load(path: seal)
                    print("  store.seal: \(seal) (epoch \(k.epoch), key evolves every \(k.interval / 1_000_000_000) s)")
                } catch {
                    diagnostics.error("store.seal: \(error) (make it with: activityctl setup-keys)")
                    throw ExitCode(Diagnostics.Status.failure)
                }
            }
            for u in configuration.udp {
                print("  input.udp: listen=\(u.listen.map(\.description)) allow=\(u.allow.map(\.description))")
            }
            for f in configuration.files {
                print("  input.file: paths=\(f.paths) start_at=\(f.startAt.rawValue) format=\(f.format.rawValue)")
            }
            if let j = configuration.journald {
                print("  input.journald: directory=\(j.directory ?? "(system)") files=\(j.files) matches=\(j.matches)")
            }
            if let n = configuration.natsInput {
                print(
                    "  input.nats: servers=\(n.connection.servers) stream=\(n.connection.stream) consumer=\(n.consumer) subjects=\(n.subjects)"
                )
            }
            if let f = configuration.forwardNATS {
                print(
                    "  forward.nats: servers=\(f.connection.servers) stream=\(f.connection.stream) (replicas \(f.connection.replicas)) subject=\(f.subject) host_id=\(f.hostID)"
                )
            }
            for l in configuration.iplists { print("  enrich.iplist: \(l.name) (\(l.tag)) \(l.path)") }
            let risk = configuration.risk
            if risk.enabled {
                print(
                    "  risk: block=\(RiskPolicy.names(risk.policy.block)) challenge=\(RiskPolicy.names(risk.policy.challenge)) accounts=\(risk.accounts.keys.sorted()) max_users=\(risk.maxUsers)"
                )
            } else {
                print("  risk: disabled")
            }
            if let listen = configuration.api.listen {
                print(
                    "  api: listen=\(listen) tokens=\(configuration.api.tokens.count) record=\(configuration.api.record)"
                )
            }
            if !configuration.unknownKeys.isEmpty {
                print("  unknown keys: \(configuration.unknownKeys.joined(separator: ", "))")
            }
            return
        }
        let daemon = Daemon(configuration: configuration, logger: logger, configPath: config)
        do {
            try await daemon.run { addresses in
                log.notice("ready", metadata: ["udp": "\(addresses.map { "\($0)" }.joined(separator: " "))"])
            }
        } catch {
            logger.critical("activityd failed", metadata: ["error": "\(error)"])
            throw ExitCode(Diagnostics.Status.failure)
        }
    }
}

/// activityd's user-facing error lines (before logging is set up: configuration errors).
let diagnostics = Diagnostics(program: "activityd")
