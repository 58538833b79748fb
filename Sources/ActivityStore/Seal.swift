#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import ActivityModel

/// Forward-secure sealing of segment history (docs/segment-format.md §7, docs/reliability.md).
///
/// The construction is a forward-secure HMAC chain (Bellare and Yee's key-evolving MAC, as in journald's
/// Forward Secure Sealing but with a symmetric key): the key of epoch `i + 1` is
/// `HMAC-SHA256(key_i, "activityd seal evolve")`, a one-way step, and the old key is overwritten in memory and
/// on disk. A seal frame authenticates, under the key of its epoch, the bytes of its segment written since the
/// previous seal, the previous seal's tag and its own position, so the seals form one chain across segments.
/// Whoever holds the host at epoch `j` holds `key_j` only: seals of earlier epochs can be neither forged nor
/// recomputed, so history sealed before `j` cannot be changed without the verifier seeing it.
///
/// Epochs are bound to time: epoch `e` is the interval `[t0 + (e−1)·Δ, t0 + e·Δ)` after setup at `t0`, and the
/// verifier checks that what a seal covers was committed within its epoch's interval (or the one before: a clean
/// stop moves the key one epoch ahead). So a later key cannot re-seal an edit of old history under its own epoch
/// without moving the history's commit times forward, which the verifier reports.
public enum Seal {
    /// Length in bytes of a seal tag (HMAC-SHA256) and of every key.
    public static let tagSize = 32
    static let evolveLabel = Array("activityd seal evolve".utf8)
    static let tagLabel = Array("ACTSEAL1".utf8)
    /// A verifier gives up past this many key evolutions between two seals (a forged epoch number).
    public static let maxEpochJump: UInt64 = 50_000_000

    /// The epoch of time `t` for a chain set up at `t0` with interval `interval` (ns): 1 during the first interval.
    public static func epoch(at t: Int64, t0: Int64, interval: Int64) -> UInt64 {
        t <= t0 ? 1 : UInt64((t - t0) / interval) + 1
    }

    /// How far a commit time may fall outside its seal's epoch interval (clock adjustments): a quarter interval,
    /// at most five minutes.
    public static func slack(interval: Int64) -> Int64 { min(interval / 4, 300_000_000_000) }

    /// `key_{i+1}` from `key_i`.
    public static func evolve(_ key: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: evolveLabel, using: SymmetricKey(data: key)))
    }

    /// The tag of a seal: HMAC-SHA256 under the epoch's key of the label, the segment's first seq, the covered
    /// byte range, the epoch, the seal time, the previous seal's tag and the SHA-256 of the covered bytes.
    public static func tag(
        key: [UInt8], segmentFirstSeq: UInt64, start: UInt64, end: UInt64, epoch: UInt64, time: Int64,
        previous: [UInt8], digest: [UInt8]
    ) -> [UInt8] {
        var w = ByteWriter(capacity: 8 + 8 * 5 + 64)
        w.bytes.append(contentsOf: tagLabel)
        w.u64(segmentFirstSeq)
        w.u64(start)
        w.u64(end)
        w.u64(epoch)
        w.i64(time)
        w.bytes.append(contentsOf: previous)
        w.bytes.append(contentsOf: digest)
        return Array(HMAC<SHA256>.authenticationCode(for: w.bytes, using: SymmetricKey(data: key)))
    }

    /// The seal frame's body (kind 3).
    static func body(epoch: UInt64, time: Int64, start: UInt64, previous: [UInt8], tag: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 89)
        w.u8(SegmentFormat.frameSeal)
        w.u64(epoch)
        w.i64(time)
        w.u64(start)
        w.bytes.append(contentsOf: previous)
        w.bytes.append(contentsOf: tag)
        return w.bytes
    }

    /// The all-zero tag a chain starts from.
    public static let genesis = [UInt8](repeating: 0, count: tagSize)
}

/// A parsed seal frame.
public struct SealRecord: Hashable, Sendable {
    /// The epoch of the key that made the tag.
    public var epoch: UInt64
    /// When the seal was written.
    public var time: Timestamp
    /// First byte the seal covers (0: the segment's header; else the end of the previous seal frame).
    public var start: UInt64
    /// The tag of the previous seal of the store (any segment); ``Seal/genesis`` for the chain's first seal.
    public var previous: [UInt8]
    /// The seal's tag (``Seal/tag(key:segmentFirstSeq:start:end:epoch:time:previous:digest:)``), 32 bytes.
    public var tag: [UInt8]
}

extension FrameParser {
    static func seal(in b: UnsafeRawBufferPointer, frame f: FrameInfo) -> SealRecord? {
        var r = ByteReader(b, offset: f.offset + 9, end: f.end)
        guard let epoch = r.u64(), let t = r.i64(), let start = r.u64(), let prev = r.bytes(32), let tag = r.bytes(32),
            r.remaining == 0
        else {
            return nil
        }
        return SealRecord(
            epoch: epoch, time: Timestamp(nanoseconds: t), start: start, previous: Array(prev), tag: Array(tag))
    }
}

/// The verification key `activityctl setup-keys` prints: the chain's first key, and the epoch interval it was
/// made with. Text form: `actseal1-<64 hex digits>-<setup time, Unix seconds>-<interval seconds>`; the hex may be written in groups
/// separated by `-` or spaces (the short form for copying by hand).
public struct SealVerificationKey: Hashable, Sendable, CustomStringConvertible {
    /// The chain's first key, `key_0` (32 bytes): never stored on the host.
    public var key0: [UInt8]
    /// When the chain was set up (Unix seconds): epoch 1 starts here.
    public var startSeconds: Int64
    /// Length of an epoch in seconds (positive).
    public var intervalSeconds: Int64

    /// A key from its parts (``SealKeyState/create(interval:now:)`` makes new ones). Nothing is checked: `key0`
    /// should be 32 bytes and `intervalSeconds` positive.
    public init(key0: [UInt8], startSeconds: Int64, intervalSeconds: Int64) {
        self.key0 = key0; self.startSeconds = startSeconds; self.intervalSeconds = intervalSeconds
    }

    /// Parses the text form ``description`` prints, in either letter case, with whitespace anywhere and the hex in
    /// any grouping; nil for anything else.
    public init?(text: String) {
        var s = text.lowercased().filter { !$0.isWhitespace }
        guard s.hasPrefix("actseal1-") else { return nil }
        s.removeFirst(9)
        let parts = s.split(separator: "-")
        guard parts.count >= 3, let interval = Int64(parts[parts.count - 1]), interval > 0,
            let start = Int64(parts[parts.count - 2])
        else { return nil }
        let hex = parts.dropLast(2).joined()
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
        self.key0 = bytes
        self.startSeconds = start
        self.intervalSeconds = interval
    }

    /// `actseal1-` then the key in eight groups of eight hex digits, the setup time and the interval in seconds.
    public var description: String {
        let hex = Hex.encode(key0)
        var groups: [String] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 8)
            groups.append(String(hex[i..<j]))
            i = j
        }
        return "actseal1-" + groups.joined(separator: "-") + "-\(startSeconds)-\(intervalSeconds)"
    }
}

/// The sealing key on the host: the current epoch and its key, in a small file rewritten (temporary file,
/// fsync, rename) at every evolution so the previous key does not stay in the file. Layout: magic `ACTSKEY1`,
/// u64 epoch, i64 interval in ns, i64 setup time in ns, 32-byte key, CRC32C of the preceding bytes.
public struct SealKeyState: Sendable, Hashable {
    /// The epoch of ``key``: 1 after setup, then one more per evolution.
    public var epoch: UInt64
    /// The current epoch's key (32 bytes). Earlier keys cannot be computed from it.
    public var key: [UInt8]
    /// Nanoseconds between time-driven evolutions (whole seconds).
    public var interval: Int64
    /// When the chain was set up (ns, whole seconds): epoch 1 starts here.
    public var start: Int64

    static let magic = Array("ACTSKEY1".utf8)

    /// A state from its parts (what ``load(path:)`` reads); ``create(interval:now:)`` starts a new chain.
    public init(epoch: UInt64, key: [UInt8], interval: Int64, start: Int64) {
        self.epoch = epoch; self.key = key; self.interval = interval; self.start = start
    }

    /// A new chain set up at `now`: a random first key (returned as the verification key) and the host state at
    /// epoch 1, so the first key is never written to the host.
    public static func create(interval: Int64, now: Timestamp) -> (SealVerificationKey, SealKeyState) {
        let k0 = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let seconds = max(1, interval / 1_000_000_000)
        let verification = SealVerificationKey(key0: k0, startSeconds: now.seconds, intervalSeconds: seconds)
        return (
            verification,
            SealKeyState(
                epoch: 1, key: Seal.evolve(k0), interval: seconds * 1_000_000_000,
                start: now.seconds * 1_000_000_000)
        )
    }

    /// The epoch the clock says it is.
    public func epoch(at t: Timestamp) -> UInt64 { Seal.epoch(at: t.nanoseconds, t0: start, interval: interval) }

    /// Moves the key forward `steps` epochs (the old key values are overwritten).
    public mutating func evolve(steps: UInt64 = 1) {
        var s: UInt64 = 0
        while s < steps {
            let next = Seal.evolve(key)
            for i in key.indices { key[i] = 0 }
            key = next
            epoch += 1
            s += 1
        }
    }

    func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        w.bytes.append(contentsOf: SealKeyState.magic)
        w.u64(epoch)
        w.i64(interval)
        w.i64(start)
        w.bytes.append(contentsOf: key)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Reads a key file written by ``save(path:)``.
    /// - Throws: `StoreError` `.corrupt` when the file is not a key file or fails its CRC; the open or read error
    ///   otherwise.
    public static func load(path: String) throws(StoreError) -> SealKeyState {
        let h = try FileHandle.open(path, flags: O_RDONLY)
        let b = try h.readAll()
        guard b.count == 8 + 8 + 8 + 8 + 32 + 4, Array(b[0..<8]) == magic else {
            throw StoreError(.corrupt, "not a sealing key file (activityctl setup-keys writes one)", path: path)
        }
        let state: SealKeyState? = b.withUnsafeBytes { raw in
            var r = ByteReader(raw, offset: 8)
            guard let epoch = r.u64(), let interval = r.i64(), let start = r.i64(), let key = r.bytes(32),
                let crc = r.u32(),
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<64])) == crc, interval > 0
            else { return nil }
            return SealKeyState(epoch: epoch, key: Array(key), interval: interval, start: start)
        }
        guard let state else { throw StoreError(.corrupt, "sealing key file is damaged", path: path) }
        return state
    }

    /// Writes the state (temporary file, fsync, rename, directory fsync): the previous key is gone from the
    /// file once this returns (see docs/reliability.md for what a file system may still keep).
    public func save(path: String) throws(StoreError) {
        try FS.writeAtomically(path, encode(), mode: 0o600)
        if let slash = path.lastIndex(of: "/") {
            FS.syncDirectory(slash == path.startIndex ? "/" : String(path[..<slash]))
        }
    }
}
