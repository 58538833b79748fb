#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits the bytes of one file into lines, tracking offsets; pure (no I/O).
///
/// A partial last line is held until its newline arrives. A line longer than `maxLineBytes` is cut to that
/// many bytes and the rest of it is skipped up to its newline; the cut line is delivered only when that
/// newline is read, so the offset after it is always a line boundary and a restart never sees half a line.
struct LineReader: Sendable {
    /// Longest line delivered, in bytes.
    let maxLineBytes: Int
    /// File offset just after the last delivered line.
    private(set) var committed: UInt64
    /// File offset of the next byte to feed.
    private(set) var readOffset: UInt64
    /// Bytes of the current incomplete line (at most `maxLineBytes`).
    private var held: [UInt8] = []
    /// The current line is already longer than `maxLineBytes`: its remaining bytes are dropped.
    private var overlong = false

    /// Starts at `offset`, which must be a line boundary.
    init(offset: UInt64, maxLineBytes: Int) {
        self.maxLineBytes = max(1, maxLineBytes)
        committed = offset
        readOffset = offset
    }

    /// Whether part of a line is held.
    var hasPartialLine: Bool { !held.isEmpty || overlong }

    /// Feeds bytes read at ``readOffset``. Calls `line` for every complete line with its bytes (without
    /// the newline), whether it was cut, and the offset after its newline. Stops when `line` returns false
    /// (the rest of the chunk is then not consumed) and returns false.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, line: (UnsafeRawBufferPointer, Bool, UInt64) -> Bool) -> Bool {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return true }
        var start = 0
        let count = chunk.count
        while start < count {
            guard let hit = memchr(base + start, 0x0A, count - start) else { break }
            let nl = base.distance(to: UnsafeRawPointer(hit))
            let end = readOffset + UInt64(nl + 1)
            let piece = UnsafeRawBufferPointer(start: base + start, count: nl - start)
            let ok: Bool
            if !hasPartialLine {
                if piece.count <= maxLineBytes {
                    ok = line(piece, false, end)
                } else {
                    ok = line(UnsafeRawBufferPointer(rebasing: piece[0..<maxLineBytes]), true, end)
                }
            } else {
                var truncated = overlong
                if !overlong {
                    let room = maxLineBytes - held.count
                    if piece.count > room { truncated = true }
                    held.append(contentsOf: piece.prefix(room))
                }
                ok = held.withUnsafeBytes { line($0, truncated, end) }
                held.removeAll(keepingCapacity: true)
                overlong = false
            }
            committed = end
            start = nl + 1
            if !ok {
                readOffset = end
                return false
            }
        }
        if start < count, !overlong {
            let rest = UnsafeRawBufferPointer(start: base + start, count: count - start)
            let room = maxLineBytes - held.count
            held.append(contentsOf: rest.prefix(room))
            if rest.count > room { overlong = true }
        }
        readOffset += UInt64(count)
        return true
    }

    /// Delivers the held partial line as a last line (its file is finished and will not grow); nil if none.
    mutating func flush() -> (bytes: [UInt8], truncated: Bool, end: UInt64)? {
        guard hasPartialLine else { return nil }
        let out = (held, overlong, readOffset)
        held = []
        overlong = false
        committed = readOffset
        return out
    }
}
