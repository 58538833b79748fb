import ArgumentParser
import ActivityConfig
import ActivityModel
import ActivityReports
import ActivityStore
import ActivityCLI

#if canImport(Glibc)
import Glibc
#endif

@main
struct ActivityCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activityctl",
        abstract: "Reads activityd's segment files and answers questions about logins and activity.",
        discussion: """
            activityctl reads the segments directly (no daemon needed), like journalctl reads journals. \
            The data directory is --data-dir, else data_dir of --config, else /etc/activityd/activityd.toml's, \
            else /var/lib/activityd. `activityctl <subcommand> --help` shows each subcommand's options and examples. \
            Tables escape control and bidi characters; JSON and CSV do too on a terminal (JSON escapes, so the \
            values are the same), and keep the bytes exact when written to a file or a pipe.

            Examples:
              activityctl events --user alice --since -7d
              activityctl --data-dir /srv/activityd users --tz Europe/Berlin
              activityctl report suspicious --since -30d
              activityctl export --csv --since 2026-11-01 > activity.csv
            """,
        version: "0.1.0",
        subcommands: [
            Events.self, Users.self, Report.self, Export.self, Tail.self, Send.self, Check.self, Verify.self,
            SetupKeys.self, Stats.self,
        ]
    )

    /// Accepts the global options before the subcommand too (`activityctl --data-dir DIR events`, as
    /// journalctl users type them) by moving them after it.
    static func main() async {
        var args = Array(CommandLine.arguments.dropFirst())
        var moved: [String] = []
        var i = 0
        while i < args.count, args[i].hasPrefix("-") {
            let a = args[i]
            if a == "--data-dir" || a == "--config", i + 1 < args.count {
                moved += [a, args[i + 1]]
                args.removeSubrange(i...(i + 1))
            } else if a.hasPrefix("--data-dir=") || a.hasPrefix("--config=") {
                moved.append(a)
                args.remove(at: i)
            } else {
                i += 1
            }
        }
        // After the whole subcommand path: options may follow the leaf subcommand in any order.
        args += moved
        do {
            var command = try parseAsRoot(args)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Where the data is: shared by every subcommand that reads segments.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The activityd data directory (holds segments/).")
    var dataDir: String?

    @Option(name: .customLong("config"), help: "Read data_dir from this configuration file.")
    var config: String?

    func resolve() throws -> String {
        if let dataDir { return dataDir }
        if let config {
            do { return try DaemonConfiguration.load(path: config).dataDir } catch {
                throw ValidationError("\(error)")
            }
        }
        if access("/etc/activityd/activityd.toml", R_OK) == 0,
            let c = try? DaemonConfiguration.load(path: "/etc/activityd/activityd.toml")
        {
            return c.dataDir
        }
        return "/var/lib/activityd"
    }

    func openReader() throws -> StoreReader {
        let dir = try resolve()
        do {
            return try StoreReader(dataDirectory: dir)
        } catch  where error.code == .permission {
            throw CLIError(
                "cannot read \(dir): permission denied. Run as root or as a member of the group that owns it (the activityd service's group)."
            )
        } catch {
            throw CLIError("cannot open the data directory: \(error)")
        }
    }
}

/// activityctl's warning and error lines printed beside its answer (errors thrown out of a subcommand go through
/// swift-argument-parser's `exit(withError:)`).
let diagnostics = Diagnostics(program: "activityctl")

/// Reads report what they met. Every subcommand that reads events prints, after its answer, each damaged region
/// the reader skipped or read around (`activityctl: warning: PATH: offset N: why`), and exits with status 3 when
/// there was any: the answer may be incomplete, and scripts must be able to tell. `activityctl verify` says more;
/// `verify --repair` (daemon stopped) rebuilds indexes.
struct DamageReport {
    /// Exit status of a read that met damage (1 stays "the command failed", 2 "bad usage").
    static let exitStatus = Diagnostics.Status.damage
    private var printed = 0

    /// Prints the damage met since the last call (`tail -f` calls it as it follows).
    mutating func printNew(_ reader: StoreReader) {
        let damage = reader.damage
        guard printed < damage.count else { return }
        for d in damage[printed...] { diagnostics.warning("\(d)") }
        printed = damage.count
    }

    /// Prints what is left and fails the command when the read met any damage. Call after the answer is flushed.
    mutating func finish(_ reader: StoreReader) throws {
        printNew(reader)
        guard printed > 0 else { return }
        diagnostics.error(
            "\(printed) damaged region(s) met; the answer above may be incomplete (run activityctl verify)")
        throw ExitCode(DamageReport.exitStatus)
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// What `--format` help says about machine-readable output on a terminal (see ``Output``).
let terminalNote =
    "On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact."

/// Writes to stdout through one buffer (printing millions of lines with `print` is slow).
///
/// `raw` and `line` write text as it is: tables (already escaped cell by cell) and messages. Machine-readable
/// output made of stored data goes through `json` and `csv`: exact bytes to a file or a pipe, but on a
/// terminal what would act on it (ESC, BEL, C1 controls, bidi overrides...) is escaped, as JSON escapes or
/// visibly (`TerminalText.escapedKeepingStructure`).
struct Output {
    var buffer: [UInt8] = []
    /// Whether stdout is a terminal (checked once).
    let isTerminal: Bool
    init(isTerminal: Bool = isatty(1) == 1) {
        self.isTerminal = isTerminal
        buffer.reserveCapacity(1 << 16)
    }
    /// One line of JSON (or a piece of a JSON document) made of stored data.
    mutating func json(_ s: String) {
        line(isTerminal ? TerminalText.escapedKeepingStructure(s, style: .json) : s)
    }
    /// CSV records made of stored data.
    mutating func csv(_ s: String) {
        raw(isTerminal ? TerminalText.escapedKeepingStructure(s, style: .visible) : s)
    }
    mutating func raw(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }
    mutating func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }
    mutating func flush() {
        var off = 0
        buffer.withUnsafeBytes { b in
            while off < b.count {
                let n = write(1, b.baseAddress! + off, b.count - off)
                if n <= 0 { if errno == EINTR { continue }; exit(0) }  // a closed pipe (`| head`) ends output quietly
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
