/// Configuration of one file input (`[[input.file]]`).
public struct FileInputOptions: Sendable {
    /// Paths or glob(3) patterns of the live log files, e.g. `/var/log/auth.log`, `/var/log/*.log`.
    ///
    /// Name the live file, not its rotated siblings: rotated files are followed by identity (device and inode)
    /// or found by content when a stored position refers to them. Compressed files (`.gz`, `.xz`, `.bz2`,
    /// `.zst`) are ignored even when a pattern matches them.
    public var paths: [String]
    /// Where a file seen for the first time with no stored position starts: at its beginning (`true`) or at
    /// its end (`start_at = "end"`, `false`). Files that appear after the follower started always start at 0.
    public var startAtBeginning: Bool
    /// Seconds between checks of every file when nothing else wakes the follower (the polling fallback,
    /// which alone is enough for correctness; inotify only makes it react sooner).
    public var pollInterval: Double = 0.25
    /// Longest line kept, in bytes; the rest of a longer line is discarded up to its newline.
    public var maxLineBytes = 65_536

    /// Creates options; see the properties for the meaning of each value.
    public init(paths: [String], startAtBeginning: Bool, pollInterval: Double = 0.25, maxLineBytes: Int = 65_536) {
        self.paths = paths
        self.startAtBeginning = startAtBeginning
        self.pollInterval = pollInterval
        self.maxLineBytes = maxLineBytes
    }
}

/// Counters and notable events a ``FileFollower`` reports through its `onStat` callback.
public enum FileInputStat: Equatable, Sendable {
    /// This many lines were handed to `emit` (one report per batch).
    case linesRead(Int)
    /// A line longer than `maxLineBytes` was cut.
    case lineTruncated(path: String)
    /// The file at `path` was rotated by rename (seen live, or found under another name at start).
    case rotated(path: String)
    /// The file at `path` was truncated or replaced in place (copytruncate): reading restarts at 0.
    case truncated(path: String)
    /// The file at `path` was deleted, or the file a stored position referred to cannot be found any more
    /// (a gap: lines written to it after the stored position are lost).
    case fileGone(path: String)
    /// A system call on `path` failed with `errno`; the follower retries on the next check.
    case readError(path: String, errno: Int32)
}
