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

    /// The structured fields copied into ``ActivityModel/RawRecord/fields``: those normalization reads besides
    /// the record's own properties (logind's `MESSAGE_ID`, `SESSION_ID`, `USER_ID`, `LEADER`; the actor's
    /// `SUDO_USER` and `_AUDIT_LOGINUID`). All others are dropped.
    ///
    /// `MESSAGE`, `_SOURCE_REALTIME_TIMESTAMP`, `_HOSTNAME`, `SYSLOG_IDENTIFIER`/`_COMM` and `_PID`/`SYSLOG_PID`
    /// become the record's message, time, host, program and pid, so they are not repeated. (Until 2026-12 the
    /// dictionary also held those and `_UID`, `_AUDIT_SESSION`, `SYSLOG_FACILITY`, `PRIORITY`, which nothing
    /// read: hashing them into a dictionary per entry was a fifth of the journal thread's time.)
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
        try nextRecord(positionWhen: { _ in true })
    }

    /// Moves to the next entry and returns it as a record, with its cursor only when `wanted` says so.
    ///
    /// Formatting a cursor (`sd_journal_get_cursor`) is a sixth of reading an entry; the journald input asks for
    /// it only for records that may become events (events carry it) and, through ``currentPosition()``, for the
    /// last record of a batch (the position committed with the batch).
    ///
    /// - Parameter wanted: Called with the record (without position); true sets its position to the cursor.
    /// - Returns: The record, or `nil` at the end of the journal.
    /// - Throws: ``JournalError`` when the journal cannot be read.
    public func nextRecord(positionWhen wanted: (RawRecord) -> Bool) throws(JournalError) -> RawRecord? {
        if currentIsPending {
            currentIsPending = false
        } else if try !journal.next() {
            return nil
        }
        var record = try currentRecord(withPosition: false)
        if wanted(record) { record.position = try currentPosition() }
        return record
    }

    /// The position (cursor) of the entry the last ``nextRecord()`` returned.
    ///
    /// Also after a `nextRecord` that returned `nil` at the end of the journal: libsystemd stays on the last
    /// entry read until a later one exists.
    ///
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when no entry was read yet.
    public func currentPosition() throws(JournalError) -> InputPosition {
        InputPosition(input: inputName, value: try journal.currentCursor())
    }

    /// The journal's current entry as a record, reading only the fields a record needs.
    ///
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when there is no current entry.
    public func currentRecord() throws(JournalError) -> RawRecord {
        try currentRecord(withPosition: true)
    }

    private func currentRecord(withPosition: Bool) throws(JournalError) -> RawRecord {
        // The builder's slots are reused from entry to entry (one allocation per reader, not per entry).
        let builder = self.builder
        builder.reset()
        try journal.forEachField { name, value in builder.offer(name: name, value: value) }
        var record = builder.record(realtime: try journal.currentRealtime())
        if withPosition { record.position = try currentPosition() }
        return record
    }

    private let builder = JournalRecordBuilder()
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
        let builder = JournalRecordBuilder()
        for (index, field) in JournalRecordBuilder.all.enumerated() {
            builder.values[index] = journalEntry.fields[field.name]
        }
        self = builder.record(realtime: journalEntry.realtime)
        self.position = InputPosition(input: input, value: journalEntry.cursor)
    }
}

/// Collects the fields a record needs from raw field bytes, allocating strings only for those.
///
/// A reader keeps one builder and reuses it for every entry: its value slots and the wanted names live in
/// buffers allocated once, so matching a field name is a length check and one `memcmp` against at most three
/// candidates, with no per-entry allocation besides the kept values' strings and the record's dictionary.
final class JournalRecordBuilder {
    struct Field {
        let name: String
        let bytes: [UInt8]
        init(_ name: String) { self.name = name; self.bytes = Array(name.utf8) }
    }

    /// Fields copied into `RawRecord.fields` (``JournalReader/keptFields``).
    static let kept: [Field] = ["MESSAGE_ID", "SESSION_ID", "USER_ID", "LEADER", "SUDO_USER", "_AUDIT_LOGINUID"]
        .map(Field.init)
    /// Fields read for the record's own properties only.
    static let extra: [Field] = [
        "_COMM", "_PID", "_HOSTNAME", "SYSLOG_IDENTIFIER", "MESSAGE", "_SOURCE_REALTIME_TIMESTAMP", "SYSLOG_PID",
    ].map(Field.init)
    static let all: [Field] = kept + extra
    // Positions of these fields in `all`; the RawRecord conversion test fails if `extra` is reordered.
    static let commSlot = kept.count
    static let pidSlot = kept.count + 1
    static let hostnameSlot = kept.count + 2
    static let identifierSlot = kept.count + 3
    static let messageSlot = kept.count + 4
    static let sourceTimeSlot = kept.count + 5
    static let syslogPIDSlot = kept.count + 6
    /// The longest wanted name; longer names are skipped on their length alone.
    static let longestName = all.map(\.bytes.count).max() ?? 0

    /// The values found in this entry, by slot of ``all``.
    let values: UnsafeMutableBufferPointer<String?>
    /// The names of ``all``, one after another, and where each starts.
    private let names: UnsafeMutableBufferPointer<UInt8>
    private let nameStart: [Int]
    /// Per name length (index), up to three slots of ``all`` with that length; -1 marks an empty place.
    private let slotsByLength: UnsafeMutableBufferPointer<Int>
    private let kept = JournalRecordBuilder.kept.map(\.name)

    init() {
        let all = Self.all
        values = .allocate(capacity: all.count)
        values.initialize(repeating: nil)
        let blob = all.flatMap(\.bytes)
        names = .allocate(capacity: blob.count)
        _ = names.initialize(from: blob)
        var starts: [Int] = []
        var at = 0
        for f in all { starts.append(at); at += f.bytes.count }
        nameStart = starts
        slotsByLength = .allocate(capacity: (Self.longestName + 1) * 3)
        slotsByLength.initialize(repeating: -1)
        for (index, field) in all.enumerated() {
            let base = field.bytes.count * 3
            guard let free = (base..<(base + 3)).first(where: { slotsByLength[$0] < 0 }) else {
                preconditionFailure("more than three wanted journal fields of length \(field.bytes.count)")
            }
            slotsByLength[free] = index
        }
    }

    deinit {
        values.deinitialize()
        values.deallocate()
        names.deallocate()
        slotsByLength.deallocate()
    }

    /// Forgets the previous entry's values.
    func reset() {
        for i in values.indices where values[i] != nil { values[i] = nil }
    }

    /// Keeps `value` if `name` is a wanted field not seen yet in this entry (the first value wins).
    @inline(__always)
    func offer(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let length = name.count
        guard length <= Self.longestName, let base = name.baseAddress, let blob = names.baseAddress else { return }
        for k in (length * 3)..<(length * 3 + 3) {
            let index = slotsByLength[k]
            if index < 0 { return }
            if memcmp(blob + nameStart[index], base, length) == 0 {
                if values[index] == nil { values[index] = String(decoding: value, as: UTF8.self) }
                return
            }
        }
    }

    /// The record of the values found, without position.
    func record(realtime: Timestamp) -> RawRecord {
        // Most entries have none of the kept fields: no dictionary storage, no hashing then.
        var fields: [String: String] = [:]
        for (index, name) in kept.enumerated() {
            if let value = values[index] { fields[name] = value }
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
            fields: fields
        )
    }
}
