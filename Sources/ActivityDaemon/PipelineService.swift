import Foundation
import Logging
import ServiceLifecycle
import ActivityModel
import ActivityEnrich

/// Decodes, normalizes and enriches on its own thread, in batches, between the input queue and the store
/// queue. On graceful shutdown it drains the input queue into the store queue, then returns.
final class PipelineService: Service, @unchecked Sendable {
    // @unchecked Sendable: `step` is used only on the pipeline thread started by `run`.
    let input: BoundedQueue<PipelineItem>
    let output: BoundedQueue<StoreBatch>
    let counters: DaemonCounters
    let logger: Logger
    /// The work on each batch (decode, normalize, enrich, risk); used only on the pipeline thread.
    var step: PipelineStep
    private var lastRejectLog = 0.0

    init(
        input: BoundedQueue<PipelineItem>, output: BoundedQueue<StoreBatch>, processor: EventProcessor,
        enrichment: EnrichmentHolder, risk: RiskHolder? = nil, counters: DaemonCounters, logger: Logger
    ) {
        self.step = PipelineStep(processor: processor, enrichment: enrichment, risk: risk)
        self.input = input
        self.output = output
        self.counters = counters
        self.logger = logger
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await runOnDedicatedThread(name: "pipeline") { self.loop() }
        } onGracefulShutdown: {
            self.input.close()
        }
    }

    private func loop() {
        // At most 1 MiB of raw input per batch: with up to 256 datagrams per item, 256 items could hold 18 MB.
        while let items = input.popBatch(max: 256, maxCost: 1 << 20, timeout: 0.25, linger: 0.002) {
            guard !items.isEmpty else { continue }
            let (batch, c, hits, misses) = step.run(items)
            if let batch {
                // Wait for the store, whatever the input: events decoded here are never thrown away. When the
                // store is behind, the pipeline queue fills, the UDP input stops reading (datagrams wait in the
                // socket buffer; what overflows it the kernel drops and we count), files and the journal wait.
                // (Dropping here instead, as before, spent a decode, normalization and lookup on every dropped
                // event: under overload the daemon did more work per stored event when it had least to spare.)
                if !output.push(batch) {
                    // The store queue closes only after this loop ends (ServiceGroup stops in reverse order);
                    // should that ever change, the loss must still be counted.
                    let n = batch.events.count
                    counters.update { $0.dropped["store_closed", default: 0] += n }
                }
            }
            counters.update {
                $0.datagramsReceived += c.datagrams
                $0.bytesReceived += c.bytes
                $0.linesReceived += c.lines
                $0.eventsAccepted += c.accepted
                $0.enrichHits += hits
                $0.enrichMisses += misses
                for (k, v) in c.rejected { $0.rejected[k.rawValue, default: 0] += v }
                if c.unparsableAudit > 0 {
                    $0.rejected[EventProcessor.unparsableAuditLabel, default: 0] += c.unparsableAudit
                }
                for (k, v) in c.unmatched { $0.unmatchedByProgram[k, default: 0] += v }
            }
            if !c.rejected.isEmpty || c.unparsableAudit > 0 {
                let t = SystemClock.monotonicSeconds()
                if t - lastRejectLog >= 10 {
                    lastRejectLog = t
                    logger.warning(
                        "rejected input (sampled, at most one line per 10 s)",
                        metadata: [
                            "rejected":
                                "\((c.rejected.map { "\($0.key.rawValue)=\($0.value)" } + (c.unparsableAudit > 0 ? ["\(EventProcessor.unparsableAuditLabel)=\(c.unparsableAudit)"] : [])).sorted().joined(separator: ","))"
                        ])
                }
            }
        }
        // The store queue is left open: the store closes it in its own graceful shutdown, which ServiceGroup
        // starts after this service returns. Closing it here let the store finish before being asked to, a
        // race ServiceGroup reports as "finished unexpectedly" (exit 1 after an otherwise clean stop).
    }
}

/// The pipeline's work on one batch, on the calling thread: decode and normalize every item, enrich with the
/// snapshot in service, assess risk, and make the ``StoreBatch`` for the store. `PipelineService` runs it per batch
/// on its thread; `activity-bench pipeline` runs it (through ``IngestBenchPath``) without threads, so that one
/// instruction count covers the daemon's whole per-event path.
struct PipelineStep {
    var processor: EventProcessor
    let enrichment: EnrichmentHolder
    /// Risk at ingest: every event passes through it after enrichment, in store order; nil when `[risk]` is off.
    let risk: RiskHolder?

    /// The batch for the store (nil when the items gave neither events nor positions), the counts of the items,
    /// and the enrichment hits and misses.
    mutating func run(_ items: [PipelineItem]) -> (
        batch: StoreBatch?, counts: EventProcessor.LocalCounts, hits: Int, misses: Int
    ) {
        var events: [ActivityEvent] = []
        var positions: [InputPosition] = []
        for item in items {
            switch item {
            case .datagrams(let ds):
                for d in ds { processor.process(d, into: &events) }
            case .checks(let checks):
                // Recorded checks (`api.record`): built by the check API, already whole events.
                events.append(contentsOf: checks)
                processor.counts.accepted += checks.count
            case .records(let records, let input, let position, let format):
                let now = SystemClock.now()
                let origin = Origin(input: input.kind, source: input.filePath)
                // By index: a for-in loop would copy each record out of the array (retaining its strings).
                for i in records.indices {
                    processor.process(
                        record: records[i], stream: input, format: format, origin: origin, now: now, into: &events)
                }
                if let position { positions.append(position) }
            }
        }
        // Enrich with the snapshot in service now (one lock per batch, not per event).
        let enricher = Enricher(snapshot: enrichment.snapshot)
        var hits = 0, misses = 0
        for i in events.indices where events[i].ip != nil {
            let r = enricher.enrich(&events[i])
            if r.isHit { hits += 1 } else if r.skipped == nil { misses += 1 }
        }
        // Risk after enrichment (it reads geo and net), in the order the store will write: the state the
        // check API reads is then the state of every event handed to the store.
        if let risk, !events.isEmpty { risk.assess(&events) }
        // Taken after this batch's assessment and travelling with it, so the store writes it once the events
        // it covers have their seqs.
        let checkpoint =
            (events.isEmpty && positions.isEmpty) ? nil : risk?.checkpointIfDue(now: SystemClock.monotonicSeconds())
        let c = processor.counts
        processor.counts.reset()
        let batch =
            (events.isEmpty && positions.isEmpty)
            ? nil : StoreBatch(events: events, positions: positions, riskCheckpoint: checkpoint)
        return (batch, c, hits, misses)
    }
}
