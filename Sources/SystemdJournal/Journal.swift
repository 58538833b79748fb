public import ActivityModel
internal import CSystemdJournal

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Where a ``Journal`` reads from.
public enum JournalSource: Sendable, Hashable {
    /// The local machine's system and user journals (`sd_journal_open` with `SD_JOURNAL_LOCAL_ONLY`):
    /// journals of this boot's machine ID only, not remote or container journals.
    case system
    /// Every journal file in one directory (`sd_journal_open_directory`), e.g. `/var/log/journal/<machine-id>`
    /// or a directory `systemd-journal-remote` writes into.
    case directory(String)
    /// Exactly these journal files (`sd_journal_open_files`), interleaved by time.
    case files([String])
}

/// What changed in the journal files, as reported by ``Journal/wait(timeout:)`` and ``Journal/process()``.
public enum JournalChange: Sendable, Hashable {
    /// Nothing changed (`SD_JOURNAL_NOP`); also returned when the wait timed out or was interrupted by a signal.
    case nop
    /// Entries were appended (`SD_JOURNAL_APPEND`); ``Journal/next()`` will return them.
    case append
    /// Files were added, removed or rotated (`SD_JOURNAL_INVALIDATE`). Reading continues with ``Journal/next()``;
    /// entries already read stay read.
    case invalidate
}

/// One journal entry as a Swift value: its fields, its realtime timestamp and its cursor.
public struct JournalEntry: Sendable, Hashable {
    /// All fields of the entry by name (`MESSAGE`, `_PID`, ...), values decoded as UTF-8.
    ///
    /// Invalid UTF-8 (binary fields) is replaced with U+FFFD, values longer than the journal's data threshold are
    /// cut there, and when an entry holds the same field more than once the first value is kept. The
    /// `__REALTIME_TIMESTAMP`-style address fields are not fields of the entry; see ``realtime`` and ``cursor``.
    public var fields: [String: String]
    /// When journald received the entry (`__REALTIME_TIMESTAMP`), wall clock.
    public var realtime: Timestamp
    /// The entry's cursor, which ``Journal/seek(cursor:)`` and ``Journal/testCursor(_:)`` accept.
    public var cursor: String

    /// Creates an entry value, e.g. for tests of code that consumes entries.
    ///
    /// - Parameters:
    ///   - fields: Field names to values.
    ///   - realtime: The entry's receive time.
    ///   - cursor: The entry's cursor text.
    public init(fields: [String: String], realtime: Timestamp, cursor: String) {
        self.fields = fields
        self.realtime = realtime
        self.cursor = cursor
    }
}

/// A read handle on systemd journal files (libsystemd's `sd_journal`).
///
/// One thread owns a `Journal`: libsystemd's handles are not thread-safe, so the type is not `Sendable`. Create
/// it on the thread that reads, and run ``wait(timeout:)`` there too, since it blocks: never on the cooperative
/// pool. The handle is closed when the object is released.
///
/// Reading follows libsystemd's model: a *seek* sets a position between entries, and ``next()`` moves onto the
/// first entry after it. The `current…` methods then read that entry.
///
/// ```swift
/// let journal = try Journal(.directory("/var/log/journal"))
/// try journal.addMatch("_COMM=sshd")
/// try journal.seekHead()
/// while try journal.next() {
///     let entry = try journal.currentEntry()
///     print(entry.realtime, entry.fields["MESSAGE"] ?? "")
/// }
/// ```
public final class Journal {
    /// The data threshold set on open unless another is given: 64 KiB, libsystemd's own default.
    public static let defaultDataThreshold = 64 * 1024

    private let handle: OpaquePointer
    /// Values longer than this are cut when read; 0 means no limit. libsystemd treats its own threshold only as a
    /// hint, so the limit is also applied here.
    private var valueLimit: Int

    /// Opens journal files for reading.
    ///
    /// - Parameters:
    ///   - source: What to open: the local system journal, a directory, or specific files.
    ///   - dataThreshold: The largest field value, in bytes, that is read in full; longer values are cut. 0 reads
    ///     every value in full (a core dump can be many megabytes).
    /// - Throws: ``JournalError`` from `sd_journal_open*`, e.g. `ENOENT` for a missing directory or file.
    public init(_ source: JournalSource, dataThreshold: Int = Journal.defaultDataThreshold) throws(JournalError) {
        var opened: OpaquePointer?
        let result: Int32
        let operation: String
        let context: String?
        switch source {
        case .system:
            operation = "sd_journal_open"
            context = nil
            result = sd_journal_open(&opened, Int32(SD_JOURNAL_LOCAL_ONLY))
        case .directory(let path):
            operation = "sd_journal_open_directory"
            context = path
            result = sd_journal_open_directory(&opened, path, 0)
        case .files(let paths):
            operation = "sd_journal_open_files"
            context = paths.joined(separator: ", ")
            result = Journal.openFiles(&opened, paths)
        }
        guard result >= 0, let opened else {
            throw JournalError(operation: operation, code: result < 0 ? result : EINVAL, context: context)
        }
        self.handle = opened
        self.valueLimit = 0
        try setDataThreshold(dataThreshold)
    }

    deinit { sd_journal_close(handle) }

    private static func openFiles(_ ret: inout OpaquePointer?, _ paths: [String]) -> Int32 {
        // sd_journal_open_files takes a NULL-terminated array of C strings.
        var cStrings: [UnsafeMutablePointer<CChar>?] = paths.map { strdup($0) }
        defer { for pointer in cStrings { free(pointer) } }
        guard !cStrings.contains(where: { $0 == nil }) else { return -ENOMEM }
        cStrings.append(nil)
        return cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -EINVAL }
            return base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                sd_journal_open_files(&ret, $0, 0)
            }
        }
    }

    /// Sets the largest field value, in bytes, that is read in full (`sd_journal_set_data_threshold`).
    ///
    /// - Parameter bytes: The limit; 0 reads every value in full. Negative values are treated as 0.
    /// - Throws: ``JournalError`` if libsystemd rejects the value.
    public func setDataThreshold(_ bytes: Int) throws(JournalError) {
        let limit = max(0, bytes)
        try check(sd_journal_set_data_threshold(handle, limit), "sd_journal_set_data_threshold", String(limit))
        valueLimit = limit
    }

    // MARK: Matches

    /// Adds a `FIELD=value` match (`sd_journal_add_match`).
    ///
    /// libsystemd combines matches this way: matches on the same field are ORed, matches on different fields are
    /// ANDed, and ``addDisjunction()`` / ``addConjunction()`` start a new OR / AND group. Matches apply to the
    /// next seek.
    ///
    /// - Parameter match: `FIELD=value`; the field name must be upper case letters, digits and `_`.
    /// - Throws: ``JournalError`` with `EINVAL` when the match is malformed.
    public func addMatch(_ match: String) throws(JournalError) {
        var bytes = Array(match.utf8)
        let result = bytes.withUnsafeMutableBytes { sd_journal_add_match(handle, $0.baseAddress, $0.count) }
        try check(result, "sd_journal_add_match", match)
    }

    /// Adds an OR between the matches added before and after (`sd_journal_add_disjunction`).
    ///
    /// - Throws: ``JournalError`` from libsystemd.
    public func addDisjunction() throws(JournalError) {
        try check(sd_journal_add_disjunction(handle), "sd_journal_add_disjunction", nil)
    }

    /// Adds an AND between the match groups added before and after (`sd_journal_add_conjunction`).
    ///
    /// - Throws: ``JournalError`` from libsystemd.
    public func addConjunction() throws(JournalError) {
        try check(sd_journal_add_conjunction(handle), "sd_journal_add_conjunction", nil)
    }

    /// Adds matches so that an entry is shown when it matches *any* of them, whatever their fields.
    ///
    /// Each match becomes its own OR term (a disjunction follows each one), so
    /// `["_COMM=sshd", "SYSLOG_FACILITY=10"]` shows sshd's entries and every authpriv entry. This is the
    /// reading an operator's list of matches usually means; call ``addMatch(_:)`` directly for AND.
    ///
    /// - Parameter matches: `FIELD=value` strings; an empty list adds nothing (every entry is shown).
    /// - Throws: ``JournalError`` with `EINVAL` for the first malformed match.
    public func addMatches(anyOf matches: [String]) throws(JournalError) {
        for match in matches {
            try addMatch(match)
            try addDisjunction()
        }
    }

    /// Removes every match (`sd_journal_flush_matches`); applies to the next seek.
    public func flushMatches() {
        sd_journal_flush_matches(handle)
    }

    // MARK: Seeking and moving

    /// Positions before the oldest entry (`sd_journal_seek_head`); ``next()`` then reads the oldest entry.
    ///
    /// - Throws: ``JournalError`` from libsystemd.
    public func seekHead() throws(JournalError) {
        try check(sd_journal_seek_head(handle), "sd_journal_seek_head", nil)
    }

    /// Positions after the newest entry (`sd_journal_seek_tail`).
    ///
    /// ``next()`` then returns `false` until new entries are appended; ``previous()`` reads the newest entry.
    ///
    /// - Throws: ``JournalError`` from libsystemd.
    public func seekTail() throws(JournalError) {
        try check(sd_journal_seek_tail(handle), "sd_journal_seek_tail", nil)
    }

    /// Positions at the entry a cursor names (`sd_journal_seek_cursor`).
    ///
    /// ``next()`` then reads that entry if it still exists, else the nearest entry after where it was. Use
    /// ``testCursor(_:)`` after ``next()`` to tell which happened; ``JournalReader/resume(from:otherwise:)`` does
    /// both and resumes after the entry.
    ///
    /// - Parameter cursor: A cursor from ``currentCursor()``.
    /// - Throws: ``JournalError`` with `EINVAL` for a string that is not a cursor.
    public func seek(cursor: String) throws(JournalError) {
        try check(sd_journal_seek_cursor(handle, cursor), "sd_journal_seek_cursor", cursor)
    }

    /// Positions before the first entry at or after a wall-clock time (`sd_journal_seek_realtime_usec`).
    ///
    /// - Parameter realtime: The time; it is rounded down to whole microseconds, the journal's resolution.
    ///   Times before 1970 seek to the head.
    /// - Throws: ``JournalError`` from libsystemd.
    public func seek(realtime: Timestamp) throws(JournalError) {
        let usec = UInt64(max(0, realtime.nanoseconds / 1000))
        try check(sd_journal_seek_realtime_usec(handle, usec), "sd_journal_seek_realtime_usec", String(usec))
    }

    /// Moves to the next entry (`sd_journal_next`).
    ///
    /// - Returns: `true` when positioned on a new current entry, `false` at the end of the journal.
    /// - Throws: ``JournalError`` from libsystemd, e.g. `EBADMSG` for a corrupt file.
    public func next() throws(JournalError) -> Bool {
        let result = sd_journal_next(handle)
        try check(result, "sd_journal_next", nil)
        return result > 0
    }

    /// Moves to the previous entry (`sd_journal_previous`).
    ///
    /// - Returns: `true` when positioned on a new current entry, `false` at the start of the journal.
    /// - Throws: ``JournalError`` from libsystemd.
    public func previous() throws(JournalError) -> Bool {
        let result = sd_journal_previous(handle)
        try check(result, "sd_journal_previous", nil)
        return result > 0
    }

    /// Tells whether the current entry is the one a cursor names (`sd_journal_test_cursor`).
    ///
    /// - Parameter cursor: A cursor from ``currentCursor()``.
    /// - Returns: `true` when the current entry matches the cursor.
    /// - Throws: ``JournalError`` with `EINVAL` for a string that is not a cursor, `EADDRNOTAVAIL` when there is
    ///   no current entry.
    public func testCursor(_ cursor: String) throws(JournalError) -> Bool {
        let result = sd_journal_test_cursor(handle, cursor)
        try check(result, "sd_journal_test_cursor", cursor)
        return result > 0
    }

    // MARK: The current entry

    /// The current entry's cursor (`sd_journal_get_cursor`).
    ///
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when there is no current entry.
    public func currentCursor() throws(JournalError) -> String {
        var pointer: UnsafeMutablePointer<CChar>?
        try check(sd_journal_get_cursor(handle, &pointer), "sd_journal_get_cursor", nil)
        guard let pointer else { throw JournalError(operation: "sd_journal_get_cursor", code: ENOMEM) }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// The current entry's receive time (`sd_journal_get_realtime_usec`), microsecond resolution.
    ///
    /// Values past the year 2262 (only a corrupt file holds them) saturate at `Int64.max` nanoseconds.
    ///
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when there is no current entry.
    public func currentRealtime() throws(JournalError) -> Timestamp {
        var usec: UInt64 = 0
        try check(sd_journal_get_realtime_usec(handle, &usec), "sd_journal_get_realtime_usec", nil)
        return Timestamp(journalMicroseconds: usec)
    }

    /// All fields of the current entry, decoded as described on ``JournalEntry/fields``.
    ///
    /// Fields that libsystemd cannot decompress (an unsupported compression) are skipped.
    ///
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when there is no current entry, `EBADMSG` for corrupt data.
    public func currentFields() throws(JournalError) -> [String: String] {
        var fields: [String: String] = [:]
        fields.reserveCapacity(32)
        try forEachField { name, value in
            let key = String(decoding: name, as: UTF8.self)
            if fields[key] == nil { fields[key] = String(decoding: value, as: UTF8.self) }
        }
        return fields
    }

    /// One field of the current entry (`sd_journal_get_data`), or `nil` when the entry lacks it.
    ///
    /// - Parameter name: The field name, e.g. `MESSAGE`.
    /// - Returns: The value decoded as UTF-8 (lossy), cut at the data threshold.
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when there is no current entry.
    public func currentField(_ name: String) throws(JournalError) -> String? {
        var data: UnsafeRawPointer?
        var length = 0
        let result = sd_journal_get_data(handle, name, &data, &length)
        if result == -ENOENT { return nil }
        try check(result, "sd_journal_get_data", name)
        guard let data else { return nil }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        guard let split = Journal.splitField(bytes) else { return nil }
        return String(decoding: split.value, as: UTF8.self)
    }

    /// The current entry as a value: fields, receive time and cursor.
    ///
    /// - Throws: ``JournalError`` with `EADDRNOTAVAIL` when there is no current entry.
    public func currentEntry() throws(JournalError) -> JournalEntry {
        JournalEntry(fields: try currentFields(), realtime: try currentRealtime(), cursor: try currentCursor())
    }

    /// Calls `body` with each field of the current entry as raw name and value bytes, which are valid only during
    /// the call. Duplicate fields are passed each time they occur.
    func forEachField(
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void
    ) throws(JournalError) {
        sd_journal_restart_data(handle)
        var data: UnsafeRawPointer?
        var length = 0
        while true {
            let result = sd_journal_enumerate_available_data(handle, &data, &length)
            try check(result, "sd_journal_enumerate_available_data", nil)
            guard result > 0 else { return }
            guard let data else { continue }
            guard let split = Journal.splitField(UnsafeRawBufferPointer(start: data, count: length)) else { continue }
            var value = split.value
            if valueLimit > 0, value.count > valueLimit {
                value = UnsafeRawBufferPointer(rebasing: value[..<valueLimit])
            }
            body(split.name, value)
        }
    }

    /// Splits `NAME=value` at the first `=`; `nil` when there is none (never produced by journald, but the bytes
    /// come from a file).
    static func splitField(
        _ bytes: UnsafeRawBufferPointer
    ) -> (name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        guard let base = bytes.baseAddress, let found = memchr(base, Int32(UInt8(ascii: "=")), bytes.count) else {
            return nil
        }
        let equals = UnsafeRawPointer(found) - base
        return (
            UnsafeRawBufferPointer(start: base, count: equals),
            UnsafeRawBufferPointer(start: base + equals + 1, count: bytes.count - equals - 1)
        )
    }

    // MARK: Waiting for changes

    /// Blocks until the journal changes or the timeout passes (`sd_journal_wait`), then processes the change.
    ///
    /// Blocking: call it on the thread that owns the journal, never on the cooperative pool.
    ///
    /// - Parameter timeout: How long to wait at most; `nil` waits without limit.
    /// - Returns: What changed; ``JournalChange/nop`` on timeout or when a signal interrupted the wait.
    /// - Throws: ``JournalError`` from libsystemd.
    public func wait(timeout: Duration?) throws(JournalError) -> JournalChange {
        let usec: UInt64 = timeout.map(Journal.microseconds) ?? UInt64.max
        let result = sd_journal_wait(handle, usec)
        if result == -EINTR { return .nop }
        try check(result, "sd_journal_wait", nil)
        return JournalChange(result)
    }

    /// Processes pending file-system events after ``fileDescriptor()`` became readable (`sd_journal_process`).
    ///
    /// - Returns: What changed.
    /// - Throws: ``JournalError`` from libsystemd.
    public func process() throws(JournalError) -> JournalChange {
        let result = sd_journal_process(handle)
        try check(result, "sd_journal_process", nil)
        return JournalChange(result)
    }

    /// A file descriptor that becomes readable when the journal changes (`sd_journal_get_fd`), for an event loop
    /// that polls it instead of blocking in ``wait(timeout:)``. Call ``process()`` when it is readable.
    ///
    /// The descriptor belongs to the journal: do not close it.
    ///
    /// - Throws: ``JournalError`` from libsystemd.
    public func fileDescriptor() throws(JournalError) -> Int32 {
        let result = sd_journal_get_fd(handle)
        try check(result, "sd_journal_get_fd", nil)
        return result
    }

    // MARK: Helpers

    private func check(_ result: Int32, _ operation: String, _ context: String?) throws(JournalError) {
        if result < 0 { throw JournalError(operation: operation, code: result, context: context) }
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return UInt64.max - 1 }
        let (sum, overflow2) = whole.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000_000))
        return overflow2 ? UInt64.max - 1 : sum
    }
}

/// A journal handle must stay on its owner thread: libsystemd's `sd_journal` is not thread-safe.
@available(*, unavailable)
extension Journal: Sendable {}

extension JournalChange {
    init(_ result: Int32) {
        switch result {
        case Int32(SD_JOURNAL_APPEND): self = .append
        case Int32(SD_JOURNAL_INVALIDATE): self = .invalidate
        default: self = .nop
        }
    }
}

extension Timestamp {
    /// Converts journal microseconds, saturating instead of trapping on values from a corrupt file.
    init(journalMicroseconds usec: UInt64) {
        let (ns, overflow) = usec.multipliedReportingOverflow(by: 1000)
        self.init(nanoseconds: overflow || ns > UInt64(Int64.max) ? Int64.max : Int64(ns))
    }
}
