#if canImport(Glibc)
import Glibc
#endif
import ActivityModel

/// A read-only memory map of a whole file. Pages are read only when touched, so a query that looks up
/// one term in twenty indexes reads a few pages of each, not twenty files.
public final class MappedFile: @unchecked Sendable {
    // @unchecked Sendable: the mapping is read-only (PROT_READ, MAP_PRIVATE) and never changes after init;
    // it is unmapped only in deinit, when no reference remains.
    let base: UnsafeRawPointer?
    /// Length of the file in bytes when it was mapped (later appends are not seen).
    public let count: Int
    /// The mapped file's path.
    public let path: String
    /// The mapped file's inode, size and modification time when it was mapped (``SegmentCache`` compares them).
    let identity: FileIdentity

    /// Maps the whole file read-only at its current length (an empty file maps nothing).
    /// - Throws: `StoreError` from `open`, `fstat` or `mmap` (`.notFound` when the file is gone).
    public init(path: String) throws(StoreError) {
        self.path = path
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.fromErrno("open", path: path) }
        defer { _ = Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StoreError.fromErrno("fstat", path: path) }
        count = Int(st.st_size)
        identity = FileIdentity(st)
        if count == 0 {
            base = nil
        } else {
            let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else { throw StoreError.fromErrno("mmap", path: path) }
            base = UnsafeRawPointer(p)
        }
    }

    deinit { if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) } }

    /// The mapped bytes; valid while this object lives (empty for an empty file).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
