import ActivityModel

/// What the normalizer made of one record.
public enum NormalizeResult: Hashable, Sendable {
    /// The record belongs to a known source. The list may be empty: some lines are recognised but only
    /// update the normalizer's state or repeat what another line already said (see docs/normalization.md).
    case events([ActivityEvent])
    /// No rule matched: ordinary traffic (cron, kernel, units...). Counted by the caller, not an error.
    /// `program` is the record's program, or `""` when it had none.
    case unmatched(program: String)
}

/// Turns raw records (syslog lines, journal entries) into normalized events, with one rule per source
/// (`SSHDRule`, `SudoRule`, `SuRule`, `LoginRule`, `LogindRule`, `PasswordRule`, `ShadowUtilsRule`,
/// `DisplayManagerRule`, `DropbearRule`; the tables are in docs/normalization.md), and `GenericPAMRule` for PAM
/// authentication failures of programs that have no rule.
///
/// Pure apart from small, bounded state that pairs related lines of one process:
/// - PAM sessions by (host, program, pid): the `session closed` line becomes a `logout` carrying the IP, port and
///   duration of the matching login; the second of two lines announcing the same login (sshd's `Accepted`
///   and its `session opened`; su's `(to root)` and its `session opened`) adds no second event.
/// - sshd connections by (host, program, pid), so one invalid-user probe is one failure, and PAM's own failure line
///   does not double the `Failed password` line that always follows it.
/// - the events of the previous record, for the classic `last message repeated N times` line.
/// Each table holds at most ``maxTracked`` entries; the oldest half is dropped when it is full, so a flood
/// of unpaired lines costs bounded memory and at worst loses a pairing.
///
/// Use one normalizer per input stream (a file, the journal): "the previous record" is per stream.
///
/// Dispatch is by program name first (a dictionary look-up), then by cheap byte-prefix checks on the
/// message; no regular expressions. Records of programs without a rule are ``NormalizeResult/unmatched(program:)``
/// after one look at the message's first byte (a `p` may start a PAM failure line, see `GenericPAMRule`).
public struct Normalizer: Sendable {
    /// Upper bound of entries in each pairing table.
    public static let maxTracked = 4096

    var state = NormalizerState()

    /// Makes a normalizer with empty pairing state.
    public init() {}

    /// Normalizes one record.
    ///
    /// - Parameter record: the record; its `time` becomes the event time (the Unix epoch when absent, which
    ///   inputs should not let happen), `host` the event host, `program` the event service.
    /// - Returns: the events, or ``NormalizeResult/unmatched(program:)``.
    public mutating func normalize(_ record: RawRecord) -> NormalizeResult {
        guard let program = record.program, !program.isEmpty else {
            return normalizeWithoutProgram(record)
        }
        guard let rule = Normalizer.rules[program] else {
            // PAM failures of programs without a rule (cockpit, vsftpd…): one byte compare for all others.
            if record.message.utf8.first == UInt8(ascii: "p"),
                let events = GenericPAMRule.apply(record, program: program)
            {
                state.lastEvents = events
                return .events(events)
            }
            state.lastEvents = []
            return .unmatched(program: program)
        }
        let result: [ActivityEvent]? = record.message.withUTF8Bytes { buf in
            var line = ByteView(buf)
            let ctx = RuleContext(record: record, program: program)
            // rsyslog's duplicate suppression: `message repeated 3 times: [ Failed password for ...]`
            if line.hasPrefix("message repeated "), let (n, inner) = Normalizer.repeated(&line) {
                var view = ByteView(UnsafeBufferPointer(rebasing: buf[inner]))
                guard let once = rule.apply(&view, ctx, &state) else { return nil }
                var out: [ActivityEvent] = []
                out.reserveCapacity(once.count * n)
                for _ in 0..<n { out.append(contentsOf: once) }
                return out
            }
            return rule.apply(&line, ctx, &state)
        }
        guard let events = result else {
            state.lastEvents = []
            return .unmatched(program: program)
        }
        state.lastEvents = events
        return .events(events)
    }

    /// Whether ``normalize(_:)`` could make events of a record with this program and message: false only for
    /// records it certainly reports as ``NormalizeResult/unmatched(program:)`` (a program without a rule whose
    /// message is not a PAM `auth` line), by the same checks `normalize` makes first. The journald input reads
    /// an entry's cursor, which only events carry, for the records this says true of.
    ///
    /// - Parameters:
    ///   - program: The record's program; nil or empty (a `last message repeated` line) answers true.
    ///   - message: The record's message.
    public static func mayMakeEvents(program: String?, message: String) -> Bool {
        guard let program, !program.isEmpty, rules[program] == nil else { return true }
        guard message.utf8.first == UInt8(ascii: "p") else { return false }
        return message.withUTF8Bytes { buf in
            let line = ByteView(buf)
            return line.hasPrefix("pam_") && GenericPAMRule.isAuthGroup(line)
        }
    }

    /// Classic sysklogd `last message repeated N times` (no tag): repeats the previous record's events.
    mutating func normalizeWithoutProgram(_ record: RawRecord) -> NormalizeResult {
        let n: Int? = record.message.withUTF8Bytes { buf in
            var v = ByteView(buf)
            guard v.skip("last message repeated "), let n = v.int(), v.skip(" time") else { return nil }
            return n
        }
        guard let n else {
            state.lastEvents = []
            return .unmatched(program: "")
        }
        let previous = state.lastEvents
        guard !previous.isEmpty else { return .unmatched(program: "") }
        var out: [ActivityEvent] = []
        let count = min(n, 10_000)
        out.reserveCapacity(previous.count * count)
        for _ in 0..<count {
            for var e in previous {
                if let t = record.time { e.time = t }
                out.append(e)
            }
        }
        // The previous events stay the reference: another `last message repeated` may follow.
        return .events(out)
    }

    /// Parses `message repeated N times: [ INNER]` and returns N (at most 10 000) and the inner range.
    static func repeated(_ line: inout ByteView) -> (Int, Range<Int>)? {
        let save = line.i
        guard line.skip("message repeated "), let n = line.int(), n > 0, line.skip(" times: ["),
            line.end > line.i, line.peek(line.end - line.i - 1) == UInt8(ascii: "]")
        else {
            line.i = save
            return nil
        }
        line.skipSpaces()
        return (min(n, 10_000), line.i..<(line.end - 1))
    }

    /// Program name → rule. The same rule may serve several names.
    static let rules: [String: RuleKind] = {
        var r: [String: RuleKind] = [:]
        for k in RuleKind.allCases {
            for p in k.programs { r[p] = k }
        }
        return r
    }()

    /// The program names that have a rule, sorted (for docs and diagnostics).
    public static var knownPrograms: [String] { rules.keys.sorted() }
}

/// The rules, as a closed set (a switch instead of existential metatypes: cheaper, and trivially Sendable).
enum RuleKind: CaseIterable, Sendable {
    case sshd, sudo, su, login, logind, password, shadowUtils, displayManager, dropbear

    var programs: [String] {
        switch self {
        case .sshd: SSHDRule.programs
        case .sudo: SudoRule.programs
        case .su: SuRule.programs
        case .login: LoginRule.programs
        case .logind: LogindRule.programs
        case .password: PasswordRule.programs
        case .shadowUtils: ShadowUtilsRule.programs
        case .displayManager: DisplayManagerRule.programs
        case .dropbear: DropbearRule.programs
        }
    }

    func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        switch self {
        case .sshd: SSHDRule.apply(&line, ctx, &state)
        case .sudo: SudoRule.apply(&line, ctx, &state)
        case .su: SuRule.apply(&line, ctx, &state)
        case .login: LoginRule.apply(&line, ctx, &state)
        case .logind: LogindRule.apply(&line, ctx, &state)
        case .password: PasswordRule.apply(&line, ctx, &state)
        case .shadowUtils: ShadowUtilsRule.apply(&line, ctx, &state)
        case .displayManager: DisplayManagerRule.apply(&line, ctx, &state)
        case .dropbear: DropbearRule.apply(&line, ctx, &state)
        }
    }
}

/// One source's message rules.
protocol Rule {
    /// Program names (syslog tags, `SYSLOG_IDENTIFIER`) this rule reads.
    static var programs: [String] { get }
    /// Returns the events for the message at `line`, or nil when the message is not one of this source's.
    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]?
}

/// What a rule needs to know about the record besides its message.
struct RuleContext {
    let record: RawRecord
    let program: String

    var time: Timestamp { record.time ?? Timestamp(nanoseconds: 0) }

    var pidKey: PidKey { PidKey(host: record.host ?? "", program: program, pid: record.pid ?? -1) }

    /// An event with time, host and service filled from the record.
    func event(_ category: EventCategory, _ action: Action, _ outcome: Outcome) -> ActivityEvent {
        var e = ActivityEvent(time: time, category: category, action: action, outcome: outcome)
        e.host = record.host
        e.service = program
        return e
    }

    /// The account behind an administrative command when the source tells it: journald's `SUDO_USER`
    /// (sudo's environment, when the input keeps it) or the audit login uid as `uid:N`.
    var fieldActor: String? {
        if let s = record.fields["SUDO_USER"], !s.isEmpty { return s }
        if let u = record.fields["_AUDIT_LOGINUID"], !u.isEmpty, u != "4294967295" { return "uid:" + u }
        return nil
    }
}

/// A process on a host. The program is part of the key so that state left by one program (a reused pid,
/// a line that never got its pair) cannot be picked up by another.
struct PidKey: Hashable {
    var host: String
    var program: String
    var pid: Int
}

/// What the normalizer remembers about one process's session.
struct TrackedSession {
    var user: String?
    var actor: String?
    var ip: IPAddress?
    var port: UInt16?
    var entry: String?
    var device: String?
    var started: Timestamp
    /// A login event was emitted for this session.
    var loginEmitted = false
    /// A logout event was emitted for this session.
    var logoutEmitted = false
    /// sshd: an `Invalid user` line was seen and no attempt has been counted since.
    var invalidUserPending = false
    /// sshd/su: some failure was already reported for this process.
    var failureReported = false
    /// sshd: the connection's too-many-attempts failure was reported (`maximum authentication attempts`).
    var tooManyReported = false
    /// sshd: a PAM failure not yet followed by sshd's own `Failed …` line.
    var pendingFailure: PendingFailure?
}

/// The bounded state behind ``Normalizer``.
struct NormalizerState: Sendable {
    var sessions: [PidKey: TrackedSession] = [:]
    var endedLogindSessions: [String: Timestamp] = [:]
    var logindUsers: [String: String] = [:]
    var lastEvents: [ActivityEvent] = []

    mutating func session(_ key: PidKey, now: Timestamp) -> TrackedSession {
        if let s = sessions[key] { return s }
        return TrackedSession(started: now)
    }

    mutating func store(_ key: PidKey, _ s: TrackedSession) {
        if sessions[key] == nil, sessions.count >= Normalizer.maxTracked {
            NormalizerState.evictOldest(&sessions) { $0.started }
        }
        sessions[key] = s
    }

    mutating func markLogindEnded(_ id: String, at t: Timestamp) -> Bool {
        if endedLogindSessions[id] != nil { return false }
        if endedLogindSessions.count >= Normalizer.maxTracked {
            NormalizerState.evictOldest(&endedLogindSessions) { $0 }
        }
        endedLogindSessions[id] = t
        return true
    }

    /// Drops the older half of a table (by the given time).
    static func evictOldest<K: Hashable, V>(_ table: inout [K: V], by time: (V) -> Timestamp) {
        var times = table.values.map { time($0).nanoseconds }
        guard !times.isEmpty else { return }
        // The median by selection, not by sorting the whole table (the sort was a third of an eviction).
        let cut = selectNth(&times, times.count / 2)
        // The survivors go into a table already sized for a full one: `filter` sized it for the survivors, and
        // refilling it then rehashed every entry again as it grew (pairing sshd's lines spent a tenth of the
        // journald import's pipeline thread on evictions and regrowth).
        var kept = [K: V](minimumCapacity: table.count)
        for (key, value) in table where time(value).nanoseconds > cut { kept[key] = value }
        table = kept
    }

    /// The element that would be at `n` if `values` were sorted ascending (quickselect: `values` is reordered).
    ///
    /// - Precondition: `0 <= n < values.count`.
    static func selectNth(_ values: inout [Int64], _ n: Int) -> Int64 {
        precondition(values.indices.contains(n))
        return values.withUnsafeMutableBufferPointer { v in
            var low = 0
            var high = v.count - 1
            while low < high {
                // Median of three as the pivot: sorted or reversed input stays linear.
                let mid = low + (high - low) / 2
                if v[mid] < v[low] { v.swapAt(mid, low) }
                if v[high] < v[low] { v.swapAt(high, low) }
                if v[high] < v[mid] { v.swapAt(high, mid) }
                let pivot = v[mid]
                var i = low
                var j = high
                while i <= j {
                    while v[i] < pivot { i += 1 }
                    while pivot < v[j] { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                // Now v[low...j] <= pivot <= v[i...high], and anything strictly between j and i equals the pivot.
                if n <= j {
                    high = j
                } else if n >= i {
                    low = i
                } else {
                    return v[n]
                }
            }
            return v[n]
        }
    }
}
