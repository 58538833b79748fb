// Fuzzes syslog parsing (RFC 5424, RFC 3164, ISO stamps) and normalization of what it returns, plus
// normalization of journald-style records whose fields come from the input.
//
// Input: the first byte picks the mode (so one corpus covers both):
//   - even: the rest is syslog text; every line is parsed and the records go through one Normalizer in order
//     (so the pairing state of sessions/connections is exercised across lines);
//   - odd: the rest is a journal entry, one `KEY=VALUE` field per line (MESSAGE, SYSLOG_IDENTIFIER, _PID,
//     _HOSTNAME, MESSAGE_ID, SESSION_ID, USER_ID, SUDO_USER, ...); a blank line starts the next entry.
import ActivityModel
import ActivityPipeline
import Foundation

private let utc = SyslogParser(timeZone: TimeZone(identifier: "UTC")!)
private let berlin = SyslogParser(timeZone: TimeZone(identifier: "Europe/Berlin") ?? TimeZone(secondsFromGMT: 3600)!)
private let now = Timestamp(seconds: 1_767_225_600)  // 2026-01-01: RFC 3164 year inference around New Year

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: start, count: count)
    guard let mode = raw.first else { return 0 }
    let text = String(decoding: raw.dropFirst(), as: UTF8.self)
    var normalizer = Normalizer()
    if mode & 1 == 0 {
        let parser = mode & 2 == 0 ? utc : berlin
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let record = parser.parse(line, now: now) else { continue }
            consume(normalizer.normalize(record))
        }
    } else {
        for entry in text.components(separatedBy: "\n\n") {
            consume(normalizer.normalize(journalRecord(entry)))
        }
    }
    return 0
}

/// A RawRecord as JournalReader builds one from an entry's fields.
private func journalRecord(_ entry: String) -> RawRecord {
    var fields: [String: String] = [:]
    for line in entry.split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
    }
    let time = fields["_SOURCE_REALTIME_TIMESTAMP"].flatMap { Int64($0) }.map { Timestamp(nanoseconds: $0 &* 1000) }
    return RawRecord(
        time: time, host: fields["_HOSTNAME"], program: fields["SYSLOG_IDENTIFIER"] ?? fields["_COMM"],
        pid: fields["_PID"].flatMap { Int($0) }, message: fields["MESSAGE"] ?? "", fields: fields,
        position: InputPosition(input: .journald, value: "s=fuzz")
    )
}

private func consume(_ result: NormalizeResult) {
    if case .events(let events) = result {
        for e in events { _ = e.hashValue }
    }
}
