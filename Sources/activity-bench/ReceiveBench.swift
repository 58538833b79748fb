import ActivityCLI
import ActivityConfig
import ActivityDaemon
import ActivityModel
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `activity-bench receive --config FILE --out FILE [--fields seq|all]`: the real daemon (`Daemon`, the code
/// `activityd` runs) with an observer composed in from outside that appends each stored event to a JSON-lines
/// file, after its segment write succeeded. The peer benchmark kit (`KIT` in scripts/bench-vs-syslog-ng.sh, which
/// runs this as the receiver) counts the generator's `seq` values in such a file; production code has no mirror.
///
/// `--fields seq` (default) writes `{"seq":"N"}` per event, only what the kit counts; `all` writes the whole event
/// as `activityctl export` prints it, a second full output that only the benchmark asks for.
func runReceiveBenchmark(arguments: [String]) async {
    var config: String?
    var out: String?
    var fields = MirrorFields.seq
    var level = Logger.Level.warning
    var i = 0
    while i < arguments.count {
        let a = arguments[i]
        let v = i + 1 < arguments.count ? arguments[i + 1] : nil
        switch a {
        case "--config": config = v; i += 2
        case "--out": out = v; i += 2
        case "--fields":
            guard let v, let f = MirrorFields(rawValue: v) else { fail("--fields: expected seq or all") }
            fields = f; i += 2
        case "--log-level":
            guard let v, let l = Logger.Level(rawValue: v) else { fail("--log-level: expected a swift-log level") }
            level = l; i += 2
        default: fail("unknown option \(a)")
        }
    }
    guard let config, let out else { fail("usage: activity-bench receive --config FILE --out FILE [--fields seq|all]") }
    let configuration: DaemonConfiguration
    do { configuration = try DaemonConfiguration.load(path: config) } catch { fail("\(config): \(error)") }
    let logger = bootstrapStandardErrorLogging(label: "activity-bench.receive", level: level)
    guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out)
    else {
        fail("cannot create \(out)")
    }
    let daemon = Daemon(configuration: configuration, logger: logger, configPath: config) { [fields] events, _ in
        var w = JSONWriter(capacity: events.count * fields.typicalLineBytes)
        for e in events { fields.write(e, to: &w); w.newline() }
        try? file.write(contentsOf: UnsafeRawBufferPointer(w.output.buffer))
    }
    do {
        try await daemon.run { [logger] addresses in
            logger.notice("ready", metadata: ["udp": "\(addresses.map { "\($0)" }.joined(separator: " "))"])
        }
    } catch {
        fail("daemon failed: \(error)")
    }
}

/// What `receive` writes of each stored event.
enum MirrorFields: String, Sendable {
    /// The whole event as `activityctl export` prints it (without the store's seq).
    case all
    /// Only the sender's `seq` attribute (`{"seq":"123"}`, `{}` without one): what the kit counts.
    case seq

    /// A line's usual size, to size a batch's buffer once.
    var typicalLineBytes: Int { self == .all ? 640 : 32 }

    func write(_ e: ActivityEvent, to w: inout JSONWriter) {
        switch self {
        case .all:
            e.appendExportJSON(to: &w, includeSeq: false)
        case .seq:
            w.begin()
            if let s = e.attrs["seq"] { w.field("seq", s) }
            w.end()
        }
    }
}

private func fail(_ message: String) -> Never {
    Diagnostics(program: "activity-bench receive").fail(message, status: Diagnostics.Status.usage)
}
