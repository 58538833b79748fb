public import ActivityModel

/// Where reading starts when there is no usable stored cursor.
public enum JournalStart: Sendable, Hashable {
    /// From the oldest entry: a first import.
    case head
    /// From the next entry appended: only new events.
    case tail
}

/// Entries that may have been lost between a stored cursor and where reading resumed.
///
/// Reported when the entry a stored cursor names no longer exists (its file was vacuumed or rotated away while
/// the daemon was down): every entry between ``lastReadTime`` and ``resumedAtTime`` that was also vacuumed
/// is lost to us.
public struct JournalGap: Sendable, Hashable {
    /// The stored cursor that no longer names an entry.
    public var cursor: String
    /// The receive time of the last entry read before (the cursor's `t=` field).
    public var lastReadTime: Timestamp
    /// The receive time of the first entry reading resumes at, or `nil` when the journal holds nothing later yet.
    public var resumedAtTime: Timestamp?

    /// Creates a gap report.
    ///
    /// - Parameters:
    ///   - cursor: The stored cursor that no longer names an entry.
    ///   - lastReadTime: The cursor's timestamp.
    ///   - resumedAtTime: The first entry's timestamp after the gap, if there is one.
    public init(cursor: String, lastReadTime: Timestamp, resumedAtTime: Timestamp?) {
        self.cursor = cursor
        self.lastReadTime = lastReadTime
        self.resumedAtTime = resumedAtTime
    }
}

/// What ``JournalReader/resume(from:otherwise:)`` did.
public enum JournalResumeOutcome: Sendable, Hashable {
    /// No cursor was stored; reading starts at the given place.
    case started(JournalStart)
    /// The stored cursor's entry still exists; reading continues with the entry right after it.
    case continuedAfterCursor
    /// The stored cursor's entry is gone; reading continues with the first entry after its timestamp.
    case resumedAfterGap(JournalGap)
    /// The stored text is not a cursor libsystemd accepts, or has no timestamp; reading starts at the given place.
    case cursorUnusable(cursor: String, startedAt: JournalStart)
}

/// The pure decision behind resuming from a stored cursor: what to do given what the journal said.
///
/// The I/O shell (``JournalReader/resume(from:otherwise:)``) seeks to the cursor, steps onto the next entry and asks
/// `sd_journal_test_cursor` whether that is the stored entry; this type turns the answer into a step.
public enum JournalResumeStep: Sendable, Hashable {
    /// Stay on the stored entry; the next read returns the entry after it.
    case continueAfterCursor
    /// The entry is gone: seek to the first entry strictly after this time and report a gap.
    ///
    /// Strictly after, because the stored entry itself was read and any entry at the same microsecond was most
    /// likely read with it (journald writes in order); re-reading them would repeat events.
    case seekAfter(Timestamp)
    /// The cursor cannot be used: start at the fallback place.
    case start(JournalStart)

    /// Decides how to resume.
    ///
    /// - Parameters:
    ///   - cursor: The stored cursor, parsed.
    ///   - cursorAccepted: Whether libsystemd accepted the cursor text for seeking.
    ///   - entryStillExists: Whether, after seeking to the cursor and stepping once, the current entry is the
    ///     stored one (`sd_journal_test_cursor`).
    ///   - fallback: Where to start when the cursor is unusable.
    /// - Returns: The step to take.
    public static func decide(
        cursor: JournalCursor, cursorAccepted: Bool, entryStillExists: Bool, fallback: JournalStart
    ) -> JournalResumeStep {
        guard cursorAccepted else { return .start(fallback) }
        if entryStillExists { return .continueAfterCursor }
        guard let time = cursor.realtime else { return .start(fallback) }
        return .seekAfter(time)
    }
}
