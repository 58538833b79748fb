/// The one walk over a segment's frames that every reader, `verify`, index rebuilding and the writer's recovery
/// use, and the one description of damage they all report.
///
/// What differs between them is only how they treat bytes they cannot read, and that is the ``ScanPolicy``:
///
/// | policy | a torn frame at the end | any other invalid frame | events after the last commit |
/// | --- | --- | --- | --- |
/// | ``ScanPolicy/sealed`` | damage, walk ends | damage, resynchronise on the next valid frame | committed |
/// | ``ScanPolicy/active`` | the write in progress (no damage), walk ends | damage, resynchronise | not (yet) committed |
/// | ``ScanPolicy/recovery`` | walk stops: the tail from here is cut | walk stops: the tail from here is cut | cut |
///
/// The scanner only finds frames; what a frame means (decoding its events, commit or seal) is the caller's.

/// How a walk over a segment treats what it cannot read (see the table above).
public enum ScanPolicy: Sendable, Hashable {
    /// A sealed segment: every byte of it was committed before it was sealed.
    case sealed
    /// The active segment, read while the daemon may be writing it.
    case active
    /// The writer recovering its active segment at start: only what precedes the first invalid frame is kept.
    case recovery

    /// Whether events frames after the last commit frame are committed: in a sealed segment they are by
    /// construction (the writer commits before it rotates), even if that commit frame was damaged later.
    public var tailIsCommitted: Bool { self == .sealed }
}

/// A damaged place in a data directory: a file, where in it (nil: the file as a whole, e.g. an index that does
/// not match its segment) and why. Readers record it and go on (``StoreReader/damage``), `verify` lists it
/// (``VerifyReport/problems``), recovery reports it (``RecoveryReport/damage``).
public struct StoreDamage: Sendable, Hashable, CustomStringConvertible {
    /// The damaged file: a segment or an index.
    public var path: String
    /// Byte offset of the damage in the file; nil when it concerns the file as a whole.
    public var offset: Int?
    /// What is wrong (and, for readers, what they did instead), for an operator.
    public var reason: String

    /// Damage in `path` at `offset` (nil: the whole file).
    public init(path: String, offset: Int?, reason: String) {
        self.path = path
        self.offset = offset
        self.reason = reason
    }

    /// Damage a frame walk reported in the segment at `path`.
    public init(path: String, _ frame: FrameDamage) {
        self.init(path: path, offset: frame.offset, reason: frame.reason)
    }

    /// `path: offset N: reason`, or `path: reason` for damage to the whole file.
    public var description: String { offset.map { "\(path): offset \($0): \(reason)" } ?? "\(path): \(reason)" }
}

/// Damage met while reading; reading goes on after it.
public typealias ReadDamage = StoreDamage

/// Walks a segment's frames from an offset under a ``ScanPolicy``. A value: copy it to look ahead.
struct FrameScanner {
    /// One step of the walk: a valid frame, or damage the walk went past (never under `.recovery`).
    enum Step {
        case frame(FrameInfo)
        case damage(FrameDamage)
    }

    let bytes: UnsafeRawBufferPointer
    let policy: ScanPolicy
    /// Where the walk is: the end of the last frame returned, or past the damage it resynchronised over.
    private(set) var offset: Int
    /// Under `.recovery`, where the walk stopped at an invalid frame (nil: it reached the end of the bytes).
    private(set) var stoppedAt: Int?

    init(_ bytes: UnsafeRawBufferPointer, from offset: Int, policy: ScanPolicy) {
        self.bytes = bytes
        self.policy = policy
        self.offset = offset
    }

    mutating func next() -> Step? {
        guard offset < bytes.count else { return nil }
        switch FrameParser.frame(in: bytes, at: offset) {
        case .success(let f):
            offset = f.end
            return .frame(f)
        case .failure(let d):
            switch (policy, d) {
            case (.recovery, _):
                stoppedAt = offset
                offset = bytes.count
                return nil
            case (.active, .truncated):
                // The writer is mid-write: its frame ends beyond the bytes mapped. Not damage.
                offset = bytes.count
                return nil
            default:
                offset = FrameParser.resync(in: bytes, after: offset) ?? bytes.count
                return .damage(d)
            }
        }
    }

    /// Stops the walk here (a caller that found a frame it cannot use, under `.recovery`).
    mutating func stop(at frameOffset: Int) {
        stoppedAt = frameOffset
        offset = bytes.count
    }
}

/// Events frames waiting for the commit frame that makes them part of the store.
struct PendingCommit<Frame> {
    private(set) var frames: [Frame] = []
    var isEmpty: Bool { frames.isEmpty }

    mutating func add(_ f: Frame) { frames.append(f) }

    /// A commit frame was read: the frames waiting are committed.
    mutating func commit() -> [Frame] {
        defer { frames.removeAll(keepingCapacity: true) }
        return frames
    }

    /// The end of the segment: the frames still waiting, if the policy counts them as committed.
    mutating func end(_ policy: ScanPolicy) -> [Frame] {
        policy.tailIsCommitted ? commit() : []
    }
}
