/// Identity of a file on this host: device and inode numbers, as `stat(2)` reports them.
public struct FileIdentity: Hashable, Sendable, CustomStringConvertible {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64

    /// Creates an identity from `st_dev` and `st_ino`.
    public init(device: UInt64, inode: UInt64) { self.device = device; self.inode = inode }

    /// `dev:inode`, in decimal.
    public var description: String { "\(device):\(inode)" }
}

/// Where a file input stands: which file (identity), how far (offset after the last delivered line), and
/// a fingerprint of the file's first bytes so that a truncated or replaced file is recognised.
///
/// Stored in ``ActivityModel/InputPosition/value`` as `v1:<dev>:<inode>:<offset>:<fp>`, all decimal except
/// `fp`, the FNV-1a 64 hash of the first `min(256, offset)` bytes in 16 lower-case hex digits.
public struct FilePosition: Hashable, Sendable, CustomStringConvertible {
    /// Number of leading bytes the fingerprint covers at most.
    public static let fingerprintBytes = 256

    /// The file.
    public var identity: FileIdentity
    /// Byte offset just after the last delivered line.
    public var offset: UInt64
    /// FNV-1a 64 of the first `min(256, offset)` bytes of the file.
    public var fingerprint: UInt64

    /// Creates a position from its parts.
    public init(identity: FileIdentity, offset: UInt64, fingerprint: UInt64) {
        self.identity = identity; self.offset = offset; self.fingerprint = fingerprint
    }

    /// Creates a position whose fingerprint is computed from `prefix`, the file's first bytes (at least
    /// `min(256, offset)` of them; fewer give a fingerprint that will not match at restart).
    public init(identity: FileIdentity, offset: UInt64, prefix: [UInt8]) {
        let n = Int(min(UInt64(Self.fingerprintBytes), offset))
        self.init(identity: identity, offset: offset, fingerprint: fnv1a64(prefix.prefix(n)))
    }

    /// Parses the stored form; nil for anything else (an unknown or damaged position is treated as absent).
    public init?(encoded: String) {
        let parts = encoded.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "v1",
            let dev = UInt64(parts[1]), let ino = UInt64(parts[2]), let off = UInt64(parts[3]),
            parts[4].utf8.count == 16, let fp = UInt64(parts[4], radix: 16)
        else { return nil }
        self.init(identity: FileIdentity(device: dev, inode: ino), offset: off, fingerprint: fp)
    }

    /// The stored form, `v1:<dev>:<inode>:<offset>:<fp hex>`.
    public var encoded: String {
        let hex = String(fingerprint, radix: 16)
        return "v1:\(identity.device):\(identity.inode):\(offset):" + String(repeating: "0", count: 16 - hex.utf8.count)
            + hex
    }

    /// Same as ``encoded``.
    public var description: String { encoded }

    /// Whether a file whose first bytes are `prefix` and whose size is `size` can be the file this position
    /// was taken in: it is at least `offset` long and its first `min(256, offset)` bytes hash to the fingerprint.
    public func isContinued(byPrefix prefix: [UInt8], size: UInt64) -> Bool {
        let n = Int(min(UInt64(Self.fingerprintBytes), offset))
        return size >= offset && prefix.count >= n && fnv1a64(prefix.prefix(n)) == fingerprint
    }
}

/// FNV-1a, 64 bits.
func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    return h
}
