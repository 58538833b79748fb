/// What the I/O shell saw of one open file: `fstat` plus its first bytes.
struct FileSnapshot: Equatable, Sendable {
    /// Device and inode of the file.
    var identity: FileIdentity
    /// `st_size`.
    var size: UInt64
    /// `st_nlink`: 0 once the file is deleted (while our descriptor keeps it alive).
    var linkCount: UInt64
    /// The first `min(256, size)` bytes.
    var prefix: [UInt8]
}

/// What the shell saw at the configured path: `stat` of whatever file the name points to now.
struct PathInfo: Equatable, Sendable {
    /// Device and inode of the file the path names.
    var identity: FileIdentity
    /// Its size.
    var size: UInt64
}

/// Rotation and truncation decisions for one followed path, as a pure state machine (STYLE §3).
///
/// The shell opens files, reads bytes and splits lines; this type only decides *which* file to read from
/// *where*. It sees the world through ``FileSnapshot`` and ``PathInfo`` values and answers with an
/// ``Action``. Offsets: `readOffset` is how far the shell has read the open file (including a held partial
/// line); `committed` is just after the last complete line delivered, which is what positions record.
///
/// Rules, after fluent-bit's `in_tail` (positions by inode + offset, with a content marker for copytruncate):
/// - a stored position is honoured if the file at the path is the same inode, at least as long, with the
///   same first bytes; otherwise the file it names is looked for in the directory, by inode (renamed) or by
///   content (the copy made by copytruncate), read from the stored offset to its end, and only then the file
///   at the path is read from 0. If it cannot be found, the path is read from 0 and the gap is reported.
/// - while following, a size below what was read, or first bytes that changed, is copytruncate: the copy
///   is looked for as above (so lines not yet read when the file was truncated are not lost), then 0.
/// - when the path names another file or none (rename rotation, deletion), the old file is read to its
///   end before it is closed; after a live rename, it is kept until the new file has data (the writer has
///   moved on) or ``drainGrace`` seconds pass with nothing new in it.
struct TailState: Sendable {
    /// Why a file other than the one at the path is being finished.
    enum DrainReason: Equatable, Sendable {
        /// The path was renamed away while we followed it (rename rotation).
        case rotated
        /// The file was deleted while we followed it.
        case deleted
        /// At start, the stored position's file was found under another name.
        case foundRenamed
        /// After truncation (seen live or at start), the copy of the old content was found.
        case foundCopy
    }

    /// Why reading starts again at offset 0 of the file at the path.
    enum RestartReason: Equatable, Sendable {
        /// Truncated or replaced in place, and no copy of the unread rest was found.
        case truncated
        /// The stored position's file is gone: lines after it are lost (a gap).
        case positionLost
    }

    /// The states of one followed path.
    enum State: Equatable, Sendable {
        /// No file open. `resume` is a stored position not yet honoured; `fromBeginning` says where a file
        /// without a position starts (0 or its end).
        case closed(resume: FilePosition?, fromBeginning: Bool)
        /// A position's file is not (or no longer) the one at the path: the shell is searching the directory.
        /// `reason` is what to report if it is not found; `exclude` is the file at the path, never a candidate.
        case locating(FilePosition, reason: RestartReason, exclude: FileIdentity?)
        /// Reading the file the path names.
        case following(FileIdentity)
        /// Reading an older file to its end before switching to the path. `idleSince` is when the shell
        /// last found it at its end with nothing decided (nil while it still has data).
        case draining(FileIdentity, reason: DrainReason, idleSince: Double?)
    }

    /// What the shell must do next.
    enum Action: Equatable, Sendable {
        /// Read the open file from this offset (the reader's current offset, or where a resumed or newly
        /// opened file starts).
        case readFrom(UInt64)
        /// Nothing to read now: wait for the next check.
        case wait
        /// Close the file at the path and search its directory for the file of this position: same identity,
        /// or (if none) same first bytes, at least `offset` long, never the `exclude`d one. Report with
        /// ``TailState/located(_:)``.
        case locate(FilePosition, exclude: FileIdentity?)
        /// Read the file just located (or, for `.rotated`/`.deleted`, the file still open) from this offset
        /// to its end.
        case drainFrom(UInt64, DrainReason)
        /// The older file is read to its end: deliver its held partial line, close it, and open the path,
        /// which is read from 0.
        case finishOldThenSwitch
        /// The deleted file is read to its end: deliver its held partial line and close it.
        case dropFinished
        /// Start over at offset 0 of the file at the path (close whatever is open and open the path again).
        case restartFromZero(RestartReason)
    }

    /// Seconds a renamed file is kept open, idle, while the new file at the path is still empty or absent.
    var drainGrace: Double = 5

    /// The current state.
    private(set) var state: State
    /// The first (up to 256) bytes of the open file, as last seen; positions fingerprint them.
    private(set) var prefix: [UInt8] = []
    /// The file the shell has open (followed or drained). Kept after a transition to `closed` until
    /// another file is opened, so the lines of a finished file still get its position.
    private(set) var current: FileIdentity?

    /// Starts closed, with the stored position if any.
    init(resume: FilePosition?, fromBeginning: Bool) {
        state = .closed(resume: resume, fromBeginning: fromBeginning)
    }

    /// The position to store after delivering lines up to `committed` in the open file; nil when no file is open.
    func position(committed: UInt64) -> FilePosition? {
        current.map { FilePosition(identity: $0, offset: committed, prefix: prefix) }
    }

    /// The shell opened the file at the path (state `closed`).
    mutating func opened(_ file: FileSnapshot) -> Action {
        guard case .closed(let resume, let fromBeginning) = state else { return .wait }
        guard let resume else {
            state = .following(file.identity)
            prefix = file.prefix
            current = file.identity
            return .readFrom(fromBeginning ? 0 : file.size)
        }
        if resume.identity == file.identity, resume.isContinued(byPrefix: file.prefix, size: file.size) {
            state = .following(file.identity)
            prefix = file.prefix
            current = file.identity
            return .readFrom(resume.offset)
        }
        // Same inode but shorter or other content: copytruncate while we were stopped. Another inode: rotated.
        let reason: RestartReason = resume.identity == file.identity ? .truncated : .positionLost
        state = .locating(resume, reason: reason, exclude: file.identity)
        current = nil
        return .locate(resume, exclude: file.identity)
    }

    /// Result of a `.locate`: the file found (the shell keeps it open), or nil.
    mutating func located(_ file: FileSnapshot?) -> Action {
        guard case .locating(let wanted, let reason, _) = state else { return .wait }
        guard let file, wanted.isContinued(byPrefix: file.prefix, size: file.size) else {
            state = .closed(resume: nil, fromBeginning: true)
            return .restartFromZero(reason)
        }
        let why: DrainReason = file.identity == wanted.identity ? .foundRenamed : .foundCopy
        state = .draining(file.identity, reason: why, idleSince: nil)
        prefix = file.prefix
        current = file.identity
        return .drainFrom(wanted.offset, why)
    }

    /// A check of the open file (state `following` or `draining`), after the shell read up to `readOffset`
    /// (`committed` is the end of the last complete line). `path` is what the configured path names now.
    mutating func check(open file: FileSnapshot, readOffset: UInt64, committed: UInt64, path: PathInfo?, now: Double)
        -> Action
    {
        switch state {
        case .closed, .locating:
            return .wait
        case .following(let id):
            guard file.identity == id else { return .wait }
            if isTruncated(file, readOffset: readOffset) {
                let pos = FilePosition(identity: id, offset: committed, prefix: prefix)
                state = .locating(pos, reason: .truncated, exclude: id)
                current = nil
                return .locate(pos, exclude: id)
            }
            adoptPrefix(file)
            if path?.identity != id {
                let reason: DrainReason = (file.linkCount == 0 && path == nil) ? .deleted : .rotated
                state = .draining(id, reason: reason, idleSince: nil)
                return .drainFrom(readOffset, reason)
            }
            return file.size > readOffset ? .readFrom(readOffset) : .wait
        case .draining(let id, let reason, let idleSince):
            guard file.identity == id else { return .wait }
            if isTruncated(file, readOffset: readOffset) {
                // An old file truncated under us: nothing more can come from it.
                state = .closed(resume: nil, fromBeginning: true)
                return .finishOldThenSwitch
            }
            adoptPrefix(file)
            if path?.identity == id, reason == .rotated || reason == .deleted {
                state = .following(id)  // renamed back
                return file.size > readOffset ? .readFrom(readOffset) : .wait
            }
            if file.size > readOffset {
                state = .draining(id, reason: reason, idleSince: nil)
                return .readFrom(readOffset)
            }
            // At its end.
            switch reason {
            case .foundRenamed, .foundCopy:
                state = .closed(resume: nil, fromBeginning: true)
                return .finishOldThenSwitch
            case .deleted, .rotated:
                if path == nil && file.linkCount == 0 {
                    state = .closed(resume: nil, fromBeginning: true)
                    return .dropFinished
                }
                let since = idleSince ?? now
                if let path, path.size > 0 || now - since >= drainGrace {
                    state = .closed(resume: nil, fromBeginning: true)
                    return .finishOldThenSwitch
                }
                if path == nil, now - since >= drainGrace {
                    state = .closed(resume: nil, fromBeginning: true)
                    return .dropFinished
                }
                state = .draining(id, reason: reason, idleSince: since)
                return .wait
            }
        }
    }

    /// Size below what was read, or first bytes that no longer start the same way.
    private func isTruncated(_ file: FileSnapshot, readOffset: UInt64) -> Bool {
        if file.size < readOffset { return true }
        let n = min(prefix.count, file.prefix.count)
        if file.prefix.count < prefix.count { return true }
        return !file.prefix.prefix(n).elementsEqual(prefix.prefix(n))
    }

    private mutating func adoptPrefix(_ file: FileSnapshot) {
        if file.prefix.count > prefix.count { prefix = file.prefix }
    }
}
