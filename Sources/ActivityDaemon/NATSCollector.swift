import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ActivityModel
import ActivityConfig
import ActivityStore
import NATSJetStream

/// `[input.nats]`: collects the events forwarders published, through a durable pull consumer, on its own
/// thread.
///
/// The stream sequence is this input's position, committed by the store in the same write as the events
/// of the messages up to it (as journal cursors are). At start the consumer is created afresh to deliver
/// from the committed sequence + 1, so what a crashed run fetched but never stored comes again at once and
/// in order, and what it stored is not delivered again. Messages at or below the position (redeliveries)
/// are skipped. A message is acknowledged (policy "all") only once the store has fsynced the write that
/// holds it. A gap in the consumer's delivery sequence restarts the consumer after the position.
///
/// Each message becomes one event as the forwarder encoded it (``WireEvent``); its `host` is kept (set from
/// the message id when the event had none) and its `origin` becomes `nats` with the message id
/// `<host_id>:<seq>` as position and the subject as source. A message that does not decode is rejected and
/// counted (`rejected.nats_malformed`) and its sequence committed like any other.
final class NATSCollectorService: Service, @unchecked Sendable {
    // @unchecked Sendable: the connection and consumer live on the collector's thread only.
    let configuration: NATSInputConfiguration
    let queue: BoundedQueue<StoreBatch>
    let counters: DaemonCounters
    let logger: Logger
    /// The input its positions are committed under (``InputID/nats(stream:consumer:)``).
    let input: InputID
    let startAfter: UInt64
    private let stop = StopFlag()
    /// The newest message whose write is durable: acknowledged by the collector's thread.
    private let durableMessage = DurableMessage()

    init(
        configuration: NATSInputConfiguration, queue: BoundedQueue<StoreBatch>, positions: [InputID: String],
        counters: DaemonCounters, logger: Logger
    ) {
        self.configuration = configuration
        self.queue = queue
        self.counters = counters
        self.logger = logger
        input = .nats(stream: configuration.connection.stream, consumer: configuration.consumer)
        startAfter = positions[input].flatMap { UInt64($0) } ?? 0
        counters.update {
            $0.collectConfigured = true; $0.collectedStreamSeq = self.startAfter
        }
    }

    func run() async throws {
        await stop.run(thread: "nats-collect") { self.loop() }
    }

    private var stopped: Bool { stop.isSet }

    private func pause(_ seconds: Double) { stop.pause(seconds) }

    private func loop() {
        let c = configuration.connection
        var committed = startAfter
        var connection: JetStreamConnection?
        var consumer: PullConsumer?
        var lastDelivery: UInt64 = 0
        var lastComplaint = -1e9
        var lastRejectLog = -1e9
        logger.info(
            "collecting from NATS",
            metadata: [
                "nats.stream": "\(c.stream)", "nats.consumer": "\(configuration.consumer)",
                "nats.subjects": "\(configuration.subjects)",
                "nats.after_seq": "\(committed)",
            ])
        func complain(_ what: String, _ error: any Error) {
            counters.update { $0.collectErrors += 1 }
            if SystemClock.monotonicSeconds() - lastComplaint > 10 {
                lastComplaint = SystemClock.monotonicSeconds()
                logger.warning("\(what); retrying", metadata: ["error": "\(error)"])
            }
        }
        while !stopped {
            acknowledgeDurable(&lastComplaint)
            if connection == nil {
                do {
                    let conn = try JetStreamConnection(
                        ConnectOptions(c, name: "activityd-collect-\(configuration.consumer)"))
                    _ = try conn.ensureStream(name: c.stream, subjects: c.streamSubjects, replicas: c.replicas)
                    connection = conn
                } catch {
                    complain("cannot reach NATS", error)
                    pause(1)
                    continue
                }
            }
            guard let conn = connection else { continue }
            if consumer == nil {
                do {
                    // A stream that ends before the committed position lost acknowledged messages or was
                    // recreated: new messages at sequences up to the position would be skipped as delivered.
                    if let info = try conn.streamInfo(c.stream), info.lastSequence < committed {
                        counters.update { $0.collectErrors += 1 }
                        logger.critical(
                            "the stream ends before this collector's committed position: it lost messages or was recreated; messages up to the position will be skipped (docs/multi-host.md, What happens when)",
                            metadata: [
                                "nats.stream_last_seq": "\(info.lastSequence)", "nats.committed_seq": "\(committed)",
                            ])
                    }
                    consumer = try conn.pullConsumer(
                        stream: c.stream, durable: configuration.consumer, filterSubject: configuration.subjects,
                        afterSequence: committed)
                    lastDelivery = 0
                } catch {
                    complain("cannot create the consumer", error)
                    pause(0.25)
                    continue
                }
            }
            guard let sub = consumer else { continue }
            let messages: [ReceivedMessage]
            do {
                messages = try sub.fetch(max: configuration.batch, timeoutMilliseconds: 250)
            } catch {
                complain("fetch failed", error)
                consumer = nil
                pause(0.25)
                continue
            }
            guard !messages.isEmpty else { continue }
            var events: [ActivityEvent] = []
            var newest = committed
            var last: ReceivedMessage?
            var skipped = 0, malformed = 0
            var restart = false
            for m in messages {
                if lastDelivery != 0 && m.consumerSequence != lastDelivery &+ 1 {
                    // A delivery went missing (or came twice): start again after what is stored.
                    restart = true
                    break
                }
                lastDelivery = m.consumerSequence
                last = m
                guard m.streamSequence > newest else { skipped += 1; continue }
                newest = m.streamSequence
                guard var e = WireEvent.decode(m.data) else { malformed += 1; continue }
                let id = m.messageID ?? "?:\(e.seq)"
                if e.host == nil, let colon = id.lastIndex(of: ":") { e.host = String(id[..<colon]) }
                e.origin = Origin(input: input.kind, position: id, source: m.subject, raw: e.origin?.raw)
                e.seq = 0
                events.append(e)
            }
            if newest > committed, let last {
                let position = InputPosition(input: input, value: String(newest))
                let batch = StoreBatch(
                    events: events, positions: [position],
                    onDurable: { [durableMessage] in
                        durableMessage.offer(last)
                    })
                guard queue.push(batch) else { return }
                committed = newest
            } else if let last {
                // Only redeliveries of what is stored: acknowledge them.
                do { try last.acknowledge() } catch { complain("ack failed", error) }
            }
            counters.update {
                $0.collectedStreamSeq = committed
                $0.collectedEvents += events.count
                $0.collectSkipped += skipped
                if malformed > 0 { $0.rejected["nats_malformed", default: 0] += malformed }
            }
            if malformed > 0, SystemClock.monotonicSeconds() - lastRejectLog > 10 {
                lastRejectLog = SystemClock.monotonicSeconds()
                logger.warning(
                    "NATS messages that are not activityd events were rejected (sampled)",
                    metadata: ["count": "\(malformed)"])
            }
            if restart { consumer = nil }
        }
        // What the store makes durable during the drain is acknowledged by the next run's fresh consumer.
        acknowledgeDurable(&lastComplaint)
        logger.info("collector stopped", metadata: ["nats.stream_seq": "\(committed)"])
    }

    private func acknowledgeDurable(_ lastComplaint: inout Double) {
        guard let m = durableMessage.take() else { return }
        do {
            try m.acknowledge()
        } catch {
            // Not a loss: the position is in the store; the server redelivers and the collector skips.
            counters.update { $0.collectErrors += 1 }
        }
    }
}

/// The newest message whose write is durable, handed from the store's thread to the collector's.
final class DurableMessage: Sendable {
    private let state = Mutex<ReceivedMessage?>(nil)

    func offer(_ m: ReceivedMessage) {
        state.withLock { current in
            if current == nil || current!.streamSequence < m.streamSequence { current = m }
        }
    }

    func take() -> ReceivedMessage? {
        state.withLock { current in
            let m = current
            current = nil
            return m
        }
    }
}
