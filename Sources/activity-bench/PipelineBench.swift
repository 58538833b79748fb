import ActivityCLI
import ActivityConfig
import ActivityDaemon
import ActivityModel
import ActivityStore
import Foundation
import Logging

/// `activity-bench pipeline --input FILE --config FILE --dir DIR [--count N] [--batch N] [--clock NANOS]`: the
/// daemon's whole per-event path on one thread — each line of FILE (`udpgen -w` output) as one datagram from
/// 127.0.0.1:40000, through the pipeline's batch step (allow-list, decode, normalize, the configuration's GeoIP
/// databases and lists, risk at ingest) into `SegmentWriter.append` with the configuration's store options
/// (fsync by its policy, rotation) — without sockets, queues or threads, so that
/// `valgrind --tool=callgrind` gives the instructions per event of the code the daemon runs, repeatable on a
/// busy host (the daemon's wall-clock figures are not). The configuration's `data_dir` is replaced by DIR
/// (emptied first). `--batch`: datagrams per pipeline batch and per append (default 1000). `--clock NANOS`: one
/// fixed time as the datagrams' reception and the writer's clock, so two builds' segments compare with `cmp`.
func runPipelineBenchmark(arguments: [String]) {
    guard let input = option(arguments, "--input"), let config = option(arguments, "--config"),
        let dir = option(arguments, "--dir")
    else {
        diagnostics.fail(
            "usage: activity-bench pipeline --input FILE --config FILE --dir DIR [--count N] [--batch N] [--clock NANOS]",
            status: Diagnostics.Status.usage)
    }
    let count = Int(option(arguments, "--count") ?? "1000000") ?? 1_000_000
    let batchSize = max(1, Int(option(arguments, "--batch") ?? "1000") ?? 1000)
    let clock = option(arguments, "--clock").flatMap(Int64.init).map(Timestamp.init(nanoseconds:))
    let configuration: DaemonConfiguration
    do { configuration = try DaemonConfiguration.load(path: config) } catch { diagnostics.fail("\(config): \(error)") }
    guard let data = FileManager.default.contents(atPath: input) else { diagnostics.fail("cannot read \(input)") }
    var datagrams: [[UInt8]] = []
    data.withUnsafeBytes { raw in
        let b = raw.bindMemory(to: UInt8.self)
        var start = 0
        while start < b.count && datagrams.count < count {
            var end = start
            while end < b.count && b[end] != 0x0A { end += 1 }
            if end > start { datagrams.append(Array(b[start..<end])) }
            start = end + 1
        }
    }
    var logger = Logger(label: "activity-bench.pipeline")
    logger.logLevel = .warning
    var path: IngestBenchPath
    do { path = try IngestBenchPath(configuration: configuration, logger: logger) } catch {
        diagnostics.fail("\(error)")
    }
    try? FileManager.default.removeItem(atPath: dir)
    var options = StoreOptions()
    let s = configuration.store
    options.segmentMaxBytes = s.segmentMaxBytes
    options.segmentMaxAge = s.segmentMaxAge
    options.fsync = s.fsync
    let writer: SegmentWriter
    do { writer = try SegmentWriter(dataDirectory: dir, options: options, host: "bench", now: clock) } catch {
        diagnostics.fail("\(error)")
    }
    let source = IPAddress("127.0.0.1")!
    var stored = 0
    // Resident memory before the first batch (the input is loaded) and after the last append, before the writer
    // closes: what the path's state holds at the end (the active segment's index, the risk state, caches, the
    // GeoIP pages touched).
    let heapBefore = residentKiB()
    var heapAfter = heapBefore
    var lastSync = SystemClock.monotonicNanoseconds()
    let (_, wall, cpu) = measure {
        var i = 0
        while i < datagrams.count {
            let chunk = Array(datagrams[i..<min(i + batchSize, datagrams.count)])
            i += chunk.count
            let now = clock ?? SystemClock.now()
            let events = path.process(datagrams: chunk, source: source, port: 40000, received: now)
            do {
                stored += try writer.append(events, positions: [], now: now)?.count ?? 0
                let t = SystemClock.monotonicNanoseconds()
                if s.fsync == .interval && t - lastSync >= UInt64(s.fsyncInterval) {
                    try writer.sync()
                    lastSync = t
                }
                try writer.rotateIfNeeded(now: now)
            } catch {
                diagnostics.fail("\(error)")
            }
        }
        heapAfter = residentKiB()
        do { try writer.close(now: clock) } catch { diagnostics.fail("\(error)") }
    }
    print(
        String(
            format:
                "pipeline: %d datagrams → %d events stored in %.3f s = %.0f events/s (%.2f µs/event, %.2f s CPU), one thread",
            datagrams.count, stored, wall, Double(stored) / wall, cpu * 1e6 / Double(max(1, stored)), cpu))
    print(
        String(
            format: "pipeline: resident memory grown by the end (active segment's index, risk state, caches, GeoIP pages): %.1f MiB",
            Double(heapAfter - heapBefore) / 1024))
}

/// VmRSS of this process, in KiB (0 when /proc cannot be read).
func residentKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
    return 0
}
