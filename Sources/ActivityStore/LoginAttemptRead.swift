import ActivityModel

extension StoreReader {
    /// The login attempts (events whose action is one of ``ActivityModel/LoginEventKind/attemptActions``) with
    /// `since <= time < until`, in event time order, ties by `seq` — the events and the order of
    /// ``read(_:prefetch:)`` with those actions in ``EventOrder/time`` — as ``ActivityModel/LoginAttempt`` rows:
    /// what `report logins`, `report failures` and the stored-flags path of `report suspicious` read.
    ///
    /// An index with a `logins` section gives its segment's rows without decoding an event; what no such index
    /// covers (the active segment's tail, a segment without an index or with one written before the section
    /// existed, or one whose section is damaged, which is recorded as damage) is decoded as events. Segments are
    /// read as the iteration reaches them (but for what no index covers, decoded now for its time bounds); only
    /// segments whose time ranges overlap are held at once. The reader must not be used otherwise until the
    /// iteration ends.
    /// - Throws: `StoreError` when the segments directory cannot be listed.
    public func loginAttempts(since: Timestamp? = nil, until: Timestamp? = nil) throws(StoreError) -> LoginAttemptRead {
        var q = EventQuery()
        q.terms[.action] = LoginEventKind.attemptActions
        q.omit = .reportExtras
        q.since = since
        q.until = until
        let state = LoginAttemptRead.State()
        var parts: [LoginAttemptRead.Part] = []
        for s in try segments() {
            guard let file = mappedOrDamage(s) else { continue }
            let idx = index(of: s, file: file)
            var covered = 0
            if let idx {
                // With a logins section, its rows (checked as they are read: a damaged section falls back to
                // the events); without one (an index written before it existed), the events the index covers.
                // Either is read when the iteration reaches it, within the index's time bounds.
                covered = Int(idx.segmentLength)
                var outside = idx.eventCount == 0
                if let since, idx.maxTime < since.nanoseconds { outside = true }
                if let until, idx.minTime >= until.nanoseconds { outside = true }
                if !outside {
                    lastQueryStats.segmentsTouched += 1
                    let source: LoginAttemptRead.Source
                    if idx.hasLogins { source = .index(s, idx) } else { source = .frames(s, idx) }
                    parts.append(LoginAttemptRead.Part(minTime: idx.minTime, maxTime: idx.maxTime, source: source))
                }
            }
            // What no index covers: decoded now, for its time bounds.
            guard covered < file.count else { continue }
            guard let (_, plan) = framePlan(segment: s, file: file, index: idx, query: q) else { continue }
            var rows: [LoginAttempt] = []
            for (frame, ordinals) in plan where frame.offset >= covered {
                for e in decode(file: file, frame: frame, ordinals: ordinals, query: q) {
                    if let a = state.table.attempt(e) { rows.append(a) }
                }
            }
            guard let first = rows.first else { continue }
            var lo = first.time.nanoseconds
            var hi = lo
            for r in rows {
                lo = Swift.min(lo, r.time.nanoseconds)
                hi = Swift.max(hi, r.time.nanoseconds)
            }
            parts.append(LoginAttemptRead.Part(minTime: lo, maxTime: hi, source: .rows(rows)))
        }
        parts.sort { $0.minTime < $1.minTime }
        state.parts = parts
        return LoginAttemptRead(reader: self, query: q, state: state, count: parts.count)
    }

    /// The events with the given sequence numbers (those that exist), decoded whole but for `omit`, by seq.
    /// For the few rows a report prints of the many ``loginAttempts(since:until:)`` it read.
    public func events(seqs: [UInt64], omit: OmittedFields = []) throws(StoreError) -> [UInt64: ActivityEvent] {
        let segs = try segments()
        guard !segs.isEmpty else { return [:] }
        var q = EventQuery()
        q.omit = omit
        var bySegment: [Int: [UInt64]] = [:]
        for seq in seqs {
            // The last segment whose first seq is at most `seq`.
            var lo = 0
            var hi = segs.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if segs[mid].firstSeq <= seq { lo = mid + 1 } else { hi = mid }
            }
            guard lo > 0 else { continue }
            bySegment[lo - 1, default: []].append(seq)
        }
        var out: [UInt64: ActivityEvent] = [:]
        for (i, wanted) in bySegment.sorted(by: { $0.key < $1.key }) {
            let sorted = wanted.sorted()
            guard let (file, plan) = framePlan(segment: segs[i], query: q) else { continue }
            for (frame, _) in plan {
                let lo = frame.baseSeq
                let hi = frame.baseSeq &+ UInt64(frame.count)
                var k = 0
                while k < sorted.count, sorted[k] < lo { k += 1 }
                var ordinals: [Int] = []
                while k < sorted.count, sorted[k] < hi {
                    ordinals.append(Int(sorted[k] - lo))
                    k += 1
                }
                guard !ordinals.isEmpty else { continue }
                for e in decode(file: file, frame: frame, ordinals: ordinals, query: q) { out[e.seq] = e }
            }
        }
        return out
    }
}

/// The login attempts of one ``StoreReader/loginAttempts(since:until:)``, in time order (ties by seq), read
/// as iterated. Iterate it once.
public struct LoginAttemptRead: LoginAttemptSequence {
    /// One segment's attempts, with the time bounds of its events.
    struct Part {
        var minTime: Int64
        var maxTime: Int64
        var source: Source
    }

    enum Source {
        /// The segment's logins section.
        case index(SegmentInfo, SegmentIndex)
        /// The events the segment's index covers.
        case frames(SegmentInfo, SegmentIndex)
        /// Rows made already.
        case rows([LoginAttempt])
    }

    /// The user names met so far (a reference: the iteration adds those of the events it decodes), and the parts
    /// still to read (each dropped once read, its index unmapped).
    final class State: @unchecked Sendable {
        var table = LoginAttempts()
        var parts: [Part?] = []
    }

    let reader: StoreReader
    let query: EventQuery
    let state: State
    let count: Int

    /// The name of user id `id`.
    public func userName(_ id: Int32) -> String { state.table.users[Int(id)] }

    /// Reads the attempts as iterated: parts whose time ranges overlap are read together and sorted, the
    /// others one by one (their rows are in order already when the store was written in time order).
    public struct Iterator: IteratorProtocol {
        let read: LoginAttemptRead
        var part = 0
        var rows: [LoginAttempt] = []
        var at = 0

        public mutating func next() -> LoginAttempt? {
            while at >= rows.count {
                guard part < read.count, let firstPart = read.state.parts[part] else { return nil }
                var hi: Int64 = firstPart.maxTime
                rows.removeAll(keepingCapacity: true)
                at = 0
                var taken = 0
                while part < read.count {
                    guard let p: Part = read.state.parts[part] else { break }
                    if taken > 0 && p.minTime > hi { break }
                    hi = Swift.max(hi, p.maxTime)
                    read.state.parts[part] = nil
                    read.append(p, to: &rows)
                    taken += 1
                    part += 1
                }
                var ordered = true
                for i in rows.indices.dropFirst() where Self.less(rows[i], rows[i - 1]) {
                    ordered = false
                    break
                }
                if !ordered { rows.sort(by: Self.less) }
            }
            let row = rows[at]
            at += 1
            return row
        }

        @inline(__always) static func less(_ a: LoginAttempt, _ b: LoginAttempt) -> Bool {
            a.time != b.time ? a.time < b.time : a.seq < b.seq
        }
    }

    public func makeIterator() -> Iterator { Iterator(read: self) }

    /// Appends the rows of `p` in the time range.
    func append(_ p: Part, to rows: inout [LoginAttempt]) {
        let lo: Int64 = query.since?.nanoseconds ?? .min
        let hi: Int64 = query.until?.nanoseconds ?? .max
        switch p.source {
        case .rows(let made):
            for r in made where r.time.nanoseconds >= lo && r.time.nanoseconds < hi { rows.append(r) }
        case .frames(let segment, let idx):
            appendEvents(of: segment, index: idx, to: &rows)
        case .index(let segment, let idx):
            guard let users = idx.userTerms() else {
                reader.damage.append(
                    ReadDamage(path: segment.indexPath, offset: nil, reason: "damaged user section; scanning"))
                appendEvents(of: segment, index: idx, to: &rows)
                return
            }
            let remap: [Int32] = users.map { state.table.id($0) }
            let first = idx.firstSeq
            let start = rows.count
            let intact = idx.loginRows(userCount: remap.count) { o, t, kind, risk, user, ip in
                guard t >= lo && t < hi else { return }
                let id: Int32 = user < 0 ? -1 : remap[Int(user)]
                let seq: UInt64 = first &+ UInt64(o)
                rows.append(
                    LoginAttempt(
                        time: Timestamp(nanoseconds: t), seq: seq, kind: kind, user: id, ip: ip,
                        risk: RiskFlags(rawValue: risk)))
            }
            if !intact {
                rows.removeSubrange(start...)
                reader.damage.append(
                    ReadDamage(path: segment.indexPath, offset: nil, reason: "damaged logins section; scanning"))
                appendEvents(of: segment, index: idx, to: &rows)
            }
        }
    }

    /// Appends the login attempts among the events `idx` covers, decoded.
    func appendEvents(of segment: SegmentInfo, index idx: SegmentIndex, to rows: inout [LoginAttempt]) {
        guard let file = reader.mappedOrDamage(segment) else { return }
        guard let (_, plan) = reader.framePlan(segment: segment, file: file, index: idx, query: query) else { return }
        let covered = Int(idx.segmentLength)
        for (frame, ordinals) in plan where frame.offset < covered {
            for e in reader.decode(file: file, frame: frame, ordinals: ordinals, query: query) {
                if let a = state.table.attempt(e) { rows.append(a) }
            }
        }
    }
}
