import Foundation
import Testing

/// Every test in this target runs serially: some set process-wide environment variables (`NOTIFY_SOCKET`,
/// `WATCHDOG_USEC`, `LISTEN_FDS`), and `setenv` racing with `getenv` elsewhere in the process (Foundation's
/// `Process` reads the environment) is undefined behaviour in glibc.
@Suite(.serialized)
enum SystemdJournalTestSuite {}

/// One export-format entry: ordered fields; values may be arbitrary bytes.
struct ExportEntry {
    var fields: [(String, [UInt8])]

    /// An entry with the address fields systemd-journal-remote needs, plus `extra`.
    init(
        realtime: UInt64, monotonic: UInt64, bootID: String = "0123456789abcdef0123456789abcdef",
        _ extra: [(String, String)]
    ) {
        fields = [
            ("__REALTIME_TIMESTAMP", Array(String(realtime).utf8)),
            ("__MONOTONIC_TIMESTAMP", Array(String(monotonic).utf8)),
            ("_BOOT_ID", Array(bootID.utf8)),
        ]
        fields += extra.map { ($0.0, Array($0.1.utf8)) }
    }

    /// Serializes in the Journal Export Format: text fields as `NAME=value\n`, fields holding a newline or
    /// non-UTF-8 bytes in the binary form (`NAME\n`, 64-bit little-endian length, bytes, `\n`).
    func exportBytes() -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            let textual = !value.contains(10) && String(validating: value, as: UTF8.self) != nil
            out += Array(name.utf8)
            if textual {
                out.append(UInt8(ascii: "="))
                out += value
            } else {
                out.append(10)
                withUnsafeBytes(of: UInt64(value.count).littleEndian) { out += $0 }
                out += value
            }
            out.append(10)
        }
        out.append(10)
        return out
    }
}

/// A temporary directory with helpers to write real journal files with `systemd-journal-remote`.
final class JournalFixture {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("systemd-journal-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The systemd-journal-remote binary; the tests fail (not skip) without it, so CI cannot pass vacuously.
    static func remoteBinary() throws -> String {
        for path in ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw FixtureError(
            "systemd-journal-remote not found in /lib/systemd or /usr/lib/systemd: install the Debian package "
                + "systemd-journal-remote (apt-get install -y systemd-journal-remote)")
    }

    /// Writes `entries` as export text and runs `systemd-journal-remote -o <dir>/<name>` on it; creates the
    /// journal file or appends to it.
    @discardableResult
    func writeJournal(_ entries: [ExportEntry], name: String = "test.journal", into subdirectory: String? = nil) throws
        -> String
    {
        var dir = directory
        if let subdirectory {
            dir = dir.appendingPathComponent(subdirectory, isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let export = directory.appendingPathComponent("input-\(UUID().uuidString).export")
        try Data(entries.flatMap { $0.exportBytes() }).write(to: export)
        let output = dir.appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.remoteBinary())
        process.arguments = ["-o", output, export.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(
                "systemd-journal-remote failed (\(process.terminationStatus)): \(String(decoding: message, as: UTF8.self))"
            )
        }
        return output
    }

    func path(_ subdirectory: String) -> String { directory.appendingPathComponent(subdirectory).path }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A base time for test entries: 2026-11-22T10:00:00Z in microseconds.
let baseMicroseconds: UInt64 = 1_795_341_600_000_000

/// Login-ish entries `count` long, one second apart, with messages `message <i>`.
func sampleEntries(_ count: Int, start: Int = 0, realtimeBase: UInt64 = baseMicroseconds) -> [ExportEntry] {
    (start..<(start + count)).map { i in
        let program = i % 2 == 0 ? "sshd" : "sudo"
        let realtime: UInt64 = realtimeBase + UInt64(i) * 1_000_000
        let monotonic: UInt64 = 1_000_000 + UInt64(i) * 1_000_000
        let fields: [(String, String)] = [
            ("_HOSTNAME", "testhost"),
            ("SYSLOG_IDENTIFIER", program),
            ("_COMM", program),
            ("_PID", String(1000 + i)),
            ("PRIORITY", "5"),
            ("SYSLOG_FACILITY", "10"),
            ("MESSAGE", "message \(i)"),
        ]
        return ExportEntry(realtime: realtime, monotonic: monotonic, fields)
    }
}
