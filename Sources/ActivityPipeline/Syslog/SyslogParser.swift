import ActivityModel
import Foundation

/// Splits one syslog line into a ``RawRecord`` (time, host, program, pid, message). Pure: no I/O, no clock.
///
/// Accepted forms, each with or without a leading `<PRI>` (1–3 digits, which is skipped):
/// - **RFC 5424**: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`. `-` means "absent" in every header
///   field. Structured data elements become ``RawRecord/fields`` named `SDID.PARAM` (escapes `\"`, `\\`,
///   `\]` undone); MSGID becomes the field `MSGID`. A UTF-8 BOM at the start of MSG is dropped.
/// - **RFC 3164 / BSD**: `Mmm dd hh:mm:ss HOST TAG[PID]: MSG` (day may be space-padded). The stamp has no
///   year and no zone: it is read as wall time in ``timeZone`` and given the latest year that does not put
///   it more than two days after `now` (so `Dec 31` read on January 1st is last year, and `Jan 1` read a few
///   seconds before New Year on a host whose clock is behind is next year). A missing HOST is tolerated when
///   the first word is plainly a tag (ends in `:` or has `[PID]`).
/// - **ISO 8601** as rsyslog writes files (`RSYSLOG_FileFormat`):
///   `2026-11-22T10:00:00.123456+01:00 HOST TAG[PID]: MSG`; a stamp without a zone is read in ``timeZone``.
///
/// The tag is read up to `[`, `:` or a space; a trailing `]` is dropped (gdm logs the tag `gdm-password]`).
/// A bracketed tag (`[sshd]:`, `[sshd-session][123]:`) and a non-numeric group before the PID
/// (`sssd[sudo][1234]:`) are accepted too. A line without a recognisable tag keeps its whole remainder as the
/// message with a nil program (classic `last message repeated N times` lines look like that).
///
/// What some writers add around the host and tag is skipped (each only looked for after a `<` or `[` byte,
/// or when no tag was found, so ordinary lines pay nothing for it):
/// - a facility/priority tag: FreeBSD syslogd `-v`/`-vv` between stamp and host (`<4.6>`, `<auth.info>`),
///   BusyBox syslogd between host and tag (`authpriv.info`, `<86>`), templates with `<$FACILITY.$PRIORITY>`
///   after the host or after the tag. Names must be syslog's facility and priority names.
/// - Solaris's message ID after the tag: `sshd[1234]: [ID 800047 auth.info] Accepted …`.
/// - the kernel's uptime stamp: `kernel: [12345.678901] …`.
/// - brackets around the host (`[localhost]`, rsyslog before the host name is known).
///
/// Not accepted (returns nil): lines that start with none of the three stamp forms. Lines are not
/// required to be valid UTF-8; invalid sequences become U+FFFD in the strings.
public struct SyslogParser: Sendable {
    /// The zone zone-less stamps (RFC 3164, zone-less ISO) are read in.
    public let timeZone: TimeZone
    /// Set when ``timeZone`` never changes its offset (UTC, fixed-offset zones), to skip zone look-ups.
    let fixedOffset: Int?

    /// Makes a parser that reads zone-less stamps in `timeZone` (an IANA zone, e.g.
    /// `TimeZone(identifier: "Europe/Berlin")`); the default is the host's zone.
    public init(timeZone: TimeZone = .current) {
        self.timeZone = timeZone
        // No DST transition since 1900 and one offset at sample dates from 1970 to 2040 (a zone can change its
        // standard offset without DST: Asia/Kathmandu in 1986) means a constant offset; the per-line zone
        // look-up can then be skipped.
        let samples: [Double] = [0, 631_152_000, 1_262_304_000, 1_767_225_600, 1_782_864_000, 2_208_988_800]
        let offsets = Set(samples.map { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: $0)) })
        if offsets.count == 1, let only = offsets.first,
            timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: -2_208_988_800)) == nil
        {
            self.fixedOffset = only
        } else {
            self.fixedOffset = nil
        }
    }

    /// Parses one line (without its line terminator; a trailing `\r` is ignored).
    ///
    /// - Parameters:
    ///   - line: the line.
    ///   - now: the reference time used to infer the year of RFC 3164 stamps (the time the line was read).
    /// - Returns: the record, or nil when the line is not syslog.
    public func parse(_ line: Substring, now: Timestamp) -> RawRecord? {
        line.withUTF8Bytes { buf in parseBytes(buf, now: now) }
    }

    func parseBytes(_ buf: UnsafeBufferPointer<UInt8>, now: Timestamp) -> RawRecord? {
        var end = buf.count
        while end > 0, buf[end - 1] == 0x0D || buf[end - 1] == 0x0A { end -= 1 }
        var p = ByteView(UnsafeBufferPointer(rebasing: buf[0..<end]))
        if p.peek() == UInt8(ascii: "<") {
            let save = p.i
            p.i += 1
            if p.int() == nil || !p.skip(byte: UInt8(ascii: ">")) { p.i = save }
        }
        guard let c = p.peek() else { return nil }
        if c >= 0x30, c <= 0x39 {
            // `1 ` (RFC 5424 version) or a four-digit year (ISO stamp).
            if c != 0x30, let next = p.peek(1), next == 0x20 || (next >= 0x30 && next <= 0x39 && p.peek(2) == 0x20) {
                return parse5424(&p)
            }
            guard let time = parseISO(&p) else { return nil }
            guard p.skip(byte: 0x20) else { return nil }
            return parseHostTagMessage(&p, time: time)
        }
        guard let time = parse3164Stamp(&p, now: now) else { return nil }
        guard p.skip(byte: 0x20) else { return nil }
        p.skipSpaces()
        return parseHostTagMessage(&p, time: time)
    }

    // MARK: RFC 5424

    func parse5424(_ p: inout ByteView) -> RawRecord? {
        guard p.int() != nil, p.skip(byte: 0x20) else { return nil }
        var time: Timestamp?
        if !p.skip(byte: UInt8(ascii: "-")) {
            guard let t = parseISO(&p) else { return nil }
            time = t
        }
        guard p.skip(byte: 0x20) else { return nil }
        let host = nilDash(p.word())
        guard p.skip(byte: 0x20) else { return RawRecord(time: time, host: host, message: "") }
        let app = nilDash(p.word())
        guard p.skip(byte: 0x20) else { return RawRecord(time: time, host: host, program: app, message: "") }
        let procid = nilDash(p.word())
        guard p.skip(byte: 0x20) else { return nil }
        let msgid = nilDash(p.word())
        guard p.skip(byte: 0x20) else { return nil }
        var fields: [String: String] = [:]
        if let m = msgid { fields["MSGID"] = m }
        if !p.skip(byte: UInt8(ascii: "-")) {
            guard parseStructuredData(&p, into: &fields) else { return nil }
        }
        _ = p.skip(byte: 0x20)
        _ = p.skip("\u{FEFF}")
        let message = p.rest()
        var pid: Int?
        if let pr = procid { pid = Int(pr) }
        if pid == nil, let pr = procid { fields["PROCID"] = pr }
        return RawRecord(time: time, host: host, program: app, pid: pid, message: message, fields: fields)
    }

    func nilDash(_ s: String?) -> String? {
        guard let s, s != "-" else { return nil }
        return s
    }

    /// `[id k="v" k2="v2"][id2 ...]`. Returns false on malformed data (the line is then not RFC 5424).
    func parseStructuredData(_ p: inout ByteView, into fields: inout [String: String]) -> Bool {
        var elements = 0
        while p.skip(byte: UInt8(ascii: "[")) {
            elements += 1
            let s = p.i
            while let c = p.peek(), c != 0x20, c != UInt8(ascii: "]") { p.i += 1 }
            let id = p.string(s, p.i)
            guard !id.isEmpty else { return false }
            while p.skip(byte: 0x20) {
                let ks = p.i
                while let c = p.peek(), c != UInt8(ascii: "="), c != 0x20, c != UInt8(ascii: "]") { p.i += 1 }
                let key = p.string(ks, p.i)
                guard !key.isEmpty, p.skip(byte: UInt8(ascii: "=")), p.skip(byte: UInt8(ascii: "\"")) else {
                    return false
                }
                var value: [UInt8] = []
                var closed = false
                while let c = p.peek() {
                    p.i += 1
                    if c == UInt8(ascii: "\\"), let n = p.peek(),
                        n == UInt8(ascii: "\"") || n == UInt8(ascii: "\\") || n == UInt8(ascii: "]")
                    {
                        value.append(n)
                        p.i += 1
                    } else if c == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else {
                        value.append(c)
                    }
                }
                guard closed else { return false }
                if fields.count < 128 { fields[id + "." + key] = String(decoding: value, as: UTF8.self) }
            }
            guard p.skip(byte: UInt8(ascii: "]")) else { return false }
        }
        return elements > 0
    }

    // MARK: host, tag, message

    func parseHostTagMessage(_ p: inout ByteView, time: Timestamp) -> RawRecord? {
        // FreeBSD syslogd -v / -vv: `<4.6> ` / `<auth.info> ` between the stamp and the host.
        if p.peek() == UInt8(ascii: "<") { _ = skipPriorityTag(&p, bare: false) }
        // Host, unless the first word is plainly a tag (`sshd[12]:` / `kernel:` / `[sshd]:`).
        let ws = p.i
        while let c = p.peek(), c != 0x20 { p.i += 1 }
        let firstWordEnd = p.i
        var host: String?
        let looksLikeTag = firstWordEnd > ws && (p.base[firstWordEnd - 1] == UInt8(ascii: ":"))
        if looksLikeTag {
            p.i = ws
        } else {
            // rsyslog writes `[localhost]` when the host has no name yet.
            if firstWordEnd - ws > 2, p.base[ws] == UInt8(ascii: "["), p.base[firstWordEnd - 1] == UInt8(ascii: "]") {
                host = p.string(ws + 1, firstWordEnd - 1)
            } else {
                host = p.string(ws, firstWordEnd)
            }
            if host?.isEmpty == true { host = nil }
            _ = p.skip(byte: 0x20)
            // syslog-ng templates with `$HOST <$FACILITY.$PRIORITY> $MSGHDR`; BusyBox's `<N>` for unnamed ones.
            if p.peek() == UInt8(ascii: "<") { _ = skipPriorityTag(&p, bare: false) }
        }
        // Tag. A second try follows BusyBox syslogd's bare `authpriv.info` word before the tag.
        let tagStart = p.i
        var attempt = 0
        while true {
            let start = p.i
            if let (program, pid) = parseTag(&p) {
                return finishMessage(&p, time: time, host: host, program: program, pid: pid)
            }
            p.i = start
            if attempt == 0, skipPriorityTag(&p, bare: true) {
                attempt = 1
                continue
            }
            p.i = tagStart
            return RawRecord(time: time, host: host, message: p.rest())
        }
    }

    /// `TAG[PID]:` (also `TAG:`, `[TAG]:`, `[TAG][PID]:`, `TAG[x][PID]:`, gdm's `TAG]:`), the cursor after
    /// the `:`. Nil (cursor anywhere) when the bytes at the cursor are not a tag.
    @inline(__always)
    func parseTag(_ p: inout ByteView) -> (String, Int?)? {
        var ts = p.i
        var tagEnd: Int
        if p.peek() == UInt8(ascii: "[") {
            // A bracketed program name (`[sshd]:`), as some appliances write it: at most 32 bytes, no space.
            p.i += 1
            while let c = p.peek(), c != UInt8(ascii: "]"), c != 0x20, p.i - ts <= 33 { p.i += 1 }
            guard p.peek() == UInt8(ascii: "]"), p.i > ts + 1 else { return nil }
            ts += 1
            tagEnd = p.i
            p.i += 1
        } else {
            while let c = p.peek(), c != UInt8(ascii: "["), c != UInt8(ascii: ":"), c != 0x20 { p.i += 1 }
            tagEnd = p.i
        }
        var pid: Int?
        // `[PID]`; a non-numeric group (sssd's `sssd[sudo][1234]`) is skipped, and a PID may follow it.
        var groups = 0
        while groups < 2, p.skip(byte: UInt8(ascii: "[")) {
            groups += 1
            let save = p.i
            if let n = p.int(), p.skip(byte: UInt8(ascii: "]")) {
                pid = n
            } else if let close = p.find(byte: UInt8(ascii: "]")), close - save <= 32 {
                p.i = close + 1  // non-numeric PID: keep the tag, drop the PID
            } else {
                return nil
            }
        }
        guard p.skip(byte: UInt8(ascii: ":")) else { return nil }
        while tagEnd > ts, p.base[tagEnd - 1] == UInt8(ascii: "]") { tagEnd -= 1 }
        guard tagEnd > ts else { return nil }
        return (p.string(ts, tagEnd), pid)
    }

    /// The message after the tag, without the prefixes some writers put in front of it: a priority tag
    /// (`<auth.info> `), Solaris's message ID (`[ID 800047 auth.info] `) and, for the kernel, the uptime
    /// stamp (`[12345.678901] `). Each is looked for only when the message starts with `<` or `[`.
    @inline(__always)
    func finishMessage(_ p: inout ByteView, time: Timestamp, host: String?, program: String, pid: Int?) -> RawRecord {
        _ = p.skip(byte: 0x20)
        if let c = p.peek() {
            if c == UInt8(ascii: "<") {
                _ = skipPriorityTag(&p, bare: false)
            } else if c == UInt8(ascii: "[") {
                if p.hasPrefix("[ID ") {
                    skipSolarisID(&p)
                } else if program.utf8.count == 6, program == "kernel" {
                    skipKernelUptime(&p)
                }
            }
        }
        return RawRecord(time: time, host: host, program: program, pid: pid, message: p.rest())
    }

    /// Solaris `[ID 800047 auth.info] ` (the message ID and facility.priority syslogd adds). The cursor
    /// stays put unless the whole form is there.
    func skipSolarisID(_ p: inout ByteView) {
        var q = p
        q.i += 4
        guard q.int() != nil, q.skip(byte: 0x20) else { return }
        let s = q.i
        while let c = q.peek(), c != UInt8(ascii: "]"), c != 0x20, q.i - s <= 24 { q.i += 1 }
        guard q.i > s, q.skip(byte: UInt8(ascii: "]")) else { return }
        _ = q.skip(byte: 0x20)
        p.i = q.i
    }

    /// The kernel's uptime stamp `[12345.678901] ` / `[    1.234567] `. The cursor stays put unless the whole
    /// form is there.
    func skipKernelUptime(_ p: inout ByteView) {
        var q = p
        q.i += 1
        q.skipSpaces()
        guard q.int() != nil, q.skip(byte: UInt8(ascii: ".")), q.int() != nil, q.skip(byte: UInt8(ascii: "]")) else {
            return
        }
        _ = q.skip(byte: 0x20)
        p.i = q.i
    }

    /// A facility/priority tag followed by a space: `<auth.info>`, `<4.6>` (FreeBSD `-v`), `<86>` (BusyBox,
    /// for a pair without names), or with `bare` also `authpriv.info` (BusyBox syslogd). Names are checked
    /// against syslog's facility and priority names, so a message that merely starts with `<` (`<root@host>`)
    /// is left alone. Skips it and returns true, or leaves the cursor and returns false.
    func skipPriorityTag(_ p: inout ByteView, bare: Bool) -> Bool {
        var q = p
        let bracketed = q.skip(byte: UInt8(ascii: "<"))
        guard bracketed || bare else { return false }
        let s = q.i
        var dot = -1
        while let c = q.peek(), q.i - s <= 24 {
            if c == UInt8(ascii: ".") {
                guard dot < 0 else { return false }
                dot = q.i
            } else if !(c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) && !(c >= 0x30 && c <= 0x39)
                && c != UInt8(ascii: "-")
            {
                break
            }
            q.i += 1
        }
        let e = q.i
        if bracketed {
            guard q.skip(byte: UInt8(ascii: ">")) else { return false }
        }
        guard q.skip(byte: 0x20), e > s else { return false }
        if dot < 0 {
            // `<86>`: a bare number only inside angle brackets.
            guard bracketed, e - s <= 3, SyslogParser.allDigits(q.base, s, e) else { return false }
        } else {
            guard SyslogParser.isFacility(q.base, s, dot), SyslogParser.isPriority(q.base, dot + 1, e) else {
                return false
            }
        }
        p.i = q.i
        return true
    }

    static func allDigits(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        guard from < to else { return false }
        for k in from..<to where b[k] < 0x30 || b[k] > 0x39 { return false }
        return true
    }

    static let facilityNames: Set<String> = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "ntp", "security", "console", "audit", "alert", "clock", "mark", "solaris-cron",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]
    static let priorityNames: Set<String> = [
        "emerg", "panic", "alert", "crit", "err", "error", "warning", "warn", "notice", "info", "debug", "none",
    ]

    static func isFacility(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        guard to > from, to - from <= 12 else { return false }
        if to - from <= 2, allDigits(b, from, to) { return true }
        return facilityNames.contains(String(decoding: UnsafeBufferPointer(rebasing: b[from..<to]), as: UTF8.self))
    }

    static func isPriority(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        guard to > from, to - from <= 7 else { return false }
        if to - from == 1, allDigits(b, from, to) { return true }
        return priorityNames.contains(String(decoding: UnsafeBufferPointer(rebasing: b[from..<to]), as: UTF8.self))
    }

    // MARK: stamps

    /// `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM]`; zone-less stamps are read in ``timeZone``.
    func parseISO(_ p: inout ByteView) -> Timestamp? {
        guard let y = p.digits(4), p.skip(byte: UInt8(ascii: "-")), let mo = p.digits(2),
            p.skip(byte: UInt8(ascii: "-")),
            let d = p.digits(2)
        else { return nil }
        guard p.skip(byte: UInt8(ascii: "T")) || p.skip(byte: UInt8(ascii: "t")) else { return nil }
        guard let h = p.digits(2), p.skip(byte: UInt8(ascii: ":")), let mi = p.digits(2),
            p.skip(byte: UInt8(ascii: ":")),
            let s = p.digits(2)
        else { return nil }
        var nanos: Int64 = 0
        if p.skip(byte: UInt8(ascii: ".")) || p.skip(byte: UInt8(ascii: ",")) {
            var n = 0
            var scale: Int64 = 100_000_000
            while let c = p.peek(), c >= 0x30, c <= 0x39 {
                p.i += 1
                if n < 9 { nanos += Int64(c - 0x30) * scale; scale /= 10 }
                n += 1
            }
            guard n > 0 else { return nil }
        }
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        let wall =
            CivilDate.toDays(year: Int64(y), month: Int64(mo), day: Int64(d)) * 86_400
            + Int64(h * 3600 + mi * 60 + s)
        if p.skip(byte: UInt8(ascii: "Z")) || p.skip(byte: UInt8(ascii: "z")) {
            return Timestamp(seconds: wall, nanos: nanos)
        }
        if let c = p.peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            p.i += 1
            guard let oh = p.digits(2) else { return nil }
            _ = p.skip(byte: UInt8(ascii: ":"))
            guard let om = p.digits(2), oh < 24, om < 60 else { return nil }
            let off = Int64(oh * 3600 + om * 60) * (c == UInt8(ascii: "-") ? -1 : 1)
            return Timestamp(seconds: wall - off, nanos: nanos)
        }
        return Timestamp(seconds: utcSeconds(fromLocalWall: wall), nanos: nanos)
    }

    /// `Mmm dd hh:mm:ss` (day space- or zero-padded), with the year inferred from `now`.
    func parse3164Stamp(_ p: inout ByteView, now: Timestamp) -> Timestamp? {
        guard p.remaining >= 15, let month = monthNumber(p) else { return nil }
        p.i += 3
        guard p.skip(byte: 0x20) else { return nil }
        _ = p.skip(byte: 0x20)  // "Nov  2"
        guard let d = p.int(), (1...31).contains(d), p.skip(byte: 0x20) else { return nil }
        guard let h = p.digits(2), p.skip(byte: UInt8(ascii: ":")), let mi = p.digits(2),
            p.skip(byte: UInt8(ascii: ":")),
            let s = p.digits(2), h < 24, mi < 60, s < 61
        else { return nil }
        var nanos: Int64 = 0
        if p.skip(byte: UInt8(ascii: ".")) {  // high-precision BSD stamps (some relays)
            var scale: Int64 = 100_000_000
            var n = 0
            while let c = p.peek(), c >= 0x30, c <= 0x39 {
                p.i += 1
                if n < 9 { nanos += Int64(c - 0x30) * scale; scale /= 10 }
                n += 1
            }
        }
        let secondsOfDay = Int64(h * 3600 + mi * 60 + s)
        return Timestamp(seconds: inferYear(month: month, day: d, secondsOfDay: secondsOfDay, now: now), nanos: nanos)
    }

    /// The latest of next year / this year / last year whose instant is at most two days after `now`
    /// (for Feb 29: the latest leap year).
    func inferYear(month: Int, day: Int, secondsOfDay: Int64, now: Timestamp) -> Int64 {
        let limit = now.seconds + 2 * 86_400
        let nowYear = CivilDate.fromDays(syslogFloorDiv(now.seconds, 86_400)).year
        var best: Int64?
        // Next year, this year, then back; the extra years only matter for Feb 29 (at most 8 years apart).
        for y in stride(from: nowYear + 1, through: nowYear - 8, by: -1) {
            // Feb 29 only exists in leap years: skip years where the date would roll over.
            let days = CivilDate.toDays(year: y, month: Int64(month), day: Int64(day))
            let back = CivilDate.fromDays(days)
            guard back.month == Int64(month), back.day == Int64(day) else { continue }
            let wall = days * 86_400 + secondsOfDay
            // No zone is more than 14 hours from UTC: skip the zone look-up for years plainly too late.
            if wall - 50_400 > limit {
                if best == nil { best = wall }
                continue
            }
            let t = utcSeconds(fromLocalWall: wall)
            if t <= limit { best = t; break }
            if best == nil { best = t }
        }
        if let best { return best }
        return CivilDate.toDays(year: nowYear, month: Int64(month), day: 1) * 86_400 + secondsOfDay
    }

    func monthNumber(_ p: ByteView) -> Int? {
        guard let a = p.peek(), let b = p.peek(1), let c = p.peek(2) else { return nil }
        switch (a, b, c) {
        case (0x4A, 0x61, 0x6E): return 1  // Jan
        case (0x46, 0x65, 0x62): return 2  // Feb
        case (0x4D, 0x61, 0x72): return 3  // Mar
        case (0x41, 0x70, 0x72): return 4  // Apr
        case (0x4D, 0x61, 0x79): return 5  // May
        case (0x4A, 0x75, 0x6E): return 6  // Jun
        case (0x4A, 0x75, 0x6C): return 7  // Jul
        case (0x41, 0x75, 0x67): return 8  // Aug
        case (0x53, 0x65, 0x70): return 9  // Sep
        case (0x4F, 0x63, 0x74): return 10  // Oct
        case (0x4E, 0x6F, 0x76): return 11  // Nov
        case (0x44, 0x65, 0x63): return 12  // Dec
        default: return nil
        }
    }

    /// Converts a wall-clock time in ``timeZone`` (as seconds since the epoch, read as if UTC) to UTC.
    /// In a DST gap the earlier offset is used; in a repeated hour, the first occurrence wins.
    func utcSeconds(fromLocalWall wall: Int64) -> Int64 {
        if let f = fixedOffset { return wall - Int64(f) }
        func offset(_ t: Int64) -> Int64 { Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))) }
        // Offsets a day either side bracket any transition near this wall time.
        let before = offset(wall - 86_400)
        let after = offset(wall + 86_400)
        if before == after { return wall - before }
        let t1 = wall - before, t2 = wall - after
        let ok1 = offset(t1) == before, ok2 = offset(t2) == after
        switch (ok1, ok2) {
        case (true, true): return min(t1, t2)  // repeated hour: the first occurrence
        case (true, false): return t1
        case (false, true): return t2
        case (false, false): return t1  // gap: the offset in force before it
        }
    }
}

@inline(__always) func syslogFloorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
