import Foundation
import Synchronization
import ActivityModel
import ActivityConfig
import ActivityReports
import ActivityStore

/// The daemon's risk state: one ``RiskEngine`` that the pipeline thread feeds every event (in the order the
/// store will write them) and the check API reads. Rebuilt at start from the store, so its answers after a
/// restart, clean or not, are those of a run that never stopped: the state is a function of the stored
/// events alone (events the pipeline had assessed but the store never wrote are not in it, and when their
/// input delivers them again they are assessed again against the same state).
final class RiskHolder: Sendable {
    let configuration: RiskConfiguration
    private let engine: Mutex<RiskEngine>
    /// The engine's settings (those of every engine this holder loads).
    let options: SuspiciousOptions
    /// Monotonic seconds of the last checkpoint (start counts as one).
    private let lastCheckpoint = Mutex<Double>(SystemClock.monotonicSeconds())

    init(configuration: RiskConfiguration) {
        self.configuration = configuration
        options = RiskHolder.options(configuration)
        engine = Mutex(RiskEngine(options: options))
    }

    /// The engine's settings for a `[risk]` table.
    static func options(_ c: RiskConfiguration) -> SuspiciousOptions {
        var o = SuspiciousOptions(
            maxSpeedKmh: c.maxSpeedKmh,
            bursts: FailureBurstOptions(threshold: c.burstThreshold, window: TimeSpan(nanoseconds: c.burstWindow)))
        o.maxUsers = c.maxUsers
        o.maxAddresses = c.maxAddresses
        return o
    }

    /// Folds the store's login attempts (picked by the index: logouts and activity are never decoded) into
    /// the engine, all of them or only those after `afterSeq` (after a checkpoint). Called once at start, before
    /// any input runs. Returns the number of events read.
    func rebuild(dataDirectory: String, afterSeq: UInt64? = nil) throws -> Int {
        let reader = try StoreReader(dataDirectory: dataDirectory)
        var q = EventQuery()
        q.terms[.action] = LoginEventKind.attemptActions
        q.omit = .reportExtras
        q.afterSeq = afterSeq
        var n = 0
        try engine.withLock { engine in
            for e in try reader.read(q, prefetch: true) {
                _ = engine.observe(e)
                n += 1
            }
        }
        return n
    }

    /// Sets `risk` (with ``ActivityModel/RiskFlags/assessed``) and `attrs.risk_why` on every successful
    /// login of a batch, and feeds every event to the engine, in order. The lock is taken per event, not per
    /// batch, so a check waits for one event's update at most.
    func assess(_ events: inout [ActivityEvent]) {
        for i in events.indices {
            let kind = LoginEventKind(events[i])
            guard kind.isFailure || kind.isSuccess else { continue }  // changes no state: no lock
            let verdict = engine.withLock { $0.observe(events[i]) }
            guard kind == .success else { continue }
            events[i].risk = verdict.flags.union(.assessed)
            events[i].attrs["risk_why"] = verdict.reasons.isEmpty ? nil : verdict.why
        }
    }

    /// The state of a clean stop, `risk.snapshot`, and the periodic checkpoint, `risk.checkpoint`, in the data
    /// directory. Both: `ACTRISK1`, the last stored seq the state covers (u64), the CRC32C of the engine's bytes
    /// (u32), then ``RiskEngine/snapshot()``.
    static func snapshotPath(dataDirectory: String) -> String { dataDirectory + "/risk.snapshot" }
    static func checkpointPath(dataDirectory: String) -> String { dataDirectory + "/risk.checkpoint" }
    static let snapshotMagic = Array("ACTRISK1".utf8)

    /// Writes `engine` as the state of every stored event up to `lastSeq` (atomically: a temporary file renamed).
    static func write(_ engine: RiskEngine, lastSeq: UInt64, to path: String) throws {
        let body = engine.snapshot()
        var head = RiskHolder.snapshotMagic
        for k in 0..<8 { head.append(UInt8(truncatingIfNeeded: lastSeq >> (8 * UInt64(k)))) }
        let crc = CRC32C.checksum(body)
        for k in 0..<4 { head.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k)))) }
        try Data(head + body).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a state file written by ``write(_:lastSeq:to:)``: the seq it covers and the engine, under this
    /// holder's settings; nil when missing, damaged or taken under other settings.
    func read(path: String) -> (lastSeq: UInt64, engine: RiskEngine)? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let b = [UInt8](data)
        guard b.count >= 20, Array(b[0..<8]) == RiskHolder.snapshotMagic else { return nil }
        var seq: UInt64 = 0
        for k in 0..<8 { seq |= UInt64(b[8 + k]) << (8 * UInt64(k)) }
        var crc: UInt32 = 0
        for k in 0..<4 { crc |= UInt32(b[16 + k]) << (8 * UInt32(k)) }
        let body = Array(b[20...])
        guard CRC32C.checksum(body) == crc,
            let loaded = RiskEngine(options: RiskHolder.options(configuration), snapshot: body)
        else { return nil }
        return (seq, loaded)
    }

    /// Writes the state as of the store's last seq `lastSeq`. Only after a clean stop, when every event the
    /// engine saw is stored: then the state is exactly what folding the store would give.
    func saveSnapshot(dataDirectory: String, lastSeq: UInt64) throws {
        try RiskHolder.write(
            engine.withLock { $0 }, lastSeq: lastSeq, to: RiskHolder.snapshotPath(dataDirectory: dataDirectory))
    }

    /// Loads the snapshot when it covers exactly the store as it is (its last seq is `lastSeq`) and was taken
    /// under the same settings; the file is removed either way, so a later crash rebuilds from the store.
    /// - Returns: the users loaded, or nil when there was no usable snapshot.
    func loadSnapshot(dataDirectory: String, lastSeq: UInt64) -> Int? {
        let path = RiskHolder.snapshotPath(dataDirectory: dataDirectory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let (seq, loaded) = read(path: path), seq == lastSeq else { return nil }
        engine.withLock { $0 = loaded }
        return loaded.trackedUsers
    }

    /// Loads the last checkpoint when the store still holds everything it covers (its seq is at most the store's
    /// last, `lastSeq`; a checkpoint ahead of the store covers events a crash lost, and is ignored). The caller
    /// then folds the attempts stored after it (``rebuild(dataDirectory:afterSeq:)``). The file stays: it remains
    /// true of the store as long as the store only grows.
    /// - Returns: the seq the checkpoint covers, or nil when there is none usable.
    func loadCheckpoint(dataDirectory: String, lastSeq: UInt64) -> UInt64? {
        guard let (seq, loaded) = read(path: RiskHolder.checkpointPath(dataDirectory: dataDirectory)), seq <= lastSeq
        else { return nil }
        engine.withLock { $0 = loaded }
        return seq
    }

    /// A copy of the engine for a checkpoint, when `[risk] checkpoint_interval` has passed since the last one
    /// (called by the pipeline thread after a batch is assessed, so the copy is the state of every event handed
    /// to the store up to that batch).
    ///
    /// The engine in service is replaced by a deep copy made here, outside the lock, and the checkpoint keeps the
    /// storage it shared: the pipeline thread is the only writer, so nothing changes while it copies, and checks
    /// go on reading the old tables meanwhile. (Returning a copy-on-write copy instead made the next login copy
    /// the tables under the lock, a 0.6 s stall of every check at a million users: BENCHMARKS.md, "risk".)
    func checkpointIfDue(now: Double) -> RiskEngine? {
        let interval = Double(configuration.checkpointInterval) / 1e9
        guard interval > 0 else { return nil }
        let due = lastCheckpoint.withLock { last -> Bool in
            guard now - last >= interval else { return false }
            last = now
            return true
        }
        guard due else { return nil }
        let checkpoint = engine.withLock { $0 }
        var own = checkpoint
        own.makeUnique()
        engine.withLock { $0 = own }
        return checkpoint
    }

    /// What a successful login `e` would be flagged now (the check API); changes nothing. The lock is held only
    /// to copy out the user's and the address's entries; the assessment (and its reasons' text) is made outside.
    func check(_ e: ActivityEvent) -> RiskAssessment {
        let context = engine.withLock { $0.context(for: e) }
        return RiskEngine.assess(e, in: context, options: options)
    }

    var trackedUsers: Int { engine.withLock { $0.trackedUsers } }
}
