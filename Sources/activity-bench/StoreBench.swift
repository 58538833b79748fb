import ActivityCLI
import ActivityModel
import ActivityPipeline
import ActivityReports
import ActivityStore
import Foundation

/// Wall and CPU time of a block.
func measure<T>(_ body: () throws -> T) rethrows -> (T, wall: Double, cpu: Double) {
    func cpu() -> Double {
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        return Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6 + Double(ru.ru_stime.tv_sec) + Double(
            ru.ru_stime.tv_usec) / 1e6
    }
    let c0 = cpu()
    let t0 = SystemClock.monotonicNanoseconds()
    let r = try body()
    let wall = Double(SystemClock.monotonicNanoseconds() - t0) / 1e9
    return (r, wall, cpu() - c0)
}

/// Monotonic time a block took.
func timed(_ body: () throws -> Void) rethrows -> Duration {
    let t0 = SystemClock.monotonicNanoseconds()
    try body()
    return .nanoseconds(Int64(SystemClock.monotonicNanoseconds() - t0))
}

func option(_ args: [String], _ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

/// Reads JSON lines (the load generator's `udpgen -w` output) and decodes them as the daemon would.
func loadEvents(path: String, limit: Int) -> [ActivityEvent] {
    guard let data = FileManager.default.contents(atPath: path) else {
        diagnostics.fail("cannot read \(path)")
    }
    let decoder = AppEventDecoder()
    let now = Timestamp(seconds: 1_795_341_600)
    var events: [ActivityEvent] = []
    events.reserveCapacity(limit)
    data.withUnsafeBytes { raw in
        let b = raw.bindMemory(to: UInt8.self)
        var start = 0
        while start < b.count && events.count < limit {
            var end = start
            while end < b.count && b[end] != 0x0A { end += 1 }
            if case .event(var e) = decoder.decodeLine(
                UnsafeBufferPointer(rebasing: b[start..<end]), receivedAt: now, source: "127.0.0.1:40000")
            {
                e.ingested = Timestamp(nanoseconds: e.time.nanoseconds + 3_000_000)
                events.append(e)
            }
            start = end + 1
        }
    }
    return events
}

/// `activity-bench decode --input FILE [--count N]`: JSON lines → events, one core (decoding only: the file
/// is read and split into lines before the clock starts).
func runDecodeBenchmark(arguments: [String]) {
    guard let input = option(arguments, "--input") else {
        diagnostics.fail("--input FILE required (udpgen -w output)", status: Diagnostics.Status.usage)
    }
    let count = Int(option(arguments, "--count") ?? "1000000") ?? 1_000_000
    guard let data = FileManager.default.contents(atPath: input) else { diagnostics.fail("cannot read \(input)") }
    let bytes = [UInt8](data)
    var ranges: [Range<Int>] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == 0x0A {
        ranges.append(start..<i)
        start = i + 1
        if ranges.count == count { break }
    }
    if option(arguments, "--stage") == "export" {
        return runExportBenchmark(input: input, count: count, rounds: Int(option(arguments, "--rounds") ?? "1") ?? 1)
    }
    let decoder = AppEventDecoder()
    let now = Timestamp(seconds: 1_795_341_600)
    // --stage dump: each line's result as text (the event's export JSON, or the rejection), to compare decoders.
    if option(arguments, "--stage") == "dump" {
        bytes.withUnsafeBufferPointer { b in
            for r in ranges {
                switch decoder.decodeLine(
                    UnsafeBufferPointer(rebasing: b[r]), receivedAt: now, source: "127.0.0.1:40000")
                {
                case .event(let e): print(e.exportJSON(includeSeq: false))
                case .rejected(let why): print("rejected \(why.rawValue)")
                case .notJSON: print("not JSON")
                }
            }
        }
        return
    }
    // --stage parse: only the JSON reader (no mapping onto events), to split the cost.
    let parseOnly = option(arguments, "--stage") == "parse"
    var n = 0
    let (_, wall, cpu) = measure {
        bytes.withUnsafeBufferPointer { b in
            for r in ranges {
                if parseOnly {
                    if case .success = JSONReader().parse(UnsafeBufferPointer(rebasing: b[r])) { n += 1 }
                } else if case .event = decoder.decodeLine(
                    UnsafeBufferPointer(rebasing: b[r]), receivedAt: now, source: "127.0.0.1:40000")
                {
                    n += 1
                }
            }
        }
    }
    print(
        String(
            format:
                "decode%@: %d JSON lines (%.0f bytes avg) → %d events in %.3f s = %.0f events/s (%.2f µs/event, %.2f s CPU), one core",
            parseOnly ? " (JSON reader only)" : "", ranges.count,
            Double(ranges.map(\.count).reduce(0, +)) / Double(max(1, ranges.count)), n, wall, Double(n) / wall,
            wall * 1e6 / Double(max(1, n)), cpu))
}

/// `activity-bench decode --stage export [--rounds N]`: events → export JSON lines (the daemon's `--mirror-jsonl`),
/// in 1,000-event batches into one writer as the store thread does, `--rounds` times over the decoded events (a
/// small `--count` with many rounds keeps them in cache). Each event gets a city-level location and the ingestion
/// time, as the daemon's events have.
func runExportBenchmark(input: String, count: Int, rounds: Int) {
    var events = loadEvents(path: input, limit: count)
    var geo = Geo()
    geo.country = "US"; geo.countryName = "United States"; geo.region = "North Carolina"; geo.city = "Columbus"
    geo.lat = 35.222; geo.lon = -82.0686; geo.radiusKm = 100; geo.tz = "America/New_York"
    for i in events.indices { events[i].geo = geo }
    var total = 0
    let (_, wall, cpu) = measure {
        for _ in 0..<max(1, rounds) {
            var i = 0
            while i < events.count {
                var w = JSONWriter(capacity: 1000 * 640)
                for e in events[i..<min(i + 1000, events.count)] {
                    e.appendExportJSON(to: &w, includeSeq: false); w.newline()
                }
                total += w.output.count
                i += 1000
            }
        }
    }
    let n = events.count * max(1, rounds)
    print(
        String(
            format:
                "export: %d events → %.0f bytes/event in %.3f s = %.0f events/s (%.2f µs/event, %.2f s CPU), one core",
            n, Double(total) / Double(max(1, n)), wall, Double(n) / wall, wall * 1e6 / Double(max(1, n)), cpu))
}

/// `activity-bench store --input FILE --dir DIR [--events 10000000]`
/// Appends the load generator's event mix (replicated to --events, plus one user with exactly 100 events
/// spread evenly; successful logins assessed by a ``RiskEngine`` as the daemon's pipeline does by default, unless
/// --no-risk) in 1000-event batches with fsync = interval, then measures: append rate, bytes per event,
/// full-scan rate, and a one-user query through the index versus a full scan of the same store.
func runStoreBenchmark(arguments: [String]) {
    guard let input = option(arguments, "--input"), let dir = option(arguments, "--dir") else {
        diagnostics.fail(
            "usage: activity-bench store --input udpgen.jsonl --dir DIR [--events N] [--source-events N] [--seal SECONDS] [--clock NANOS] [--append-only] [--no-risk]",
            status: Diagnostics.Status.usage)
    }
    let total = Int(option(arguments, "--events") ?? "10000000") ?? 10_000_000
    let sourceCount = Int(option(arguments, "--source-events") ?? "1000000") ?? 1_000_000
    let base = loadEvents(path: input, limit: sourceCount)
    guard !base.isEmpty else { diagnostics.fail("no events decoded from \(input)") }
    try? FileManager.default.removeItem(atPath: dir)
    var options = StoreOptions()
    options.fsync = .interval
    // --seal S: forward-secure sealing with a key that evolves every S seconds (a seal at least that often).
    let sealSeconds = option(arguments, "--seal").flatMap(Int64.init)
    if let sealSeconds {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (_, state) = SealKeyState.create(interval: sealSeconds * 1_000_000_000, now: SystemClock.now())
        do { try state.save(path: dir + "/seal.key") } catch { diagnostics.fail("\(error)") }
        options.sealKeyPath = dir + "/seal.key"
    }
    // --clock NANOS: every time the writer stamps (segment headers, commits) is this one, so two builds given the
    // same input write byte-identical segments (`cmp` them to check that a change to the writer keeps the format).
    let clock = option(arguments, "--clock").flatMap(Int64.init).map(Timestamp.init(nanoseconds:))
    let writer: SegmentWriter
    do { writer = try SegmentWriter(dataDirectory: dir, options: options, host: "bench", now: clock) } catch {
        diagnostics.fail("\(error)")
    }
    let every = max(1, total / 100)
    let batchSize = 1000
    var batch: [ActivityEvent] = []
    batch.reserveCapacity(batchSize)
    let chunkBatches = 64
    var chunk: [[ActivityEvent]] = []
    var lastSync = SystemClock.monotonicNanoseconds()
    var appendWall = 0.0, appendCPU = 0.0
    var i = 0
    // --no-risk: events stored as they come, without the daemon's risk flags at ingest (its `[risk] enabled`).
    var risk: RiskEngine? = arguments.contains("--no-risk") ? nil : RiskEngine(options: SuspiciousOptions())
    let (_, wall, cpu) = measure {
        while i < total {
            var e = base[i % base.count]
            if i % every == every / 2 { e.user = "needle.user" }
            // Spread time so that the time index has something to do.
            e.time = Timestamp(nanoseconds: 1_795_341_600_000_000_000 + Int64(i) * 250_000_000)
            if risk != nil {
                // What the daemon's pipeline does with `[risk] enabled = true` (the default) before the store.
                let kind = LoginEventKind(e)
                if kind.isFailure || kind.isSuccess {
                    let verdict = risk!.observe(e)
                    if kind == .success {
                        e.risk = verdict.flags.union(.assessed)
                        e.attrs["risk_why"] = verdict.reasons.isEmpty ? nil : verdict.why
                    }
                }
            }
            batch.append(e)
            i += 1
            if batch.count == batchSize || i == total {
                chunk.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
            // The batches are built first, then appended back to back and timed with the wait for the index
            // thread to take their last frames: index work cannot hide in the time spent building batches.
            if chunk.count == chunkBatches || (i == total && !chunk.isEmpty) {
                let (_, w, c) = measure {
                    for b in chunk { _ = try? writer.append(b, now: clock) }
                    writer.waitForIndex()
                }
                appendWall += w; appendCPU += c
                chunk.removeAll(keepingCapacity: true)
                let now = SystemClock.monotonicNanoseconds()
                if now - lastSync > 1_000_000_000 {
                    // The store service's timer: fdatasync, and a seal when the key's interval has passed.
                    let (_, w2, c2) = measure {
                        try? writer.sync(); try? writer.sealIfDue(now: SystemClock.now())
                    }
                    appendWall += w2; appendCPU += c2
                    lastSync = now
                }
            }
        }
        let (_, w, c) = measure { try? writer.close(now: clock) }
        appendWall += w; appendCPU += c
    }
    let segs = (try? StoreReader(dataDirectory: dir).segments()) ?? []
    let bytes = segs.reduce(0) { $0 + $1.size }
    let idxBytes = segs.reduce(0) { $0 + (FileManager.default.fileSizeIfExists($1.indexPath) ?? 0) }
    print(
        "store: \(total) events (mix of \(base.count) generator events), \(segs.count) segments"
            + (sealSeconds.map { ", sealed every \($0) s (\(writer.sealsWritten) seals)" } ?? ""))
    print(
        String(
            format:
                "append: %.0f events/s, %.1f MB/s (append calls, index and close: %.2f s wall, %.2f s CPU; whole loop incl. building batches %.2f s wall, %.2f s CPU), fsync = interval",
            Double(total) / appendWall, Double(bytes) / appendWall / 1e6, appendWall, appendCPU, wall, cpu))
    print(
        String(
            format: "size: %.1f bytes/event in segments, %.1f bytes/event in indexes", Double(bytes) / Double(total),
            Double(idxBytes) / Double(total)))
    // --append-only: no scan or query figures (profiling the writer).
    if !arguments.contains("--append-only") { measureQueries(dir: dir) }
}

/// `activity-bench query --dir DIR`: scan and one-user query figures on an existing store.
func runQueryBenchmark(arguments: [String]) {
    guard let dir = option(arguments, "--dir") else {
        diagnostics.fail("--dir required", status: Diagnostics.Status.usage)
    }
    measureQueries(
        dir: dir, scanOnly: arguments.contains("--scan-only"), prefetchOnly: arguments.contains("--prefetch-only"))
}

/// `scanOnly` (`--scan-only`): the one-thread full scan alone (instruction counts of decoding under callgrind);
/// `prefetchOnly` (`--prefetch-only`): the prefetching read alone (its threads' counts, `--separate-threads`).
func measureQueries(dir: String, scanOnly: Bool = false, prefetchOnly: Bool = false) {
    let reader = try! StoreReader(dataDirectory: dir)
    if !prefetchOnly {
        var count = 0
        let (_, scanWall, scanCPU) = measure {
            try! reader.query(EventQuery()) { _ in
                count += 1; return true
            }
        }
        print(
            String(
                format: "full scan: %d events in %.2f s = %.0f events/s (%.2f s CPU)", count, scanWall,
                Double(count) / scanWall, scanCPU))
        if scanOnly { return }
    }
    // The same scan as the reports read: a prefetching read, frames decoded on every core.
    var prefetched = 0
    let (_, pfWall, pfCPU) = measure {
        for _ in try! reader.read(EventQuery(), prefetch: true) { prefetched += 1 }
    }
    print(
        String(
            format:
                "full scan, prefetching read (%d decoding threads): %d events in %.2f s = %.0f events/s (%.2f s CPU)",
            ProcessInfo.processInfo.activeProcessorCount, prefetched, pfWall, Double(prefetched) / pfWall, pfCPU))
    if prefetchOnly { return }

    var q = EventQuery()
    q.terms[.user] = ["needle.user"]
    var found = 0
    let (_, coldWall, _) = measure { found = (try? reader.events(q).count) ?? -1 }
    var times: [Double] = []
    for _ in 0..<20 { times.append(measure { _ = try? reader.events(q) }.wall) }
    times.sort()
    print(
        String(
            format:
                "user query (index): %d events, first %.1f ms, median of 20 %.2f ms; decoded %d events in %d segments",
            found, coldWall * 1e3, times[10] * 1e3, reader.lastQueryStats.eventsDecoded,
            reader.lastQueryStats.segmentsTouched))
    var scanFound = 0
    let (_, fullWall, _) = measure {
        try! reader.query(EventQuery()) { e in
            if e.user == "needle.user" { scanFound += 1 }; return true
        }
    }
    print(
        String(
            format: "user query (full scan of the same store): %d events in %.0f ms → index is %.0f× faster", scanFound,
            fullWall * 1e3, fullWall / times[10]))
}

extension FileManager {
    func fileSizeIfExists(_ path: String) -> Int? {
        (try? attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    }
}
