#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way the executables (`activityd`, `activityctl`, `activity-web`, `activity-bench`) tell their user
/// about an error or a warning: one line on stderr, `<program>: <message>` or `<program>: warning: <message>`,
/// written with a single `write(2)` so that lines from several threads never interleave.
///
/// Usage errors found while parsing the command line stay swift-argument-parser's (`Error: …` with the usage,
/// exit status 64), and errors thrown out of an `activityctl` subcommand go through its `exit(withError:)`:
/// the CLI golden tests pin both. The daemons' own diagnostics once running are log records (swift-log), not
/// user-facing errors.
public struct Diagnostics: Sendable {
    /// The name every line starts with.
    public let program: String

    /// Lines of `program`.
    public init(program: String) { self.program = program }

    /// The exit statuses the executables share.
    public enum Status {
        /// The command failed.
        public static let failure: Int32 = 1
        /// activity-bench: bad arguments.
        public static let usage: Int32 = 2
        /// activityctl: a read met damaged regions; the answer may be incomplete.
        public static let damage: Int32 = 3
        /// `EX_CONFIG` (sysexits.h): the configuration file cannot be used.
        public static let configuration: Int32 = 78
    }

    /// Formats an error line: `program: message`.
    public func errorLine(_ message: String) -> String { "\(program): \(message)" }

    /// Formats a warning line: `program: warning: message`.
    public func warningLine(_ message: String) -> String { "\(program): warning: \(message)" }

    /// Prints `program: message` on stderr.
    public func error(_ message: String) { Self.writeLine(errorLine(message)) }

    /// Prints `program: warning: message` on stderr.
    public func warning(_ message: String) { Self.writeLine(warningLine(message)) }

    /// Prints `program: message` on stderr and exits with `status` (for code outside swift-argument-parser's
    /// commands; a command prints with ``error(_:)`` and throws its `ExitCode`).
    public func fail(_ message: String, status: Int32 = Status.failure) -> Never {
        error(message)
        exit(status)
    }

    private static func writeLine(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}
