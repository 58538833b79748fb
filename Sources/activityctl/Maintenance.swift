import ArgumentParser
import Foundation
import ActivityModel
import ActivityStore
import ActivityReports

#if canImport(Glibc)
import Glibc
#endif

struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show the last events, and with -f follow new ones as the daemon commits them.",
        discussion: """
            Examples:
              activityctl tail -n 20
              activityctl tail -n 20 --format table --tz Europe/Berlin
              activityctl tail -f --format jsonl
              activityctl tail -f --timeout 60 --format jsonl > last-minute.jsonl
            """
    )
    @OptionGroup var data: DataOptions
    // `-n` as in tail(1) and the examples; `.shortAndLong` would have made it `-l`.
    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many recent events to show first.") var lines =
        10
    @Flag(name: .shortAndLong, help: "Keep following new events.") var follow = false
    @Option(help: ArgumentHelp("table or jsonl. " + terminalNote)) var format: OutputFormat = .jsonl
    @Option(help: "Stop following after this many seconds (for scripts).") var timeout: Double?
    @OptionGroup var display: DisplayOptions

    func validate() throws {
        // tail streams line by line: a JSON array or a CSV header would have no end or no place.
        guard format == .table || format == .jsonl else {
            throw ValidationError("--format: tail prints table or jsonl, not \(format.rawValue)")
        }
    }

    func run() throws {
        let reader = try data.openReader()
        var q = EventQuery()
        q.reverse = true
        q.limit = lines
        var recent = try reader.events(q)
        recent.reverse()
        var out = Output()
        let formatter = try display.formatter
        func emit(_ e: ActivityEvent) {
            if format == .table {
                out.line(
                    Events.defaultColumns.map {
                        TerminalText.escaped(EventField.value(e, $0, formatter: formatter) ?? "-")
                    }.joined(separator: "  "))
            } else {
                out.json(e.exportJSON())
            }
        }
        recent.forEach(emit)
        out.flush()
        var damage = DamageReport()
        guard follow else { return try damage.finish(reader) }
        var last: UInt64 = recent.last?.seq ?? 0
        if recent.isEmpty {
            // Start after whatever is there now.
            var q2 = EventQuery(); q2.reverse = true; q2.limit = 1
            last = try reader.events(q2).first?.seq ?? 0
        }
        let follower = StoreFollower(reader: reader, afterSeq: last)
        let start = SystemClock.monotonicSeconds()
        while timeout.map({ SystemClock.monotonicSeconds() - start < $0 }) ?? true {
            for e in try follower.poll() { emit(e) }
            out.flush()
            damage.printNew(reader)
            usleep(200_000)
        }
        try damage.finish(reader)
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every segment and index; exit non-zero on damage.",
        discussion: """
            Checks each segment's header, every frame's CRC32C and contents, that sequence numbers strictly \
            increase with no gap between segments or frames (a gap means a deleted or truncated segment; retention \
            deletes only the oldest, which is no gap), and that each index matches its segment (terms, postings, \
            frame table, seq and time bounds). Damage is reported with file and byte offset. --repair rebuilds \
            damaged or missing indexes from their segments; it takes the data directory's lock, so stop the daemon \
            first. With --verify-key (from `activityctl setup-keys`) every seal and the chain between them are \
            checked too: the output says up to which time history is authenticated and names each place where it \
            was changed; bytes written after the last seal are reported as an unsealed tail, not as tampering.

            Examples:
              activityctl verify
              activityctl verify --repair
              activityctl verify --verify-key actseal1-…
            """
    )
    @OptionGroup var data: DataOptions
    @Flag(help: "Rebuild damaged or missing indexes (takes the data directory's lock: stop the daemon first).")
    var repair = false
    @Option(help: "Also check the seals with this verification key (from activityctl setup-keys).") var verifyKey:
        String?

    func run() throws {
        let reader = try data.openReader()
        var key: SealVerificationKey?
        if let verifyKey {
            guard let k = SealVerificationKey(text: verifyKey) else {
                throw ValidationError(
                    "--verify-key: not a verification key (actseal1-…, as activityctl setup-keys prints it)")
            }
            key = k
        }
        let r: VerifyReport
        do {
            r = try reader.verify(repair: repair, sealKey: key)
        } catch let e as StoreError where e.code == .locked {
            throw CLIError("\(e)")
        }
        for p in r.problems { print("DAMAGE \(p)") }
        if r.seqErrors > 0 { print("DAMAGE \(r.seqErrors) sequence number(s) out of order or repeated") }
        for p in r.repaired { print("repaired \(p)") }
        if let first = r.firstSeq, first > 1 {
            print("oldest event kept: seq \(first) (older segments deleted by retention)")
        }
        var problems = r.problems.count + (r.seqErrors > 0 ? 1 : 0)
        if let s = r.seals {
            for p in s.problems { print("TAMPERED \(p)") }
            problems += s.problems.count
            for p in s.unsealedBefore { print("not sealed: \(p) (written before sealing was set up)") }
            if let start = s.chainStart { print("seal chain starts at \(start)") }
            if let t = s.authenticatedUntil {
                let through = s.authenticatedThroughSeq.map { " (events through seq \($0))" } ?? ""
                print("\(s.seals) seal(s): history authenticated up to \(t)\(through)")
            } else {
                print("\(s.seals) seal(s): nothing authenticated")
            }
            if let tail = s.unsealedTail {
                print(
                    "unsealed tail: \(tail.events) event(s), \(tail.bytes) byte(s) at the end of \(tail.path), written after the last seal (the daemon is running, or stopped without a clean shutdown)"
                )
            }
        }
        print("\(r.segments) segment(s), \(r.events) event(s): \(r.isClean ? "OK" : "\(problems) problem(s)")")
        if !r.isClean { throw ExitCode(1) }
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the daemon's counters (from stats.json) and the store's size.",
        discussion: """
            The daemon rewrites <data_dir>/stats.json every two seconds; activityctl never talks to the \
            daemon.

            Examples:
              activityctl stats
              activityctl stats --json
            """
    )
    @OptionGroup var data: DataOptions
    @Flag(help: "Print stats.json as it is.") var json = false

    func run() throws {
        let dir = try data.resolve()
        let reader = try data.openReader()
        let segs = try reader.segments()
        func readStats() -> String? {
            guard let f = fopen(dir + "/stats.json", "r") else { return nil }
            defer { fclose(f) }
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            let n = fread(&buf, 1, buf.count, f)
            return String(decoding: buf[0..<n], as: UTF8.self)
        }
        // On a full disk the daemon rewrites stats.json in place (no room for a new file to rename over it), so
        // a read may rarely catch two versions mixed: such a text does not parse; read again.
        var statsText = readStats()
        for _ in 0..<5 {
            guard let text = statsText, (try? JSONSerialization.jsonObject(with: Data(text.utf8))) == nil else { break }
            usleep(20_000)
            statsText = readStats()
        }
        if json {
            // Counter labels hold program names taken from log lines: escaped on a terminal like any JSON.
            var out = Output()
            out.json(statsText ?? "{}")
            out.flush()
            return
        }
        let bytes = segs.reduce(0) { $0 + $1.size }
        var out = Output()
        out.line("data directory: \(dir)")
        out.line("segments:       \(segs.count) (\(bytes) bytes), active: \(segs.last.map { $0.path } ?? "none")")
        if let statsText {
            out.line("daemon counters (stats.json):")
            out.json(statsText)
        } else {
            out.line("no stats.json: the daemon has not run here yet")
        }
        out.flush()
    }
}

struct SetupKeys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup-keys",
        abstract: "Create the forward-secure sealing key of a data directory and print its verification key once.",
        discussion: """
            Writes <data_dir>/seal.key (or --key-file), owned like the data directory and readable by its owner only, \
            and prints the verification key. Keep the verification key off this host (it is shown once, and it can \
            create seals: treat it as a secret); give it to `activityctl verify --verify-key` to check the history. \
            The host keeps only the current epoch's key: every --interval, at every segment seal and at every clean \
            stop the daemon seals what it wrote and replaces the key by the next one, so an intruder who takes the \
            host cannot forge or change what was sealed before. Then set `[store] seal = "<key file>"` and restart \
            the daemon.

            Examples:
              activityctl setup-keys --data-dir /var/lib/activityd
              activityctl setup-keys --data-dir /var/lib/activityd --interval 5m
            """
    )
    @OptionGroup var data: DataOptions
    @Option(help: "Where to write the sealing key (default: <data_dir>/seal.key).") var keyFile: String?
    @Option(help: "How often the key evolves while the daemon runs (s, m or h).") var interval = "15m"
    @Flag(
        help:
            "Replace an existing key file (the history sealed with it stays verifiable only with its old verification key)."
    ) var force = false

    func run() throws {
        let dir = try data.resolve()
        guard let ns = TimeArgument.seconds(interval), ns >= 1 else {
            throw ValidationError("--interval: expected a duration such as 90s, 15m or 1h, got \(interval)")
        }
        let path = keyFile ?? dir + "/seal.key"
        if access(path, F_OK) == 0 && !force {
            throw CLIError("\(path) exists: the store is already set up for sealing (use --force to start a new chain)")
        }
        let (verification, state) = SealKeyState.create(interval: Int64(ns) * 1_000_000_000, now: SystemClock.now())
        do {
            try state.save(path: path)
        } catch {
            throw CLIError("cannot write the sealing key: \(error)")
        }
        // The daemon (often a DynamicUser owning the data directory) must be able to read and replace it.
        var st = stat()
        if stat(dir, &st) == 0 { _ = chown(path, st.st_uid, st.st_gid) }
        print(
            """
            Sealing key written to \(path) (epoch \(state.epoch), evolves every \(ns) s).
            Set in the configuration:  [store] seal = "\(path)"

            Verification key (shown once; keep it off this host):

                \(verification)

            Check the history with:  activityctl verify --verify-key \(verification)
            """)
    }
}

/// Durations on the command line: `90`, `90s`, `15m`, `2h`, `1d`.
enum TimeArgument {
    static func seconds(_ s: String) -> Int? {
        guard let last = s.last else { return nil }
        let (digits, unit): (Substring, Int) =
            switch last {
            case "s": (s.dropLast(), 1)
            case "m": (s.dropLast(), 60)
            case "h": (s.dropLast(), 3600)
            case "d": (s.dropLast(), 86_400)
            default: (Substring(s), 1)
            }
        guard let n = Int(digits), n >= 0 else { return nil }
        return n * unit
    }
}
