#if canImport(Glibc)
import Glibc
#endif
import ActivityModel

/// Tails the files matching ``FileInputOptions/paths`` across rotation, delivering every line exactly once
/// given the positions the store committed (DESIGN.md: positions travel with their records).
///
/// Not Sendable: one thread owns it and calls ``run(shouldStop:emit:onStat:)``. The decisions about
/// rotation and truncation live in the pure `TailState`; this class only performs them (open, stat, pread,
/// glob, inotify). Polling every `pollInterval` is enough for correctness; an inotify watch on each
/// pattern's directory only wakes it sooner.
///
/// Limits, as in every tailer: a generation of the file that was created and rotated away entirely between
/// two checks is never seen; with copytruncate, lines written between the copy and the truncation are lost
/// (and lines not yet read at the truncation are recovered only if the copy is in the same directory).
/// Name the live files in `paths`, not their rotated siblings, or a renamed file would be read twice.
public final class FileFollower {
    private let options: FileInputOptions
    /// Stored positions by path.
    private let stored: [String: FilePosition]
    private let useInotify: Bool
    private var streams: [String: Stream] = [:]
    private var order: [String] = []
    private var initialScanDone = false
    private var inotifyFD: Int32 = -1
    private var watchedDirectories: Set<String> = []
    private var buffer: UnsafeMutableRawBufferPointer

    /// Bytes read per `pread`.
    static let chunkBytes = 1 << 20
    /// Lines per `emit` call at most.
    static let batchLines = 1000

    /// Creates a follower. `positions` are what the store committed last time, keyed by
    /// ``ActivityModel/InputPosition/input`` (``ActivityModel/InputID/file(path:)``; other inputs' positions are
    /// ignored), with values as this type produced them; values it cannot parse are ignored (the file then
    /// starts as if seen for the first time).
    public convenience init(options: FileInputOptions, positions: [InputID: String]) {
        self.init(options: options, positions: positions, useInotify: true)
    }

    /// As the public initializer; `useInotify: false` tests the polling fallback alone.
    init(options: FileInputOptions, positions: [InputID: String], useInotify: Bool) {
        self.options = options
        var parsed: [String: FilePosition] = [:]
        for (input, value) in positions {
            if let path = input.filePath, let p = FilePosition(encoded: value) { parsed[path] = p }
        }
        stored = parsed
        self.useInotify = useInotify
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 16)
    }

    deinit {
        for s in streams.values { s.closeAll() }
        if inotifyFD >= 0 { close(inotifyFD) }
        buffer.deallocate()
    }

    /// Runs until `shouldStop()` returns true (checked at least every `pollInterval`) or `emit` returns
    /// false. `emit` gets batches of up to 1000 lines of ONE file as RawRecords (`message` is the line
    /// without its newline; the last record carries the position too) and the position reached after the
    /// batch's last line; storing that position with the records makes a restart deliver every line exactly
    /// once. Counters and notable events go to `onStat`. Files stay open between calls, so `run` may be
    /// called again after it returned.
    public func run(shouldStop: () -> Bool, emit: ([RawRecord], InputPosition) -> Bool, onStat: (FileInputStat) -> Void)
    {
        if useInotify && inotifyFD < 0 { inotifyFD = inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC)) }
        var lastScan = -Double.infinity
        var wokenByEvent = false
        while !shouldStop() {
            let now = SystemClock.monotonicSeconds()
            if wokenByEvent || now - lastScan >= options.pollInterval {
                scanPatterns()
                lastScan = now
            }
            var progressed = false
            for path in order {
                guard let s = streams[path] else { continue }
                let r = service(s, emit: emit, onStat: onStat)
                if !r.keepRunning { return }
                progressed = progressed || r.progressed
                if shouldStop() { return }
            }
            if !progressed { wokenByEvent = waitForChange() }
        }
    }

    // MARK: - Discovery

    private func scanPatterns() {
        for pattern in options.paths {
            if useInotify { watchDirectory(of: pattern) }
            for path in globPaths(pattern) where streams[path] == nil && !Self.isCompressed(path) {
                let fromBeginning = initialScanDone ? true : options.startAtBeginning
                let s = Stream(
                    path: path, state: TailState(resume: stored[path], fromBeginning: fromBeginning),
                    maxLineBytes: options.maxLineBytes)
                streams[path] = s
                order.append(path)
            }
        }
        // Stored positions whose path no longer matches (deleted live file): nothing to follow until it
        // reappears; then the position is honoured through `TailState` like any other.
        initialScanDone = true
    }

    static func isCompressed(_ path: String) -> Bool {
        for ext in [".gz", ".xz", ".bz2", ".zst"] where path.hasSuffix(ext) { return true }
        return false
    }

    private func globPaths(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out
    }

    private func watchDirectory(of pattern: String) {
        guard inotifyFD >= 0 else { return }
        let dir = Self.directory(of: pattern)
        guard !watchedDirectories.contains(dir), !dir.contains(where: { "*?[".contains($0) }) else { return }
        let mask =
            UInt32(IN_MODIFY) | UInt32(IN_CREATE) | UInt32(IN_MOVED_FROM) | UInt32(IN_MOVED_TO)
            | UInt32(IN_DELETE) | UInt32(IN_ATTRIB) | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)
        if inotify_add_watch(inotifyFD, dir, mask) >= 0 { watchedDirectories.insert(dir) }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    /// Sleeps up to `pollInterval`; true when inotify reported something.
    private func waitForChange() -> Bool {
        let ms = Int32(max(1, min(Double(Int32.max), options.pollInterval * 1000)))
        guard inotifyFD >= 0 else {
            _ = poll(nil, 0, ms)
            return false
        }
        var pfd = pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)
        let r = poll(&pfd, 1, ms)
        guard r > 0 else { return false }
        // Drain the events: any of them only means "check now".
        while read(inotifyFD, buffer.baseAddress, 64 * 1024) > 0 {}
        return true
    }

    // MARK: - One path

    /// Per-path state: the pure machine, the open file and its line reader.
    private final class Stream {
        let path: String
        /// The input its positions are committed under.
        let input: InputID
        var state: TailState
        let maxLineBytes: Int
        var fd: Int32 = -1
        var reader: LineReader
        var lastError: Int32 = 0

        init(path: String, state: TailState, maxLineBytes: Int) {
            self.path = path; self.input = .file(path: path); self.state = state; self.maxLineBytes = maxLineBytes
            reader = LineReader(offset: 0, maxLineBytes: maxLineBytes)
        }

        func adopt(fd: Int32, offset: UInt64) {
            if self.fd >= 0 && self.fd != fd { close(self.fd) }
            self.fd = fd
            reader = LineReader(offset: offset, maxLineBytes: maxLineBytes)
        }

        func closeAll() {
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    private struct ServiceResult { var progressed: Bool; var keepRunning: Bool }

    /// Bytes one path may read per turn, so other paths and `shouldStop` get their turn.
    private static let turnBytes = 4 * chunkBytes

    private func service(_ s: Stream, emit: ([RawRecord], InputPosition) -> Bool, onStat: (FileInputStat) -> Void)
        -> ServiceResult
    {
        var progressed = false
        var readThisTurn = 0
        var batch: [RawRecord] = []
        batch.reserveCapacity(Self.batchLines)
        var steps = 0
        while steps < 64 {
            steps += 1
            if s.fd < 0 {
                // Closed: open the path, if there is one.
                guard let (fd, snap) = openSnapshot(s.path, onStat: onStat) else {
                    return .init(progressed: progressed, keepRunning: true)
                }
                switch s.state.opened(snap) {
                case .readFrom(let offset):
                    s.adopt(fd: fd, offset: offset)
                case .locate(let wanted, let exclude):
                    close(fd)
                    let found = locate(wanted, near: s.path, excluding: exclude, onStat: onStat)
                    let action = s.state.located(found?.snapshot)
                    switch action {
                    case .drainFrom(let offset, let why):
                        if let found { s.adopt(fd: found.fd, offset: offset) }
                        onStat(why == .foundCopy ? .truncated(path: s.path) : .rotated(path: s.path))
                    case .restartFromZero(let reason):
                        if let found { close(found.fd) }
                        onStat(reason == .truncated ? .truncated(path: s.path) : .fileGone(path: s.path))
                    default:
                        if let found { close(found.fd) }
                    }
                default:
                    close(fd)
                    return .init(progressed: progressed, keepRunning: true)
                }
                continue
            }
            guard let snap = snapshot(fd: s.fd, path: s.path, onStat: onStat) else {
                return .init(progressed: progressed, keepRunning: true)
            }
            let action = s.state.check(
                open: snap, readOffset: s.reader.readOffset, committed: s.reader.committed,
                path: pathInfo(s.path), now: SystemClock.monotonicSeconds())
            switch action {
            case .wait:
                return .init(progressed: progressed, keepRunning: true)
            case .readFrom, .drainFrom:
                if case .drainFrom(_, let why) = action {
                    onStat(why == .deleted ? .fileGone(path: s.path) : .rotated(path: s.path))
                }
                guard readThisTurn < Self.turnBytes else { return .init(progressed: true, keepRunning: true) }
                let n = pread(s.fd, buffer.baseAddress, Self.chunkBytes, off_t(clamping: s.reader.readOffset))
                if n < 0 {
                    let e = errno
                    if e != s.lastError { onStat(.readError(path: s.path, errno: e)) }
                    s.lastError = e
                    return .init(progressed: progressed, keepRunning: true)
                }
                if n == 0 { return .init(progressed: progressed, keepRunning: true) }
                // Verify after reading: if the file was truncated meanwhile, these bytes may be the new
                // content at an old offset, so they are dropped and the truncation handled.
                guard let after = snapshot(fd: s.fd, path: s.path, onStat: onStat) else {
                    return .init(progressed: progressed, keepRunning: true)
                }
                let verdict = s.state.check(
                    open: after, readOffset: s.reader.readOffset + UInt64(n), committed: s.reader.committed,
                    path: pathInfo(s.path), now: SystemClock.monotonicSeconds())
                if case .locate = verdict {
                    handleTruncation(s, verdict, onStat: onStat)
                    continue
                }
                if case .finishOldThenSwitch = verdict, after.size < s.reader.readOffset + UInt64(n) {
                    // A draining file truncated under us: drop the chunk too.
                    finish(s, flush: false, emit: emit, batch: &batch, onStat: onStat)
                    continue
                }
                readThisTurn += n
                progressed = true
                let ok = consume(s, count: n, batch: &batch, emit: emit, onStat: onStat)
                if !ok { return .init(progressed: true, keepRunning: false) }
                switch verdict {
                case .finishOldThenSwitch, .dropFinished:
                    if !finish(s, flush: true, emit: emit, batch: &batch, onStat: onStat) {
                        return .init(progressed: true, keepRunning: false)
                    }
                case .drainFrom(_, let why):
                    onStat(why == .deleted ? .fileGone(path: s.path) : .rotated(path: s.path))
                default:
                    break
                }
                if !flushBatch(s, batch: &batch, emit: emit, onStat: onStat) {
                    return .init(progressed: true, keepRunning: false)
                }
            case .locate:
                handleTruncation(s, action, onStat: onStat)
            case .finishOldThenSwitch, .dropFinished:
                if !finish(s, flush: true, emit: emit, batch: &batch, onStat: onStat) {
                    return .init(progressed: true, keepRunning: false)
                }
                progressed = true
            case .restartFromZero:
                s.closeAll()
            }
        }
        return .init(progressed: progressed, keepRunning: true)
    }

    /// Truncation seen while following: look for the copy, drain it or start again at 0.
    private func handleTruncation(_ s: Stream, _ action: TailState.Action, onStat: (FileInputStat) -> Void) {
        guard case .locate(let wanted, let exclude) = action else { return }
        s.closeAll()
        let found = locate(wanted, near: s.path, excluding: exclude, onStat: onStat)
        switch s.state.located(found?.snapshot) {
        case .drainFrom(let offset, _):
            if let found { s.adopt(fd: found.fd, offset: offset) }
        default:
            if let found { close(found.fd) }
        }
        onStat(.truncated(path: s.path))
    }

    /// Delivers the held partial line of a finished file (when `flush`), then closes it.
    @discardableResult
    private func finish(
        _ s: Stream, flush: Bool, emit: ([RawRecord], InputPosition) -> Bool, batch: inout [RawRecord],
        onStat: (FileInputStat) -> Void
    ) -> Bool {
        var ok = true
        if flush, let last = s.reader.flush() {
            if last.truncated { onStat(.lineTruncated(path: s.path)) }
            batch.append(RawRecord(message: String(decoding: last.bytes, as: UTF8.self)))
        }
        ok = flushBatch(s, batch: &batch, emit: emit, onStat: onStat)
        s.closeAll()
        return ok
    }

    /// Splits `count` bytes of the buffer into lines, emitting full batches.
    private func consume(
        _ s: Stream, count: Int, batch: inout [RawRecord], emit: ([RawRecord], InputPosition) -> Bool,
        onStat: (FileInputStat) -> Void
    ) -> Bool {
        let chunk = UnsafeRawBufferPointer(start: buffer.baseAddress, count: count)
        var ok = true
        _ = s.reader.feed(chunk) { bytes, truncated, end in
            if truncated { onStat(.lineTruncated(path: s.path)) }
            batch.append(RawRecord(message: String(decoding: bytes, as: UTF8.self)))
            if batch.count >= Self.batchLines {
                guard let pos = s.state.position(committed: end) else { return true }
                ok = send(s, &batch, pos, emit: emit, onStat: onStat)
            }
            return ok
        }
        return ok
    }

    private func flushBatch(
        _ s: Stream, batch: inout [RawRecord], emit: ([RawRecord], InputPosition) -> Bool,
        onStat: (FileInputStat) -> Void
    ) -> Bool {
        guard !batch.isEmpty, let pos = s.state.position(committed: s.reader.committed) else { return true }
        return send(s, &batch, pos, emit: emit, onStat: onStat)
    }

    private func send(
        _ s: Stream, _ batch: inout [RawRecord], _ pos: FilePosition,
        emit: ([RawRecord], InputPosition) -> Bool, onStat: (FileInputStat) -> Void
    ) -> Bool {
        let position = InputPosition(input: s.input, value: pos.encoded)
        batch[batch.count - 1].position = position
        let n = batch.count
        let ok = emit(batch, position)
        batch.removeAll(keepingCapacity: true)
        onStat(.linesRead(n))
        return ok
    }

    // MARK: - System calls

    private func openSnapshot(_ path: String, onStat: (FileInputStat) -> Void) -> (Int32, FileSnapshot)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno != ENOENT { onStat(.readError(path: path, errno: errno)) }
            return nil
        }
        guard let snap = snapshot(fd: fd, path: path, onStat: onStat), Self.isRegular(fd) else {
            close(fd)
            return nil
        }
        return (fd, snap)
    }

    private static func isRegular(_ fd: Int32) -> Bool {
        var st = stat()
        return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private func snapshot(fd: Int32, path: String, onStat: (FileInputStat) -> Void) -> FileSnapshot? {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            onStat(.readError(path: path, errno: errno))
            return nil
        }
        var prefix = [UInt8](repeating: 0, count: FilePosition.fingerprintBytes)
        let n = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else {
            onStat(.readError(path: path, errno: errno))
            return nil
        }
        prefix.removeSubrange(n...)
        return FileSnapshot(
            identity: FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)),
            size: UInt64(max(0, st.st_size)), linkCount: UInt64(st.st_nlink), prefix: prefix)
    }

    private func pathInfo(_ path: String) -> PathInfo? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return PathInfo(
            identity: FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)),
            size: UInt64(max(0, st.st_size)))
    }

    /// Searches the directory of `path` for the file of `wanted`: by identity first, then by content.
    private func locate(
        _ wanted: FilePosition, near path: String, excluding: FileIdentity?,
        onStat: (FileInputStat) -> Void
    ) -> (fd: Int32, snapshot: FileSnapshot)? {
        let dir = Self.directory(of: path)
        guard let d = opendir(dir) else { return nil }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != "..", !Self.isCompressed(name) { names.append(name) }
        }
        closedir(d)
        let full = names.map { dir == "/" ? "/" + $0 : dir + "/" + $0 }
        // By identity: a renamed file.
        for p in full {
            guard let info = pathInfo(p), info.identity == wanted.identity, info.identity != excluding else { continue }
            if let (fd, snap) = openSnapshot(p, onStat: onStat) {
                if snap.identity == wanted.identity, wanted.isContinued(byPrefix: snap.prefix, size: snap.size) {
                    return (fd, snap)
                }
                close(fd)
            }
        }
        // By content: the copy made by copytruncate.
        for p in full {
            guard let info = pathInfo(p), info.identity != excluding, info.size >= wanted.offset else { continue }
            if let (fd, snap) = openSnapshot(p, onStat: onStat) {
                if snap.identity != excluding, wanted.isContinued(byPrefix: snap.prefix, size: snap.size) {
                    return (fd, snap)
                }
                close(fd)
            }
        }
        return nil
    }
}
