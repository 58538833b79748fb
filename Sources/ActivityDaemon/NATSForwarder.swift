import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ActivityModel
import ActivityConfig
import ActivityStore
import NATSJetStream

extension ConnectOptions {
    init(_ c: NATSConnectionConfiguration, name: String) {
        self.init(servers: c.servers)
        self.name = name
        credentialsFile = c.credentials
        token = c.token
        tlsCAFile = c.tlsCA
        tlsCertFile = c.tlsCert
        tlsKeyFile = c.tlsKey
        timeoutMilliseconds = max(100, c.timeout / 1_000_000)
    }
}

/// What the forwarder shares with the store: the last seq the stream acknowledged, which retention keeps
/// (segments holding a later event are not deleted). 0 until the forwarder has read its subject's last
/// message, so nothing is deleted before it knows.
final class ForwardProgress: Sendable {
    let forwarded = Atomic<UInt64>(0)
}

/// `[forward.nats]`: publishes this host's stored events, in seq order, to the stream on its own thread.
///
/// The store is the outbox and its `seq` the position: nothing is kept anywhere else. Each message carries
/// `Nats-Msg-Id: <host_id>:<seq>` and the expected last sequence of the subject; at start, and after every
/// failure (timeout, lost connection, refused expectation), the forwarder reads the subject's last message
/// and resumes after the seq it carries. So a publish whose acknowledgement was lost is not sent again, and
/// the duplicate window is only a second line of defence. Only durable (fsynced) events are published: an
/// event a crash could still take back never leaves the host.
///
/// A last message that names this host id but differs from this store's event at that seq means a second
/// daemon publishes under this host id: the forwarder stops publishing, says so every minute and counts it.
final class NATSForwarderService: Service, @unchecked Sendable {
    // @unchecked Sendable: the connection, reader and follower live on the forwarder's thread only.
    let configuration: NATSForwardConfiguration
    let dataDirectory: String
    let counters: DaemonCounters
    let progress: ForwardProgress
    let logger: Logger
    private let stop = StopFlag()
    /// Gaps before this seq were counted already (forwarder thread only).
    private var gapCountedBefore: UInt64 = 0

    init(
        configuration: NATSForwardConfiguration, dataDirectory: String, counters: DaemonCounters,
        progress: ForwardProgress, logger: Logger
    ) {
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        self.counters = counters
        self.progress = progress
        self.logger = logger
        counters.update { $0.forwardConfigured = true }
    }

    func run() async throws {
        await stop.run(thread: "nats-forward") { self.loop() }
    }

    private var stopped: Bool { stop.isSet }

    private func pause(_ seconds: Double) { stop.pause(seconds) }

    /// Where publishing stands: the subject's last stream sequence and the last store seq it holds.
    private struct Cursor {
        var subjectSeq: UInt64
        var forwarded: UInt64
    }

    private func loop() {
        let c = configuration.connection
        var connection: JetStreamConnection?
        var cursor: Cursor?
        var follower: StoreFollower?
        var pending: [ActivityEvent] = []
        var lastComplaint = -1e9
        var lastLag = 0.0
        while !stopped {
            // Connect, make sure the stream exists, read where the subject stands.
            if connection == nil {
                do {
                    let conn = try JetStreamConnection(
                        ConnectOptions(c, name: "activityd-forward-\(configuration.hostID)"))
                    let info = try conn.ensureStream(name: c.stream, subjects: c.streamSubjects, replicas: c.replicas)
                    logger.info(
                        "connected to NATS",
                        metadata: [
                            "nats.stream": "\(info.name)", "nats.replicas": "\(info.replicas)",
                            "nats.subject": "\(configuration.subject)",
                        ])
                    connection = conn
                } catch {
                    counters.update { $0.forwardErrors += 1 }
                    if SystemClock.monotonicSeconds() - lastComplaint > 60 {
                        lastComplaint = SystemClock.monotonicSeconds()
                        logger.warning("cannot reach NATS; retrying every second", metadata: ["error": "\(error)"])
                    }
                    pause(1)
                    continue
                }
            }
            guard let conn = connection else { continue }
            if cursor == nil {
                do {
                    cursor = try resync(conn)
                } catch let error as ForwardConflict {
                    counters.update { $0.forwardErrors += 1 }
                    if SystemClock.monotonicSeconds() - lastComplaint > 60 {
                        lastComplaint = SystemClock.monotonicSeconds()
                        logger.error("not forwarding: \(error.description)")
                    }
                    pause(5)
                    continue
                } catch {
                    counters.update { $0.forwardErrors += 1 }
                    if SystemClock.monotonicSeconds() - lastComplaint > 10 {
                        lastComplaint = SystemClock.monotonicSeconds()
                        logger.warning(
                            "cannot read the subject's last message; retrying", metadata: ["error": "\(error)"])
                    }
                    pause(0.25)
                    continue
                }
                follower = nil
                pending = []
            }
            guard var cur = cursor else { continue }
            // Read what the store committed since.
            if pending.isEmpty {
                do {
                    if follower == nil {
                        follower = StoreFollower(
                            reader: try StoreReader(dataDirectory: dataDirectory), afterSeq: cur.forwarded)
                    }
                    pending = try follower!.poll(maxEvents: 4096)
                } catch {
                    logger.warning("reading the store failed; retrying", metadata: ["error": "\(error)"])
                    follower = nil
                    pause(1)
                    continue
                }
            }
            let durable = UInt64(max(0, counters.snapshot.durableSeq))
            var sent = 0
            var failed = false
            while let e = pending.first, e.seq <= durable, !stopped {
                // A gap: seqs a crash cut before they were committed (never forwarded, nothing lost), or
                // segments retention deleted before they were forwarded (counted).
                if cur.forwarded > 0 && e.seq > cur.forwarded + 1 { countDeleted(after: cur.forwarded, before: e.seq) }
                let id = "\(configuration.hostID):\(e.seq)"
                do {
                    let ack = try conn.publish(
                        subject: configuration.subject, data: WireEvent.encode(e), messageID: id,
                        expectedLastSubjectSequence: cur.subjectSeq)
                    if ack.duplicate {
                        // Stored before (our acknowledgement was lost, and the expectation then matched by
                        // chance): where the subject stands is no longer known. Read it again.
                        failed = true
                        break
                    }
                    cur = Cursor(subjectSeq: ack.sequence, forwarded: e.seq)
                    pending.removeFirst()
                    sent += 1
                } catch {
                    counters.update { $0.forwardErrors += 1 }
                    if SystemClock.monotonicSeconds() - lastComplaint > 10 {
                        lastComplaint = SystemClock.monotonicSeconds()
                        logger.warning(
                            "publish failed; reading the subject's last message and resuming after it",
                            metadata: [
                                "error": "\(error)", "nats.msg_id": "\(id)",
                            ])
                    }
                    failed = true
                    break
                }
                if sent % 64 == 0 { publishProgress(cur, pending: pending, sent: sent); sent = 0 }
            }
            publishProgress(cur, pending: pending, sent: sent)
            if failed {
                cursor = nil
                pause(0.1)
                continue
            }
            cursor = cur
            if SystemClock.monotonicSeconds() - lastLag > 1 {
                lastLag = SystemClock.monotonicSeconds(); updateLag(cur, pending: pending)
            }
            if pending.isEmpty || (pending.first.map { $0.seq > durable } ?? true) { pause(0.05) }
        }
        logger.info("forwarder stopped", metadata: ["forward.seq": "\(progress.forwarded.load(ordering: .relaxed))"])
    }

    private func publishProgress(_ cur: Cursor, pending: [ActivityEvent], sent: Int) {
        progress.forwarded.store(cur.forwarded, ordering: .relaxed)
        counters.update {
            $0.forwardedSeq = cur.forwarded
            $0.forwardPublished += sent
            $0.forwardLagEvents = Int($0.lastSeq &- min($0.lastSeq, cur.forwarded))
            if $0.forwardLagEvents == 0 { $0.forwardLagSeconds = 0 }
        }
    }

    private func updateLag(_ cur: Cursor, pending: [ActivityEvent]) {
        let now = SystemClock.now()
        let oldest = pending.first.map { ($0.ingested ?? $0.time) }
        counters.update {
            $0.forwardLagEvents = Int($0.lastSeq &- min($0.lastSeq, cur.forwarded))
            $0.forwardLagSeconds = oldest.map { max(0, Double(now.nanoseconds - $0.nanoseconds) / 1e9) } ?? 0
        }
    }

    /// Retention deleted events before they were forwarded (only with `retention_drops_unforwarded`):
    /// count the seqs that are gone.
    private func countDeleted(after forwarded: UInt64, before next: UInt64) {
        // Each gap once, also when a failure makes the forwarder read it again.
        guard next > gapCountedBefore else { return }
        gapCountedBefore = next
        guard let reader = try? StoreReader(dataDirectory: dataDirectory),
            let first = try? reader.segments().first?.firstSeq
        else { return }
        if first > forwarded + 1 && forwarded > 0 {
            let n = Int(min(first, next) - forwarded - 1)
            counters.update { $0.dropped["unforwarded_deleted", default: 0] += n }
            logger.warning("retention deleted events before they were forwarded", metadata: ["events": "\(n)"])
        }
    }

    /// Reads the subject's last message: the forwarder resumes after the seq its id names.
    private func resync(_ conn: JetStreamConnection) throws -> Cursor {
        guard let last = try conn.lastMessage(stream: configuration.connection.stream, subject: configuration.subject)
        else {
            logger.info(
                "the subject holds no message; forwarding the store from its start",
                metadata: ["nats.subject": "\(configuration.subject)"])
            return Cursor(subjectSeq: 0, forwarded: 0)
        }
        guard let id = last.messageID, let colon = id.lastIndex(of: ":"),
            let seq = UInt64(id[id.index(after: colon)...]),
            id[..<colon] == configuration.hostID
        else {
            throw ForwardConflict(
                description:
                    "the last message on \(configuration.subject) (stream seq \(last.sequence)) has message id \"\(last.messageID ?? "none")\", not \(configuration.hostID):<seq>: another publisher uses this subject"
            )
        }
        // The same host id from another store (a cloned machine, a second daemon): the subject holds more than
        // this store ever did (only fsynced events are forwarded, and a seq is never reused), or the message
        // at that seq differs from ours (checked while this store still holds the event).
        let stored = counters.snapshot.lastSeq
        if seq > stored {
            throw ForwardConflict(
                description:
                    "the last message on \(configuration.subject) is \(id), but this store ends at seq \(stored): another daemon forwards with host_id \"\(configuration.hostID)\", or this store was replaced"
            )
        }
        if let mine = try? StoreReader(dataDirectory: dataDirectory).events(
            {
                var q = EventQuery(); q.afterSeq = seq - 1; q.limit = 1; return q
            }()
        ).first,
            mine.seq == seq, let theirs = WireEvent.decode(last.data), theirs != mine
        {
            throw ForwardConflict(
                description:
                    "the last message on \(configuration.subject) (\(id)) is not this store's event \(seq): another daemon forwards with host_id \"\(configuration.hostID)\""
            )
        }
        logger.info(
            "resuming after the subject's last message",
            metadata: ["nats.msg_id": "\(id)", "nats.stream_seq": "\(last.sequence)"])
        return Cursor(subjectSeq: last.sequence, forwarded: seq)
    }
}

struct ForwardConflict: Error, CustomStringConvertible {
    var description: String
}
