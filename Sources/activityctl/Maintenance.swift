import ArgumentParser
import ActivityModel
import ActivityStore
import ActivityReports

#if canImport(Glibc)
import Glibc
#endif

struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
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
    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many recent events to show first.") var lines = 10
    @Flag(name: .shortAndLong, help: "Keep following new events.") var follow = false
    @Option(help: "table or jsonl.") var format: OutputFormat = .jsonl
    @Option(help: "Stop following after this many seconds (for scripts).") var timeout: Double?
    @OptionGroup var display: DisplayOptions

    func validate() throws {
        // tail streams line by line: a JSON array or a CSV header would have no end or no place.
        guard format == .table || format == .jsonl else { throw ValidationError("--format: tail prints table or jsonl, not \(format.rawValue)") }
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
                out.line(Events.defaultColumns.map { TerminalText.escaped(EventField.value(e, $0, formatter: formatter) ?? "-") }.joined(separator: "  "))
            } else {
                out.line(e.exportJSON())
            }
        }
        recent.forEach(emit)
        out.flush()
        guard follow else { return }
        var last: UInt64 = recent.last?.seq ?? 0
        if recent.isEmpty {
            // Start after whatever is there now.
            var q2 = EventQuery(); q2.reverse = true; q2.limit = 1
            last = try reader.events(q2).first?.seq ?? 0
        }
        let follower = StoreFollower(reader: reader, afterSeq: last)
        let start = monotonicNow()
        while timeout.map({ monotonicNow() - start < $0 }) ?? true {
            for e in try follower.poll() { emit(e) }
            out.flush()
            usleep(200_000)
        }
    }
}

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every segment and index; exit non-zero on damage.",
        discussion: """
        Checks each segment's header, every frame's CRC32C and contents, that sequence numbers strictly \
        increase, and that each sealed segment's index matches its segment. Damage is reported with file and \
        byte offset. --repair rebuilds damaged or missing indexes from their segments.

        Examples:
          activityctl verify
          activityctl verify --repair
        """
    )
    @OptionGroup var data: DataOptions
    @Flag(help: "Rebuild damaged or missing indexes.") var repair = false

    func run() throws {
        let reader = try data.openReader()
        let r = try reader.verify(repair: repair)
        for p in r.problems { print("DAMAGE \(p)") }
        if r.seqErrors > 0 { print("DAMAGE \(r.seqErrors) sequence number(s) out of order or repeated") }
        for p in r.repaired { print("repaired \(p)") }
        print("\(r.segments) segment(s), \(r.events) event(s): \(r.isClean ? "OK" : "\(r.problems.count + (r.seqErrors > 0 ? 1 : 0)) problem(s)")")
        if !r.isClean { throw ExitCode(1) }
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
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
        let statsText: String? = {
            guard let f = fopen(dir + "/stats.json", "r") else { return nil }
            defer { fclose(f) }
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            let n = fread(&buf, 1, buf.count, f)
            return String(decoding: buf[0..<n], as: UTF8.self)
        }()
        if json {
            print(statsText ?? "{}")
            return
        }
        let bytes = segs.reduce(0) { $0 + $1.size }
        print("data directory: \(dir)")
        print("segments:       \(segs.count) (\(bytes) bytes), active: \(segs.last.map { $0.path } ?? "none")")
        if let statsText {
            print("daemon counters (stats.json):")
            print(statsText)
        } else {
            print("no stats.json: the daemon has not run here yet")
        }
    }
}
