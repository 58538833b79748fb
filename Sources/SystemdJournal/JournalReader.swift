public import ActivityModel

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Reads journal entries as ``ActivityModel/RawRecord``s and resumes from a stored cursor.
///
/// The reader is the journald input's view of a ``Journal``: it picks out the fields normalization needs
/// (``keptFields``), fills the record's time, host, program, pid and message, and sets the record's position to
/// the entry's cursor so the store can commit it with the events. Like ``Journal`` it belongs to one thread.
///
/// ```swift
/// let reader = JournalReader(journal: try Journal(.system))
/// switch try reader.resume(from: storedCursor, otherwise: .tail) {
/// case .resumedAfterGap(let gap): logger.warning("journal entries lost", metadata: ["after": "\(gap.lastReadTime)"])
/// default: break
/// }
/// while true {
///     while let record = try reader.nextRecord() { queue.send(record) }
///     _ = try reader.journal.wait(timeout: .seconds(1))
/// }
/// ```
public final class JournalReader {
    /// The journal read from; use it to add matches before ``resume(from:otherwise:)`` and to wait.
    public let journal: Journal
    /// The input put into each record's ``ActivityModel/InputPosition``.
    public let inputName: InputID
    /// Set when a resume already stepped onto the first entry to return.
    private var currentIsPending = false

    /// The structured fields copied into ``ActivityModel/RawRecord/fields``; all others are dropped.
    ///
    /// `MESSAGE` becomes the record's message and `_SOURCE_REALTIME_TIMESTAMP` its time, so they are not repeated.
    public static let keptFields: [String] = JournalRecordBuilder.kept.map(\.name)

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - journal: An open journal; the reader takes over reading from it.
    ///   - inputName: The input recorded in each record's position; `.journald` unless several journal inputs run.
    public init(journal: Journal, inputName: InputID = .journald) {
        self.journal = journal
        self.inputName = inputName
    }

    /// Positions the journal to continue after a stored cursor.
    ///
    /// 1. No cursor: start at `fallback` (``JournalStart/tail`` means entries appended from now on).
    /// 2. Seek to the cursor and step; if `sd_journal_test_cursor` confirms the entry, the next record is the
    ///    entry after it.
    /// 3. If the entry is gone (vacuumed or rotated away), continue at the first entry whose receive time is
    ///    strictly after the cursor's `t=` time, and report the gap.
    /// 4. If libsystemd rejects the cursor or it has no time, start at `fallback` and say so.
    ///
    /// Add matches to ``journal`` before calling this; they apply from this seek on.
    ///
    /// - Parameters:
    ///   - cursor: The stored cursor, or `nil` on first start.
    ///   - fallback: Where to start when there is no usable cursor.
    /// - Returns: What happened, so the caller can log and count a gap.
    /// - Throws: ``JournalError`` when the journal cannot be read.
    public func resume(from cursor: String?, otherwise fallback: JournalStart) throws(JournalError)
        -> JournalResumeOutcome
    {
        currentIsPending = false
        guard let cursor else {
            try start(at: fallback)
            return .started(fallback)
        }
        let parsed = JournalCursor(cursor)
        var accepted = true
        var exists = false
        do {
            try journal.seek(cursor: cursor)
            if try journal.next() { exists = try journal.testCursor(cursor) }
        } catch  where error.code == EINVAL {
            accepted = false
        }
        switch JournalResumeStep.decide(
            cursor: parsed, cursorAccepted: accepted, entryStillExists: exists, fallback: fallback
        ) {
        case .continueAfterCursor:
            return .continuedAfterCursor
        case .seekAfter(let time):
            // One microsecond later: the journal's resolution. Saturates for a corrupt far-future `t=`.
            let (after, overflow) = time.nanoseconds.addingReportingOverflow(1000)
            try journal.seek(realtime: Timestamp(nanoseconds: overflow ? Int64.max : after))
            var resumedAt: Timestamp?
            if try journal.next() {
                resumedAt = try journal.currentRealtime()
                currentIsPending = true
            }
            return .resumedAfterGap(JournalGap(cursor: cursor, lastReadTime: time, resumedAtTime: resumedAt))
        case .start(let place):
            try start(at: place)
            return .cursorUnusable(cursor: cursor, startedAt: place)
        }
    }

    private func start(at place: JournalStart) throws(JournalError) {
        switch place {
        case .head:
            try journal.seekHead()
        case .tail:
            // Step back onto the newest entry so that `next()` returns only entries appended later, whatever
            // this libsystemd version does for `next()` straight after `seek_tail`.
            try journal.seekTail()
            _ = try journal.previous()
        }
    }

    /// Moves to the next entry and returns it as a record, or `nil` at the end of the journal.
    ///
    /// - Returns: The record, with ``ActivityModel/RawRecord/position`` set to the entry's cursor.
    /// - Throws: ``JournalError`` when the journal cannot be read.
    public func nextRecord() throws(JournalError) -> RawRecord? {
        if currentIsPending {
            currentIsPending = false
        } else if try !journal.next() {
            return nil
        }
        return try currentRecord()
    }

    /// The journal's current entry as a record, reading only the fields a record needs.
    ///
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when there is no current entry.
    public func currentRecord() throws(JournalError) -> RawRecord {
        var builder = JournalRecordBuilder()
        let slotsByLength = JournalRecordBuilder.slotsByLength
        let all = JournalRecordBuilder.all
        try journal.forEachField { name, value in
            builder.offer(name: name, value: value, slotsByLength: slotsByLength, all: all)
        }
        return builder.record(
            realtime: try journal.currentRealtime(), cursor: try journal.currentCursor(), input: inputName
        )
    }
}

/// A reader owns a ``Journal``, which must stay on its owner thread.
@available(*, unavailable)
extension JournalReader: Sendable {}

extension RawRecord {
    /// Converts a journal entry into a raw record, as ``JournalReader`` does while reading.
    ///
    /// - `time`: `_SOURCE_REALTIME_TIMESTAMP` (when the program logged) if it is a valid number, else the entry's
    ///   receive time.
    /// - `host`: `_HOSTNAME`. `program`: `SYSLOG_IDENTIFIER`, else `_COMM`. `pid`: `_PID`, else `SYSLOG_PID`.
    /// - `message`: `MESSAGE`, or empty.
    /// - `fields`: only ``JournalReader/keptFields``.
    /// - `position`: `InputPosition(input: input, value: entry.cursor)`.
    ///
    /// - Parameters:
    ///   - journalEntry: The entry.
    ///   - input: The input for the position.
    public init(journalEntry: JournalEntry, input: InputID = .journald) {
        var builder = JournalRecordBuilder()
        for (index, field) in JournalRecordBuilder.all.enumerated() {
            builder.values[index] = journalEntry.fields[field.name]
        }
        self = builder.record(realtime: journalEntry.realtime, cursor: journalEntry.cursor, input: input)
    }
}

/// Collects the fields a record needs from raw field bytes, allocating strings only for those.
struct JournalRecordBuilder {
    struct Field {
        let name: String
        let bytes: [UInt8]
        init(_ name: String) { self.name = name; self.bytes = Array(name.utf8) }
    }

    /// Fields copied into `RawRecord.fields`.
    static let kept: [Field] = [
        "_COMM", "_PID", "_UID", "_HOSTNAME", "SYSLOG_IDENTIFIER", "MESSAGE_ID", "SESSION_ID", "USER_ID", "LEADER",
        "SUDO_USER", "_AUDIT_LOGINUID", "_AUDIT_SESSION", "SYSLOG_FACILITY", "PRIORITY",
    ].map(Field.init)
    /// Fields read for the record's own properties only.
    static let extra: [Field] = ["MESSAGE", "_SOURCE_REALTIME_TIMESTAMP", "SYSLOG_PID"].map(Field.init)
    static let all: [Field] = kept + extra
    // Positions of these fields in `kept`; the RawRecord conversion test fails if `kept` is reordered.
    static let commSlot = 0
    static let pidSlot = 1
    static let hostnameSlot = 3
    static let identifierSlot = 4
    static let messageSlot = kept.count
    static let sourceTimeSlot = kept.count + 1
    static let syslogPIDSlot = kept.count + 2

    /// Slot indices of `all` by name length, so a field name is compared against at most three candidates.
    static let slotsByLength: [[Int]] = {
        var table = [[Int]](repeating: [], count: (all.map(\.bytes.count).max() ?? 0) + 1)
        for (index, field) in all.enumerated() { table[field.bytes.count].append(index) }
        return table
    }()

    var values = [String?](repeating: nil, count: JournalRecordBuilder.all.count)

    /// Keeps `value` if `name` is a wanted field not seen yet in this entry (the first value wins).
    mutating func offer(
        name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, slotsByLength: [[Int]], all: [Field]
    ) {
        guard name.count < slotsByLength.count, let base = name.baseAddress else { return }
        for index in slotsByLength[name.count] {
            let same = all[index].bytes.withUnsafeBytes {
                $0.baseAddress.map { memcmp($0, base, name.count) == 0 } ?? false
            }
            if same {
                if values[index] == nil { values[index] = String(decoding: value, as: UTF8.self) }
                return
            }
        }
    }

    func record(realtime: Timestamp, cursor: String, input: InputID) -> RawRecord {
        var fields: [String: String] = [:]
        fields.reserveCapacity(Self.kept.count)
        for (index, field) in Self.kept.enumerated() {
            if let value = values[index] { fields[field.name] = value }
        }
        var time = realtime
        if let text = values[Self.sourceTimeSlot], let usec = UInt64(text) {
            time = Timestamp(journalMicroseconds: usec)
        }
        let pidText = values[Self.pidSlot] ?? values[Self.syslogPIDSlot]
        return RawRecord(
            time: time,
            host: values[Self.hostnameSlot],
            program: values[Self.identifierSlot] ?? values[Self.commSlot],
            pid: pidText.flatMap { Int($0) },
            message: values[Self.messageSlot] ?? "",
            fields: fields,
            position: InputPosition(input: input, value: cursor)
        )
    }
}
