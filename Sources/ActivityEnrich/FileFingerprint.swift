#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat(2)` says about a file: device, inode, size and modification time.
///
/// A reload reuses a part whose file has the same fingerprint as when it was loaded, so SIGHUP does not re-parse
/// unchanged million-line lists or drop a database's warm record cache. Atomic replacement (new inode) and
/// in-place edits (new size or mtime) both change the fingerprint.
struct FileFingerprint: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64

    /// The file's fingerprint, or `nil` when it cannot be stat'ed (then nothing is reused).
    static func of(_ path: String) -> FileFingerprint? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        let mtime = st.st_mtimespec
        #else
        let mtime = st.st_mtim
        #endif
        return FileFingerprint(
            device: UInt64(truncatingIfNeeded: st.st_dev), inode: UInt64(truncatingIfNeeded: st.st_ino),
            size: Int64(st.st_size), modifiedSeconds: Int64(mtime.tv_sec),
            modifiedNanoseconds: Int64(mtime.tv_nsec))
    }
}
