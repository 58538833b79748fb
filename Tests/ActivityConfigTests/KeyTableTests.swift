import ActivityConfig
import ActivityModel
import Foundation
import Testing

/// Table tests over `DaemonConfiguration.keys`, the one table of every key: each key given a value of the wrong
/// kind is refused with an error that names that key (so an operator knows which line to fix), and a key the
/// daemon does not know is reported, never silently dropped. Generic over the table, so a new key is covered the
/// day it is added.
@Suite("configuration key table")
struct KeyTableTests {
    /// Valid values of the keys an array-of-tables entry cannot go without, so that the entry under test fails on
    /// the key under test and nothing else.
    static let required: [String: [(String, String)]] = [
        "input.file[]": [("paths", #"["/var/log/auth.log"]"#)],
        "enrich.iplist[]": [("name", #""corp""#), ("tag", #""vpn""#), ("path", #""/dev/null""#)],
        "api.token[]": [("name", #""app""#), ("sha256", "\"" + String(repeating: "0", count: 64) + "\"")],
        "web.user[]": [
            ("name", #""ann""#), ("bcrypt", #""$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234""#),
            ("roles", #"["admin"]"#),
        ],
        "web.token[]": [
            ("name", #""tok""#), ("sha256", "\"" + String(repeating: "0", count: 64) + "\""), ("roles", #"["admin"]"#),
        ],
    ]

    /// A TOML document that sets `path` (`a.b.c`, or `a.b[].c` for an array of tables) to `value`.
    static func document(_ path: String, _ value: String) -> String {
        var parts = path.split(separator: ".").map(String.init)
        let key = parts.removeLast()
        guard !parts.isEmpty else { return "\(key) = \(value)\n" }
        let table = parts.joined(separator: ".")
        guard table.hasSuffix("[]") else { return "[\(table)]\n\(key) = \(value)\n" }
        let others = (required[table] ?? []).filter { $0.0 != key }.map { "\($0.0) = \($0.1)\n" }.joined()
        return "[[\(table.dropLast(2))]]\n" + others + "\(key) = \(value)\n"
    }

    /// A value no key of `type` accepts (nil: the type takes anything written as text, or a key the table
    /// describes by a pattern such as `risk.account.<name>.block`).
    static func wrong(for type: String) -> String? {
        switch type {
        case "int", "number", "size", "duration", "bool": return "\"not-a-\(type)\""
        case "path", "string", "hex", "subject", "host:port", "IANA zone": return "[1, 2]"
        default:
            if type.hasPrefix("[") { return "42" }  // a list
            if type.hasPrefix("{") { return "42" }  // a table
            if type.contains("|") { return "\"no-such-choice\"" }  // an enumeration
            return nil
        }
    }

    static let checked: [ConfigKey] = DaemonConfiguration.keys.filter {
        !$0.path.contains("<") && wrong(for: $0.type) != nil
    }

    @Test("a value of the wrong kind is refused, naming its key", arguments: checked.map(\.path))
    func wrongKind(_ path: String) throws {
        let key = try #require(DaemonConfiguration.keys.first { $0.path == path })
        let text = Self.document(key.path, try #require(Self.wrong(for: key.type)))
        do {
            let c = try DaemonConfiguration.parse(text)
            Issue.record("\(key.path) (\(key.type)) accepted \(text.debugDescription); unknown keys: \(c.unknownKeys)")
        } catch {
            // `input.udp[].listen` is reported as input.udp[0].listen: compare without the index.
            let said = error.keyPath.replacingOccurrences(of: #"\[\d+\]"#, with: "[]", options: .regularExpression)
            #expect(said == key.path, "\(key.path): the error names \(error.keyPath): \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("every table entry is a distinct, documented key")
    func tableIsWellFormed() {
        let paths = DaemonConfiguration.keys.map(\.path)
        #expect(Set(paths).count == paths.count, "duplicate keys")
        for k in DaemonConfiguration.keys {
            #expect(!k.type.isEmpty && !k.defaultValue.isEmpty && k.summary.count > 10, "\(k.path) is not documented")
        }
        // Every scalar type is covered by the wrong-kind test above.
        let unchecked = DaemonConfiguration.keys.filter { !$0.path.contains("<") && Self.wrong(for: $0.type) == nil }
        #expect(unchecked.isEmpty, "types without a wrong value: \(unchecked.map { "\($0.path) \($0.type)" })")
    }

    @Test(
        "unknown keys are reported with their full path, at every level",
        arguments: [
            ("colour = 1\n", "colour"),
            ("[store]\nfsink = \"batch\"\n", "store.fsink"),
            ("[[input.udp]]\nlisten = [\"127.0.0.1:0\"]\nallowed = []\n", "input.udp[0].allowed"),
            ("[risk]\nmax_user = 5\n", "risk.max_user"),
        ])
    func unknownKeys(_ text: String, _ reported: String) throws {
        let c = try DaemonConfiguration.parse(text)
        #expect(c.unknownKeys == [reported])
    }

    @Test(
        "errors say what is wrong and how to write it",
        arguments: [
            ("[store]\nfsync = \"sometimes\"\n", "store.fsync"),
            ("[store]\nsegment_max_bytes = \"big\"\n", "store.segment_max_bytes"),
            ("[risk]\nburst_window = \"soon\"\n", "risk.burst_window"),
            ("[risk]\nblock = [\"sneaky\"]\n", "risk.block"),
            ("[normalize]\ntimezone = \"Mars/Olympus\"\n", "normalize.timezone"),
        ])
    func messages(_ text: String, _ keyPath: String) {
        do {
            _ = try DaemonConfiguration.parse(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.keyPath == keyPath)
            #expect(error.description.hasPrefix(keyPath + ": "), "\(error)")
        }
    }

    /// Values parsed into the modules' own types here, once (addresses, zones, enumerations, flag sets): each bad
    /// value is refused with exactly this message, so nothing downstream re-parses or falls back.
    @Test(
        "typed values: the exact error for each bad value",
        arguments: [
            (
                "[[input.udp]]\nlisten = [\"127.0.0.1\"]\n",
                #"input.udp[0].listen: "127.0.0.1" is not host:port (IPv6 as [addr]:port)"#
            ),
            (
                "[[input.udp]]\nlisten = [\"::1:5514\"]\n",
                #"input.udp[0].listen: "::1:5514" is not host:port (IPv6 as [addr]:port)"#
            ),
            (
                "[[input.file]]\npaths = [\"/x\"]\nstart_at = \"middle\"\n",
                #"input.file[0].start_at: must be "end" or "beginning", not "middle""#
            ),
            (
                "[[input.file]]\npaths = [\"/x\"]\nformat = \"json\"\n",
                #"input.file[0].format: must be "syslog" or "audit", not "json""#
            ),
            ("[metrics]\nlisten = \"9100\"\n", #"metrics.listen: "9100" is not host:port"#),
            ("[api]\nlisten = \"localhost\"\n", #"api.listen: "localhost" is not host:port"#),
            (
                "[risk]\nchallenge = [\"new_country\", \"weird\"]\n",
                #"risk.challenge: "weird" is not a risk flag (new_country, impossible_travel, anonymizer, failed_burst, new_device)"#
            ),
            (
                "[risk.account.acme]\nblock = [\"tor\"]\n",
                #"risk.account.acme.block: "tor" is not a risk flag (new_country, impossible_travel, anonymizer, failed_burst, new_device)"#
            ),
            (
                "[web]\ntimezone = \"Mars/Olympus\"\n",
                #"web.timezone: unknown time zone "Mars/Olympus" (an IANA name such as "Europe/Berlin")"#
            ),
            ("[web]\naudit_to = \"logs.example:5514\"\n", #"web.audit_to: "logs.example:5514" is not address:port"#),
            ("[web]\nlisten = \"127.0.0.1\"\n", #"web.listen: "127.0.0.1" is not host:port (IPv6 as [addr]:port)"#),
            (
                "[normalize]\ntimezone = \"Mars/Olympus\"\n",
                #"normalize.timezone: unknown time zone "Mars/Olympus" (an IANA name such as "Europe/Berlin")"#
            ),
            (
                "[store]\nfsync = \"sometimes\"\n",
                #"store.fsync: must be "batch", "interval" or "rotation", not "sometimes""#
            ),
        ])
    func typedValueMessages(_ text: String, _ message: String) {
        do {
            _ = try DaemonConfiguration.parse(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("typed values decode into the modules' types")
    func typedValues() throws {
        let c = try DaemonConfiguration.parse(
            """
            [[input.udp]]
            listen = ["[::1]:5514", "127.0.0.1:0"]
            [[input.file]]
            paths = ["/x"]
            start_at = "beginning"
            [metrics]
            listen = "127.0.0.1:9100"
            [risk]
            block = ["anonymizer"]
            challenge = []
            [risk.account.acme]
            challenge = ["new_device", "failed_burst"]
            [web]
            audit_to = "[2001:db8::1]:5514"
            timezone = "Europe/Berlin"
            """)
        #expect(c.udp.first?.listen.map(\.description) == ["[::1]:5514", "127.0.0.1:0"])
        #expect(c.files.first?.startAt == .beginning)
        #expect(c.metrics.listen == HostPort("127.0.0.1:9100"))
        #expect(c.risk.policy.block == .anonymizer && c.risk.policy.challenge.isEmpty)
        #expect(c.risk.accounts["acme"] == RiskPolicy(block: .anonymizer, challenge: [.newDevice, .failedBurst]))
        #expect(c.risk.policy.decision(for: [.anonymizer, .newCountry]) == "block")
        #expect(c.risk.accounts["acme"]?.decision(for: .newDevice) == "challenge")
        #expect(c.risk.policy.decision(for: .newCountry) == "allow")
        #expect(c.web.auditTo?.address == IPAddress("2001:db8::1") && c.web.auditTo?.port == 5514)
        #expect(c.web.auditTo?.description == "[2001:db8::1]:5514")
        #expect(c.web.timezone == "Europe/Berlin")
        // The defaults are the same values, typed.
        let d = try DaemonConfiguration.parse("")
        #expect(
            DaemonConfiguration().udp.isEmpty
                && UDPInputConfiguration().listen.map(\.description) == ["127.0.0.1:5514", "[::1]:5514"])
        #expect(d.web.listen.description == "127.0.0.1:8089" && d.metrics.listen == nil && d.api.listen == nil)
        #expect(d.risk.policy.challenge == [.newCountry, .impossibleTravel, .anonymizer, .failedBurst])
    }
}
