#if canImport(Glibc)
import Glibc
#endif
import ActivityModel

/// Per term (by id), its postings: event ordinals in increasing order. A term's first posting is kept inline
/// and only the others in an array of the term's own: most terms of a busy segment's `ip` field (addresses met
/// once) then cost no allocation, where an array each was one allocation and ~48 bytes per address, and the
/// singletons' growth was a quarter of the index thread's instructions.
struct PostingLists {
    /// Each term's first ordinal; `UInt32.max`: none yet (ordinals are below it: a segment holds fewer events).
    private var first: [UInt32] = []
    private var rest: [[UInt32]] = []

    /// The number of terms.
    var count: Int { first.count }

    /// A new term, with no postings yet.
    @inline(__always) mutating func appendTerm() {
        first.append(.max)
        rest.append([])
    }

    /// A new term whose first posting is `o`.
    @inline(__always) mutating func appendTerm(_ o: UInt32) {
        first.append(o)
        rest.append([])
    }

    /// Adds ordinal `o` (greater than the term's others) to term `i`.
    @inline(__always) mutating func add(_ i: Int, _ o: UInt32) {
        if first[i] == .max { first[i] = o } else { rest[i].append(o) }
    }

    /// Term `i`'s postings.
    func list(_ i: Int) -> [UInt32] { first[i] == .max ? [] : [first[i]] + rest[i] }

    /// Term `i`'s postings as the index stores them: the count, then each ordinal's difference from the one
    /// before (varints).
    func encode(_ i: Int, into out: inout ByteWriter) {
        guard first[i] != .max else { return out.varint(0) }
        out.varint(UInt64(1 + rest[i].count))
        out.varint(UInt64(first[i]))
        var prev = first[i]
        for o in rest[i] { out.varint(UInt64(o &- prev)); prev = o }
    }

    /// `list`'s postings as the index stores them (``encode(_:into:)``'s bytes for a plain array).
    static func encode(_ list: [UInt32], into out: inout ByteWriter) {
        out.varint(UInt64(list.count))
        var prev: UInt32 = 0
        for o in list { out.varint(UInt64(o &- prev)); prev = o }
    }
}

/// One string field's term dictionary: the terms (by id, in order of first appearance) and their postings.
struct TermPostings {
    var terms = StringTable(capacity: 1024)
    var lists = PostingLists()

    /// The postings slot of the term `b` with key `k`.
    @inline(__always) mutating func slot(_ b: UnsafeRawBufferPointer, _ k: StringTable.Key) -> Int32 {
        let (id, added) = terms.id(b, k)
        if added { lists.appendTerm() }
        return id
    }

    /// The postings slot of `s` (hashing it).
    @inline(__always) mutating func slot(_ s: String) -> Int32 {
        var s = s
        return s.withUTF8 { u in
            let b = UnsafeRawBufferPointer(u)
            return slot(b, terms.key(bytes: b))
        }
    }

    /// The slot of string `id` of a frame's table: its key was computed when the frame interned it.
    @inline(__always) mutating func slot(frame: StringTable, _ id: Int32) -> Int32 {
        frame.withBytes(Int(id)) { b in slot(b, frame.key(Int(id))) }
    }

    @inline(__always) mutating func add(_ slot: Int32, _ o: UInt32) { lists.add(Int(slot), o) }

    /// Term → postings, as a dictionary (``IndexBuilder/postings(_:)``).
    var dictionary: [String: [UInt32]] {
        var m: [String: [UInt32]] = [:]
        m.reserveCapacity(lists.count)
        for i in 0..<lists.count { m[terms.string(i)] = lists.list(i) }
        return m
    }
}

/// The `ip` field's dictionary: addresses by value (an open-addressing table, a seeded mix of the address
/// bits instead of `Hasher`), each formatted to its text once, when first met, for the byte order of terms.
struct IPPostings {
    var keys: [IPAddress] = []
    var lists = PostingLists()
    /// The RFC 5952 texts (``IPAddress/description``) back to back: term `i` is `text[starts[i]..<starts[i + 1]]`.
    var text: [UInt8] = []
    var starts: [Int] = [0]
    private var slots = [Int32](repeating: -1, count: 1024)
    private let seed = StringTable.seed

    @inline(__always) private func hash(_ ip: IPAddress) -> Int { ip.mixedHash(seed: seed) }

    @inline(__always) mutating func add(_ ip: IPAddress, _ o: UInt32) {
        let mask = slots.count - 1
        var i = hash(ip) & mask
        while true {
            let found = slots[i]
            if found < 0 { break }
            if keys[Int(found)] == ip { lists.add(Int(found), o); return }
            i = (i + 1) & mask
        }
        slots[i] = Int32(keys.count)
        keys.append(ip)
        lists.appendTerm(o)
        ip.appendText(to: &text)
        starts.append(text.count)
        if keys.count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            let mask = slots.count - 1
            for (id, k) in keys.enumerated() {
                var j = hash(k) & mask
                while slots[j] >= 0 { j = (j + 1) & mask }
                slots[j] = Int32(id)
            }
        }
    }

    /// The term ids in byte order of their texts.
    func idsInByteOrder() -> [Int] { termsInByteOrder(text, starts: starts, count: keys.count) }
}

/// Accumulates a segment's index while events are appended (the writer) or scanned (a rebuild).
///
/// The string fields' terms live in ``TermPostings`` tables keyed by bytes; the writer hands them the strings
/// its frame table interned (``addFrame(offset:baseSeq:events:refs:table:)``), so per event a term costs an
/// array lookup, and a hash only the first time a frame meets it (issue 21). IP postings are keyed by the
/// address value (formatted to text only when the index is encoded).
struct IndexBuilder {
    var firstSeq: UInt64
    var eventCount: UInt64 = 0
    var minTime = Int64.max
    var maxTime = Int64.min
    var frames: [FrameEntry] = []
    var users = TermPostings()
    var ips = IPPostings()
    var actions = TermPostings()
    var categories: [[UInt32]] = [[], [], []]
    var outcomes: [[UInt32]] = [[], [], []]
    var entries = TermPostings()
    var countries = TermPostings()
    var nets = TermPostings()
    /// The slots of the net flag terms (−1: not met yet): `vpn`, `proxy`, `tor`, `hosting`.
    var flagSlots: [Int32] = [-1, -1, -1, -1]
    /// Per user slot, the index of its digest in ``digests`` (−1: none).
    var digestOf: [Int32] = []
    /// Per user, what the covered login and admin events did to the account (the `accounts` section).
    var digests: [AccountDigest] = []
    var digestUsers: [Int32] = []
    /// Per frame-table id and field (user, action, entry, country, net), the postings slot (−1: not looked up).
    private var frameSlots: [Int32] = []
    /// The login attempts (the `logins` section), in ordinal order.
    var logins: [LoginSection.Row] = []
    /// Per action slot, whether the action is a login attempt's (−1: not looked up).
    private var attemptAction: [Int8] = []

    init(firstSeq: UInt64) { self.firstSeq = firstSeq }

    private static let flagNames = ["vpn", "proxy", "tor", "hosting"]

    @inline(__always) private mutating func flagSlot(_ i: Int) -> Int32 {
        if flagSlots[i] < 0 { flagSlots[i] = nets.slot(IndexBuilder.flagNames[i]) }
        return flagSlots[i]
    }

    @inline(__always) private mutating func account(_ userSlot: Int32, _ e: ActivityEvent, _ kind: LoginEventKind) {
        while digestOf.count < users.lists.count { digestOf.append(-1) }
        var d = digestOf[Int(userSlot)]
        if d < 0 {
            d = Int32(digests.count)
            digests.append(AccountDigest(seen: e.time))
            digestUsers.append(userSlot)
            digestOf[Int(userSlot)] = d
        }
        digests[Int(d)].apply(e, kind: kind)
    }

    /// Whether the action in postings slot `slot` is one of ``LoginEventKind/attemptActions``.
    @inline(__always) private mutating func isAttempt(_ slot: Int32) -> Bool {
        let i = Int(slot)
        if i >= attemptAction.count {
            attemptAction.append(contentsOf: repeatElement(-1, count: i + 1 - attemptAction.count))
        }
        if attemptAction[i] < 0 {
            attemptAction[i] = LoginEventKind.attemptActions.contains(actions.terms.string(i)) ? 1 : 0
        }
        return attemptAction[i] == 1
    }

    /// Adds `e`'s row to the login attempts when the action in slot `action` is an attempt's; returns its kind then.
    @inline(__always) private mutating func addAttempt(
        _ e: ActivityEvent, action: Int32, ordinal o: UInt32, userSlot: Int32
    ) -> LoginEventKind? {
        guard isAttempt(action) else { return nil }
        let kind = LoginEventKind(e)
        logins.append(LoginSection.row(e, kind: kind, ordinal: o, userSlot: userSlot))
        return kind
    }

    /// The fields of `e` that are not strings of the frame table.
    @inline(__always) private mutating func addCommon(_ e: ActivityEvent, _ o: UInt32) {
        eventCount += 1
        let t = e.time.nanoseconds
        if t < minTime { minTime = t }
        if t > maxTime { maxTime = t }
        if let v = e.ip { ips.add(v, o) }
        categories[Int(Codes.category(e.category))].append(o)
        outcomes[Int(Codes.outcome(e.outcome))].append(o)
    }

    /// Adds the event with sequence number `seq`.
    mutating func add(_ e: ActivityEvent, seq: UInt64) {
        let o = UInt32(truncatingIfNeeded: seq &- firstSeq)
        addCommon(e, o)
        var userSlot: Int32 = -1
        if let v = e.user { userSlot = users.slot(v); users.add(userSlot, o) }
        let actionSlot = actions.slot(e.action.rawValue)
        actions.add(actionSlot, o)
        let kind = addAttempt(e, action: actionSlot, ordinal: o, userSlot: userSlot)
        if let v = e.entry { entries.add(entries.slot(v), o) }
        if let v = e.geo?.country { countries.add(countries.slot(v), o) }
        if let n = e.net {
            if n.vpn { nets.add(flagSlot(0), o) }
            if n.proxy { nets.add(flagSlot(1), o) }
            if n.tor { nets.add(flagSlot(2), o) }
            if n.hosting { nets.add(flagSlot(3), o) }
            for l in n.lists { nets.add(nets.slot(l), o) }
        }
        if AccountSection.covers(e), userSlot >= 0 { account(userSlot, e, kind ?? LoginEventKind(e)) }
    }

    mutating func add(_ e: ActivityEvent) { add(e, seq: e.seq) }

    /// The postings slot of frame-table string `id` in field `f` (0 user, 1 action, 2 entry, 3 country, 4 net).
    @inline(__always) private mutating func frameSlot(_ f: Int, _ id: Int32, _ table: StringTable) -> Int32 {
        let at = Int(id) * 5 + f
        if at >= frameSlots.count {
            frameSlots.append(contentsOf: repeatElement(-1, count: (table.count * 5) - frameSlots.count))
        }
        var s = frameSlots[at]
        if s < 0 {
            switch f {
            case 0: s = users.slot(frame: table, id)
            case 1: s = actions.slot(frame: table, id)
            case 2: s = entries.slot(frame: table, id)
            case 3: s = countries.slot(frame: table, id)
            default: s = nets.slot(frame: table, id)
            }
            frameSlots[at] = s
        }
        return s
    }

    /// Adds a frame and its events, their strings already interned in the frame's `table` with their ids in
    /// `refs` (the writer's path: events carry no seq yet). What ``add(_:seq:)`` adds for each, without hashing
    /// a string the frame already met.
    mutating func addFrame(
        offset: Int, baseSeq: UInt64, events: ArraySlice<ActivityEvent>, refs: [EventRefs], table: StringTable
    ) {
        frameSlots.removeAll(keepingCapacity: true)
        var lo = Int64.max, hi = Int64.min
        var o = UInt32(truncatingIfNeeded: baseSeq &- firstSeq)
        // Borrowed in place (a zip of the two copied each event and each ref out, with their reference counts).
        events.withUnsafeBufferPointer { events in
            refs.withUnsafeBufferPointer { refs in
                for k in 0..<min(events.count, refs.count) {
                    add(events[k], refs[k], ordinal: o, table: table, lo: &lo, hi: &hi)
                    o &+= 1
                }
            }
        }
        frames.append(
            FrameEntry(offset: UInt64(offset), baseSeq: baseSeq, count: UInt32(events.count), minTime: lo, maxTime: hi))
    }

    /// One event of ``addFrame(offset:baseSeq:events:refs:table:)``, ordinal `o`.
    @inline(__always) private mutating func add(
        _ e: ActivityEvent, _ r: EventRefs, ordinal o: UInt32, table: StringTable,
        lo: inout Int64, hi: inout Int64
    ) {
        let t = e.time.nanoseconds
        lo = min(lo, t); hi = max(hi, t)
        guard r.exact else { return add(e, seq: firstSeq &+ UInt64(o)) }
        addCommon(e, o)
        var userSlot: Int32 = -1
        if r.user >= 0 { userSlot = frameSlot(0, r.user, table); users.add(userSlot, o) }
        let actionSlot = frameSlot(1, r.action, table)
        actions.add(actionSlot, o)
        let kind = addAttempt(e, action: actionSlot, ordinal: o, userSlot: userSlot)
        if r.entry >= 0 { entries.add(frameSlot(2, r.entry, table), o) }
        if r.country >= 0 { countries.add(frameSlot(3, r.country, table), o) }
        if let n = e.net {
            if n.vpn { nets.add(flagSlot(0), o) }
            if n.proxy { nets.add(flagSlot(1), o) }
            if n.tor { nets.add(flagSlot(2), o) }
            if n.hosting { nets.add(flagSlot(3), o) }
            for l in r.lists { nets.add(frameSlot(4, l, table), o) }
        }
        if AccountSection.covers(e), userSlot >= 0 { account(userSlot, e, kind ?? LoginEventKind(e)) }
    }

    /// Per user, the digest of the covered login and admin events.
    var accounts: [String: AccountDigest] {
        var m: [String: AccountDigest] = [:]
        for (u, d) in zip(digestUsers, digests) { m[users.terms.string(Int(u))] = d }
        return m
    }

    /// Term → postings for one field, as written to the file.
    func postings(_ field: IndexedField) -> [String: [UInt32]] {
        switch field {
        case .user: return users.dictionary
        case .ip:
            var m: [String: [UInt32]] = [:]
            m.reserveCapacity(ips.keys.count)
            for (i, k) in ips.keys.enumerated() { m[k.description] = ips.lists.list(i) }
            return m
        case .action: return actions.dictionary
        case .category:
            var m: [String: [UInt32]] = [:]
            for c in EventCategory.allCases where !categories[Int(Codes.category(c))].isEmpty {
                m[c.rawValue] = categories[Int(Codes.category(c))]
            }
            return m
        case .outcome:
            var m: [String: [UInt32]] = [:]
            for c in Outcome.allCases where !outcomes[Int(Codes.outcome(c))].isEmpty {
                m[c.rawValue] = outcomes[Int(Codes.outcome(c))]
            }
            return m
        case .entry: return entries.dictionary
        case .country: return countries.dictionary
        case .net: return nets.dictionary
        }
    }

    mutating func addFrame(offset: Int, baseSeq: UInt64, events: some Collection<ActivityEvent>) {
        var lo = Int64.max, hi = Int64.min
        for e in events { lo = min(lo, e.time.nanoseconds); hi = max(hi, e.time.nanoseconds) }
        frames.append(
            FrameEntry(offset: UInt64(offset), baseSeq: baseSeq, count: UInt32(events.count), minTime: lo, maxTime: hi))
    }

    /// Adds a frame and its events in one pass (events carry no seq yet).
    mutating func addFrame(offset: Int, baseSeq: UInt64, events: ArraySlice<ActivityEvent>) {
        var lo = Int64.max, hi = Int64.min
        var seq = baseSeq
        for e in events {
            lo = min(lo, e.time.nanoseconds); hi = max(hi, e.time.nanoseconds)
            add(e, seq: seq)
            seq += 1
        }
        frames.append(
            FrameEntry(offset: UInt64(offset), baseSeq: baseSeq, count: UInt32(events.count), minTime: lo, maxTime: hi))
    }

    /// The `.idx` bytes for a segment of `segmentLength` bytes.
    func encode(segmentLength: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 4096)
        w.bytes.append(contentsOf: SegmentFormat.indexMagic)
        w.u16(SegmentFormat.version)
        w.u16(0)
        w.u64(firstSeq)
        w.u64(eventCount)
        w.i64(eventCount == 0 ? 0 : minTime)
        w.i64(eventCount == 0 ? 0 : maxTime)
        w.u64(UInt64(segmentLength))
        w.u32(UInt32(frames.count))
        for f in frames {
            w.u64(f.offset); w.u64(f.baseSeq); w.u32(f.count); w.i64(f.minTime); w.i64(f.maxTime)
        }
        let fields = IndexedField.allCases
        let sectionNames = fields.map(\.rawValue) + [AccountSection.name, LoginSection.name]
        w.u8(UInt8(sectionNames.count))
        var patchAt: [Int] = []
        for name in sectionNames {
            w.string(name)
            patchAt.append(w.count)
            w.u64(0)
        }
        func startSection(_ i: Int) {
            let start = UInt64(w.count)
            withUnsafeBytes(of: start.littleEndian) { b in
                for k in 0..<8 { w.bytes[patchAt[i] + k] = b[k] }
            }
        }
        func section(count: Int, term: (Int, inout ByteWriter) -> Void, postings: (Int, inout ByteWriter) -> Void) {
            w.u32(UInt32(count))
            var termBlob = ByteWriter()
            var termOffsets: [UInt32] = [0]
            termOffsets.reserveCapacity(count + 1)
            var postBlob = ByteWriter()
            var postOffsets: [UInt32] = [0]
            postOffsets.reserveCapacity(count + 1)
            for i in 0..<count {
                term(i, &termBlob)
                termOffsets.append(UInt32(termBlob.count))
                postings(i, &postBlob)
                postOffsets.append(UInt32(postBlob.count))
            }
            for o in termOffsets { w.u32(o) }
            w.bytes.append(contentsOf: termBlob.bytes)
            for o in postOffsets { w.u32(o) }
            w.bytes.append(contentsOf: postBlob.bytes)
        }
        let userOrder = users.terms.idsInByteOrder()
        for (i, field) in fields.enumerated() {
            startSection(i)
            let table: TermPostings?
            switch field {
            case .user: table = users
            case .action: table = actions
            case .entry: table = entries
            case .country: table = countries
            case .net: table = nets
            case .ip, .category, .outcome: table = nil
            }
            if field == .ip {
                // Distinct addresses have distinct texts (RFC 5952 is canonical): the byte order of the texts.
                let order = ips.idsInByteOrder()
                section(
                    count: order.count,
                    term: { i, out in
                        out.bytes.append(contentsOf: ips.text[ips.starts[order[i]]..<ips.starts[order[i] + 1]])
                    },
                    postings: { i, out in ips.lists.encode(order[i], into: &out) })
            } else if let table {
                // Terms in byte order, from the table's bytes (no String is built).
                let order = field == .user ? userOrder : table.terms.idsInByteOrder()
                section(
                    count: order.count,
                    term: { i, out in table.terms.withBytes(order[i]) { out.bytes.append(contentsOf: $0) } },
                    postings: { i, out in table.lists.encode(order[i], into: &out) })
            } else {
                let fieldPostings = postings(field)
                let terms = fieldPostings.keys.sorted(by: utf8Precedes)
                section(
                    count: terms.count, term: { i, out in out.bytes.append(contentsOf: terms[i].utf8) },
                    postings: { i, out in PostingLists.encode(fieldPostings[terms[i]] ?? [], into: &out) })
            }
        }
        startSection(fields.count)
        let byUser = digestUsers.indices.sorted { a, b in
            users.terms.withBytes(Int(digestUsers[a])) { x in
                users.terms.withBytes(Int(digestUsers[b])) { y in compareBytes(x, y) < 0 }
            }
        }
        AccountSection.encode(sorted: byUser.map { (users.terms.string(Int(digestUsers[$0])), digests[$0]) }, into: &w)
        startSection(fields.count + 1)
        var userRank = [Int32](repeating: 0, count: userOrder.count)
        for (rank, slot) in userOrder.enumerated() { userRank[slot] = Int32(rank) }
        LoginSection.encode(logins, userRank: userRank, into: &w)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }
}
