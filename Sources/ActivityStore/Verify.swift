import ActivityModel

/// What `activityctl verify` found.
public struct VerifyReport: Sendable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var offset: Int?
        public var reason: String
        public var description: String { offset.map { "\(path): offset \($0): \(reason)" } ?? "\(path): \(reason)" }
    }
    public var segments = 0
    public var events = 0
    public var problems: [Problem] = []
    /// Indexes rewritten by `--repair`.
    public var repaired: [String] = []
    /// Sequence numbers seen out of order or twice.
    public var seqErrors = 0
    public var isClean: Bool { problems.isEmpty && seqErrors == 0 }
}

extension StoreReader {
    /// Checks every segment (header, every frame's CRC and contents, seq order) and every index (CRC,
    /// length, frame table and counts against the segment). With `repair`, damaged or missing indexes of
    /// sealed segments are rebuilt from their segments.
    public func verify(repair: Bool) throws -> VerifyReport {
        var report = VerifyReport()
        var lastSeq: UInt64 = 0
        for s in try segments() {
            report.segments += 1
            let file = try MappedFile(path: s.path)
            let b = file.bytes
            guard let hd = SegmentHeader.parse(b) else {
                report.problems.append(.init(path: s.path, offset: 0, reason: "damaged or unknown segment header"))
                continue
            }
            if hd.firstSeq != s.firstSeq {
                report.problems.append(.init(path: s.path, offset: 0, reason: "header first seq \(hd.firstSeq) does not match the file name"))
            }
            var frames: [FrameEntry] = []
            var count = 0
            var o = hd.length
            while o < b.count {
                switch FrameParser.frame(in: b, at: o) {
                case .success(let f):
                    if f.kind == SegmentFormat.frameEvents {
                        if let evs = FrameParser.events(in: b, frame: f) {
                            var lo = Int64.max, hi = Int64.min
                            for e in evs {
                                if e.seq <= lastSeq { report.seqErrors += 1 }
                                lastSeq = e.seq
                                lo = min(lo, e.time.nanoseconds); hi = max(hi, e.time.nanoseconds)
                            }
                            count += evs.count
                            frames.append(FrameEntry(offset: UInt64(f.offset), baseSeq: f.baseSeq, count: UInt32(f.count), minTime: lo, maxTime: hi))
                        } else {
                            report.problems.append(.init(path: s.path, offset: f.offset, reason: "events frame passes its CRC but does not decode"))
                        }
                    } else if FrameParser.commit(in: b, frame: f) == nil {
                        report.problems.append(.init(path: s.path, offset: f.offset, reason: "commit frame does not decode"))
                    }
                    o = f.end
                case .failure(let d):
                    if s.isActive, case .truncated = d {
                        // The writer may be mid-write; not damage.
                        o = b.count
                        break
                    }
                    report.problems.append(.init(path: s.path, offset: d.offset, reason: d.reason))
                    o = FrameParser.resync(in: b, after: o) ?? b.count
                }
            }
            report.events += count
            if s.isActive {
                // The active segment may carry a prefix index (written at close and at checkpoints).
                guard FS.exists(s.indexPath) else { continue }
                do {
                    let idx = try SegmentIndex(path: s.indexPath, verifyChecksum: true)
                    if idx.segmentLength > UInt64(b.count) || idx.firstSeq != s.firstSeq {
                        throw StoreError(.corrupt, "prefix index covers more than its segment", path: s.indexPath)
                    }
                } catch {
                    report.problems.append(.init(path: s.indexPath, offset: nil, reason: "\(error)"))
                    if repair {
                        // Readers scan what no valid index covers; the writer rebuilds it at its next start.
                        FS.remove(s.indexPath)
                        report.repaired.append(s.indexPath)
                    }
                }
                continue
            }
            var indexOK = true
            do {
                let idx = try SegmentIndex(path: s.indexPath, verifyChecksum: true)
                var why: String?
                if idx.segmentLength != UInt64(b.count) { why = "index covers \(idx.segmentLength) bytes, segment has \(b.count)" }
                else if idx.eventCount != UInt64(count) { why = "index counts \(idx.eventCount) events, segment holds \(count)" }
                else if idx.frames.map(\.offset) != frames.map(\.offset) { why = "index frame table does not match the segment's frames" }
                else if idx.hasAccounts, idx.accountDigests() == nil { why = "index accounts section is damaged" }
                if let why {
                    indexOK = false
                    report.problems.append(.init(path: s.indexPath, offset: nil, reason: why))
                }
            } catch {
                indexOK = false
                report.problems.append(.init(path: s.indexPath, offset: nil, reason: "\(error)"))
            }
            if !indexOK && repair {
                _ = try SegmentWriter.rebuildIndex(segmentPath: s.path, indexPath: s.indexPath)
                report.repaired.append(s.indexPath)
            }
        }
        return report
    }
}
