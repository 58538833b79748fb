import Foundation
import Logging
import ActivityModel
import ActivityConfig
import ActivityDatagram

/// The daemon's per-event path without its threads and sockets, for `activity-bench pipeline`: datagrams as the
/// UDP input hands them over, through ``PipelineStep`` (allow-list, decode, normalize, GeoIP and list enrichment,
/// risk at ingest) — the code `PipelineService` runs per batch —, the events then appended by the caller with
/// `SegmentWriter.append` as `StoreService` does. All on the calling thread, so that `valgrind --tool=callgrind`
/// counts the whole path's instructions per event, the same on every run, while the host is busy.
package struct IngestBenchPath {
    var step: PipelineStep

    /// Loads the enrichment databases and lists of `configuration` and sets up its first UDP input's allow-list
    /// and keys, and the risk engine when `[risk]` is on, as the daemon does at start (without reading a store).
    package init(configuration: DaemonConfiguration, logger: Logger) throws {
        let udpInputs = try configuration.udp.map { u in
            do { return (allow: u.allow, verifier: try SignatureVerifier.load(u.keys)) } catch {
                throw DaemonError("input.udp.keys: \(error)")
            }
        }
        let zone = configuration.normalize.timezone ?? TimeZone.current
        let processor = EventProcessor(udpInputs: udpInputs, keepRaw: configuration.normalize.keepRaw, timeZone: zone)
        let holder = EnrichmentHolder(
            EnrichmentService.initialLoad(configuration.enrichment, counters: DaemonCounters(), logger: logger))
        let risk = configuration.risk.enabled ? RiskHolder(configuration: configuration.risk) : nil
        step = PipelineStep(processor: processor, enrichment: holder, risk: risk)
    }

    /// One batch of datagrams from `source`:`port`, received at `received`, through the pipeline step: the events
    /// to append.
    package mutating func process(
        datagrams: [[UInt8]], source: IPAddress, port: Int, received: Timestamp
    ) -> [ActivityEvent] {
        let item = PipelineItem.datagrams(
            datagrams.map { Datagram(bytes: $0[...], source: source, port: port, received: received, input: 0) })
        return step.run([item]).batch?.events ?? []
    }
}
