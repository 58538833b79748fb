#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An operating-system error with the call and path it came from, written for an operator.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it was, for callers that react to some (``locked``: another writer runs;
    /// ``noSpace``: the disk is full).
    public enum Code: String, Sendable {
        /// `io`: any other failure; `locked`: another process holds the data directory's lock; `corrupt`: a file's
        /// content is damaged or not what it should be; `noSpace`: disk or quota full; `permission`: access denied or a
        /// read-only file system; `notFound`: no such file; `invalidArgument`: a bad argument from the caller.
        case io, locked, corrupt, noSpace = "no_space", permission, notFound = "not_found", invalidArgument =
            "invalid_argument"
    }
    /// What kind of failure.
    public var code: Code
    /// What failed, in words (`open failed`, `damaged index: bad magic`...), without the path or the system's text.
    public var message: String
    /// The file or directory concerned, when there is one.
    public var path: String?
    /// The system call's `errno`, when a system call failed.
    public var errno: Int32?

    /// An error of kind `code`; `path` and `errno` when known.
    public init(_ code: Code, _ message: String, path: String? = nil, errno: Int32? = nil) {
        self.code = code; self.message = message; self.path = path; self.errno = errno
    }

    /// The message, then the path in parentheses and the system's text for `errno` when present:
    /// `open failed (/var/lib/activityd/segments): Permission denied`.
    public var description: String {
        var s = message
        if let path { s += " (\(path))" }
        if let errno, let m = strerror(errno) { s += ": " + (String(validatingCString: m) ?? "errno \(errno)") }
        return s
    }

    static func fromErrno(_ op: String, path: String?) -> StoreError {
        let e = Glibc.errno
        let code: Code
        switch e {
        case ENOSPC, EDQUOT: code = .noSpace
        case EACCES, EPERM, EROFS: code = .permission
        case ENOENT: code = .notFound
        default: code = .io
        }
        return StoreError(code, "\(op) failed", path: path, errno: e)
    }
}

/// The one place the store calls the operating system for files (swift-system's `Syscalls.swift` idea):
/// every call retries on EINTR and turns errno into a `StoreError` carrying the path.
final class FileHandle {
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o640) throws(StoreError) -> FileHandle {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return FileHandle(fd: fd, path: path) }
            if Glibc.errno == EINTR { continue }
            throw StoreError.fromErrno("open", path: path)
        }
    }

    deinit { _ = Glibc.close(fd) }

    func size() throws(StoreError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StoreError.fromErrno("fstat", path: path) }
        return Int(st.st_size)
    }

    /// Writes all of `bytes` at the end of the file (O_APPEND semantics are not relied on: the writer owns
    /// the offset). A short write after ENOSPC leaves the file as it was: the caller truncates back.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StoreError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw StoreError.fromErrno("write", path: path)
            }
            done += n
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(StoreError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw StoreError.fromErrno("read", path: path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func readAll() throws(StoreError) -> [UInt8] {
        let n = try size()
        var out = [UInt8](repeating: 0, count: n)
        var failure: StoreError?
        let got = out.withUnsafeMutableBytes { b -> Int in
            do { return try read(into: b, at: 0) } catch let e as StoreError { failure = e; return 0 } catch {
                return 0
            }
        }
        if let failure { throw failure }
        if got < n { out.removeSubrange(got..<n) }
        return out
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(StoreError) {
        var failure: StoreError?
        bytes.withUnsafeBytes { b in
            do { try write(b, at: offset) } catch let e as StoreError { failure = e } catch {}
        }
        if let failure { throw failure }
    }

    func sync() throws(StoreError) {
        while fdatasync(fd) != 0 {
            if Glibc.errno == EINTR { continue }
            throw StoreError.fromErrno("fdatasync", path: path)
        }
    }

    func truncate(to size: Int) throws(StoreError) {
        while ftruncate(fd, off_t(size)) != 0 {
            if Glibc.errno == EINTR { continue }
            throw StoreError.fromErrno("ftruncate", path: path)
        }
    }

    /// Takes an exclusive advisory lock without waiting; false when another process holds it.
    func tryLock() -> Bool { flock(fd, LOCK_EX | LOCK_NB) == 0 }

    /// Releases the lock ``tryLock()`` took. Closing the descriptor is not enough when the process is
    /// multithreaded and starts children: a child forked at that moment holds a copy of the descriptor (until
    /// its exec closes it, `O_CLOEXEC`), and a `flock` lives until the last copy is closed, so a writer opened
    /// right after would find the directory locked by this very process (seen in CI). Unlocking releases it
    /// for every copy.
    func unlock() { _ = flock(fd, LOCK_UN) }
}

/// The data directory's writer lock, taken by a tool that must not run beside the daemon (`verify --repair`).
public final class DataDirectoryLock {
    let handle: FileHandle

    /// Takes `LOCK` without waiting.
    /// - Throws: `StoreError` `.locked` when the daemon (or another tool) holds it.
    public init(dataDirectory: String) throws(StoreError) {
        let path = dataDirectory + "/LOCK"
        handle = try FileHandle.open(path, flags: O_RDWR | O_CREAT, mode: 0o640)
        guard handle.tryLock() else {
            let holder = (try? handle.readAll()).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() } ?? "?"
            throw StoreError(
                .locked, "the daemon (pid \(holder)) is writing this data directory; stop it before repairing",
                path: dataDirectory)
        }
    }

    deinit { handle.unlock() }
}

enum FS {
    static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); _ = Glibc.close(fd) }
    }

    static func makeDirectory(_ path: String, mode: mode_t = 0o750) throws(StoreError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && Glibc.errno != EEXIST {
                throw StoreError.fromErrno("mkdir", path: current)
            }
        }
    }

    static func list(_ dir: String) throws(StoreError) -> [String] {
        guard let d = opendir(dir) else { throw StoreError.fromErrno("opendir", path: dir) }
        defer { closedir(d) }
        var names: [String] = []
        while let ent = readdir(d) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    static func remove(_ path: String) { _ = unlink(path) }

    /// The file's identity now (nil when it cannot be stat'ed).
    static func identity(_ path: String) -> FileIdentity? {
        var st = stat()
        return stat(path, &st) == 0 ? FileIdentity(st) : nil
    }

    static func rename(_ from: String, _ to: String) throws(StoreError) {
        guard Glibc.rename(from, to) == 0 else { throw StoreError.fromErrno("rename", path: to) }
    }

    /// Writes a whole file through a temporary name, fsyncs it and renames it into place.
    static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o640) throws(StoreError) {
        let tmp = path + ".tmp"
        do {
            let h = try FileHandle.open(tmp, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
            try h.write(bytes, at: 0)
            try h.sync()
        }
        try rename(tmp, path)
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, 255) == 0 else { return "localhost" }
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import ActivityModel

/// What tells one version of a file from another: device, inode, size, modification time.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
    }
}
