import ActivityModel

/// The binary event encoding inside an events frame (format version 1; `docs/segment-format.md` §5).
///
/// Each frame carries a string table; events refer to repeated strings (actions, devices, user agents,
/// hosts, attribute keys...) by index, which is what keeps the mix of the benchmark generator under the
/// 120-bytes-per-event target without a compressor. Strings that are unique per event (session ids,
/// comments, raw messages, positions) are written inline.
typealias FrameStringTable = StringTable

/// The frame-table ids of an event's indexed strings, as ``EventCodec/encode(_:into:table:refs:)`` interned
/// them: the index takes its terms from the table by id instead of hashing the strings again (−1: absent).
struct EventRefs {
    var user: Int32 = -1
    var action: Int32 = -1
    var entry: Int32 = -1
    var country: Int32 = -1
    var lists: [Int32] = []
    /// False when one of them found an equal string with other bytes (non-ASCII, canonically equivalent): the
    /// index then takes that event's terms from the event, so that its terms keep the bytes they always had.
    var exact = true
}

/// The presence mask's bits (`docs/segment-format.md` §4): ``ActivityEvent/Field/presenceBit`` written out as
/// constants for the codec's hot path (`EventFieldCoverageTests` checks they are the table's). They are the format:
/// a bit never changes meaning; a new field takes the next bit.
enum FieldBit {
    static let ingested: UInt64 = 1 << 0
    static let reason: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
    static let actor: UInt64 = 1 << 3
    static let actorRole: UInt64 = 1 << 4
    static let account: UInt64 = 1 << 5
    static let session: UInt64 = 1 << 6
    static let entry: UInt64 = 1 << 7
    static let device: UInt64 = 1 << 8
    static let ip: UInt64 = 1 << 9
    static let port: UInt64 = 1 << 10
    static let host: UInt64 = 1 << 11
    static let service: UInt64 = 1 << 12
    static let geo: UInt64 = 1 << 13
    static let net: UInt64 = 1 << 14
    static let commerce: UInt64 = 1 << 15
    static let comment: UInt64 = 1 << 16
    static let attrs: UInt64 = 1 << 17
    static let origin: UInt64 = 1 << 18
    static let risk: UInt64 = 1 << 19
    static let known: UInt64 = (1 << 20) - 1
}

enum Codes {
    static func category(_ c: EventCategory) -> UInt8 {
        switch c {
        case .login: 0;
        case .activity: 1;
        case .admin: 2
        }
    }
    static func category(_ v: UInt8) -> EventCategory? {
        switch v {
        case 0: .login;
        case 1: .activity;
        case 2: .admin;
        default: nil
        }
    }
    static func outcome(_ o: Outcome) -> UInt8 {
        switch o {
        case .success: 0;
        case .failure: 1;
        case .unknown: 2
        }
    }
    static func outcome(_ v: UInt8) -> Outcome? {
        switch v {
        case 0: .success;
        case 1: .failure;
        case 2: .unknown;
        default: nil
        }
    }
}

enum EventCodec {
    /// Appends one event's bytes (without its length prefix) to `w`, interning strings in `table`.
    static func encode<W: StoreByteSink>(_ e: ActivityEvent, into w: inout W, table: inout FrameStringTable) {
        var refs = EventRefs()
        encode(e, into: &w, table: &table, refs: &refs)
    }

    /// ``encode(_:into:table:)``, noting in `refs` the table ids of the strings the index keeps.
    static func encode<W: StoreByteSink>(
        _ e: ActivityEvent, into w: inout W, table: inout FrameStringTable, refs: inout EventRefs
    ) {
        var mask: UInt64 = 0
        if e.ingested != nil { mask |= FieldBit.ingested }
        if e.reason != nil { mask |= FieldBit.reason }
        if e.user != nil { mask |= FieldBit.user }
        if e.actor != nil { mask |= FieldBit.actor }
        if e.actorRole != nil { mask |= FieldBit.actorRole }
        if e.account != nil { mask |= FieldBit.account }
        if e.hasSession { mask |= FieldBit.session }
        if e.entry != nil { mask |= FieldBit.entry }
        if e.device != nil { mask |= FieldBit.device }
        if e.ip != nil { mask |= FieldBit.ip }
        if e.port != nil { mask |= FieldBit.port }
        if e.host != nil { mask |= FieldBit.host }
        if e.service != nil { mask |= FieldBit.service }
        // The struct-valued fields are read in place through the storage: their getters copy them out whole
        // (every string retained, then released), through generic value witnesses.
        let box = e.box
        if box.fields.geo?.isEmpty == false { mask |= FieldBit.geo }
        if box.fields.net?.isEmpty == false { mask |= FieldBit.net }
        if box.fields.commerce?.isEmpty == false { mask |= FieldBit.commerce }
        if e.comment != nil { mask |= FieldBit.comment }
        if !e.attrs.isEmpty { mask |= FieldBit.attrs }
        if box.fields.origin != nil { mask |= FieldBit.origin }
        if !e.risk.isEmpty { mask |= FieldBit.risk }

        w.i64(e.time.nanoseconds)
        w.varint(mask)
        w.u8(Codes.category(e.category))
        w.u8(Codes.outcome(e.outcome))
        refs.exact = true
        refs.action = table.id(e.action.rawValue, exact: &refs.exact)
        w.varint(UInt64(refs.action))
        if let v = e.ingested { w.zigzag(v.nanoseconds &- e.time.nanoseconds) }
        if let v = e.reason { w.varint(UInt64(table.id(v))) }
        if let v = e.user {
            refs.user = table.id(v, exact: &refs.exact); w.varint(UInt64(refs.user))
        } else {
            refs.user = -1
        }
        if let v = e.actor { w.varint(UInt64(table.id(v))) }
        if let v = e.actorRole { w.varint(UInt64(table.id(v))) }
        if let v = e.account { w.varint(UInt64(table.id(v))) }
        _ = e.withSessionUTF8 { b in
            w.varint(UInt64(b.count))
            w.append(b)
        }
        if let v = e.entry {
            refs.entry = table.id(v, exact: &refs.exact); w.varint(UInt64(refs.entry))
        } else {
            refs.entry = -1
        }
        if let v = e.device { w.varint(UInt64(table.id(v))) }
        if let ip = e.ip { encode(ip, into: &w) }
        if let v = e.port { w.varint(UInt64(v)) }
        if let v = e.host { w.varint(UInt64(table.id(v))) }
        if let v = e.service { w.varint(UInt64(table.id(v))) }
        refs.country = -1
        refs.lists.removeAll(keepingCapacity: true)
        if mask & FieldBit.geo != 0 {
            refs.country = encode(box.fields.geo!, into: &w, table: &table, exact: &refs.exact)
        }
        if mask & FieldBit.net != 0 {
            var flags: UInt8 = 0
            if box.fields.net!.vpn { flags |= 1 }
            if box.fields.net!.proxy { flags |= 2 }
            if box.fields.net!.tor { flags |= 4 }
            if box.fields.net!.hosting { flags |= 8 }
            w.u8(flags)
            let lists = box.fields.net!.lists
            w.varint(UInt64(lists.count))
            for l in lists {
                let id = table.id(l, exact: &refs.exact)
                refs.lists.append(id)
                w.varint(UInt64(id))
            }
        }
        if mask & FieldBit.commerce != 0 {
            var sub: UInt64 = 0
            if box.fields.commerce!.subscription != nil { sub |= 1 }
            if box.fields.commerce!.order != nil { sub |= 2 }
            if box.fields.commerce!.amount != nil { sub |= 4 }
            if box.fields.commerce!.currency != nil { sub |= 8 }
            if box.fields.commerce!.billingCycles != nil { sub |= 16 }
            w.varint(sub)
            if let v = box.fields.commerce!.subscription { w.varint(UInt64(table.id(v))) }
            if let v = box.fields.commerce!.order { w.string(v) }
            if let v = box.fields.commerce!.amount { w.string(v) }
            if let v = box.fields.commerce!.currency { w.varint(UInt64(table.id(v))) }
            if let v = box.fields.commerce!.billingCycles { w.zigzag(Int64(v)) }
        }
        if let v = e.comment { w.string(v) }
        if !e.attrs.isEmpty {
            w.varint(UInt64(e.attrs.count))
            for i in 0..<e.attrs.count {
                let p = e.attrs[pair: i]
                w.varint(UInt64(table.id(p.key)))
                w.varint(UInt64(table.id(p.value)))
            }
        }
        if mask & FieldBit.origin != 0 {
            var sub: UInt64 = 0
            if box.fields.origin!.position != nil { sub |= 1 }
            if box.fields.origin!.source != nil { sub |= 2 }
            if box.fields.origin!.raw != nil { sub |= 4 }
            w.varint(sub)
            w.varint(UInt64(table.id(box.fields.origin!.input)))
            if let v = box.fields.origin!.position { w.string(v) }
            if let v = box.fields.origin!.source { w.varint(UInt64(table.id(v))) }
            if let v = box.fields.origin!.raw { w.string(v) }
        }
        if !e.risk.isEmpty { w.u8(e.risk.rawValue) }
    }

    /// An address: its length (4 or 16), then its bytes in network order.
    static func encode<W: StoreByteSink>(_ ip: IPAddress, into w: inout W) {
        switch ip {
        case .v4(let a): w.u8(4); w.u32(a.bigEndian)
        case .v6(let hi, let lo): w.u8(16); w.u64(hi.bigEndian); w.u64(lo.bigEndian)
        }
    }

    static func decodeIP(_ r: inout ByteReader) -> IPAddress? {
        guard let n = r.u8() else { return nil }
        if n == 4 {
            guard let a = r.u32() else { return nil }
            return .v4(UInt32(bigEndian: a))
        } else if n == 16 {
            guard let hi = r.u64(), let lo = r.u64() else { return nil }
            return .v6(UInt64(bigEndian: hi), UInt64(bigEndian: lo))
        }
        return nil
    }

    /// A location: a presence mask, then the present fields, strings as `table` ids.
    /// - Returns: the table id of the country (−1: none).
    @discardableResult
    static func encode<W: StoreByteSink>(_ g: Geo, into w: inout W, table: inout FrameStringTable) -> Int32 {
        var exact = true
        return encode(g, into: &w, table: &table, exact: &exact)
    }

    /// ``encode(_:into:table:)``, with `exact` false when the country found an equal string of other bytes.
    static func encode<W: StoreByteSink>(_ g: Geo, into w: inout W, table: inout FrameStringTable, exact: inout Bool)
        -> Int32
    {
        var sub: UInt64 = 0
        if g.country != nil { sub |= 1 }
        if g.countryName != nil { sub |= 2 }
        if g.region != nil { sub |= 4 }
        if g.city != nil { sub |= 8 }
        if g.lat != nil { sub |= 16 }
        if g.lon != nil { sub |= 32 }
        if g.radiusKm != nil { sub |= 64 }
        if g.tz != nil { sub |= 128 }
        if g.asn != nil { sub |= 256 }
        if g.asOrg != nil { sub |= 512 }
        w.varint(sub)
        var country: Int32 = -1
        if let v = g.country { country = table.id(v, exact: &exact); w.varint(UInt64(country)) }
        if let v = g.countryName { w.varint(UInt64(table.id(v))) }
        if let v = g.region { w.varint(UInt64(table.id(v))) }
        if let v = g.city { w.varint(UInt64(table.id(v))) }
        if let v = g.lat { w.f64(v) }
        if let v = g.lon { w.f64(v) }
        if let v = g.radiusKm { w.zigzag(Int64(v)) }
        if let v = g.tz { w.varint(UInt64(table.id(v))) }
        if let v = g.asn { w.varint(UInt64(v)) }
        if let v = g.asOrg { w.varint(UInt64(table.id(v))) }
        return country
    }

    static func decodeGeo<Table: FrameStringLookup>(_ r: inout ByteReader, table: Table) -> Geo? {
        @inline(__always) func str(_ r: inout ByteReader) -> String? {
            guard let i = r.varint(), i < UInt64(table.count) else { return nil }
            return table.string(Int(i))
        }
        guard let sub = r.varint() else { return nil }
        var g = Geo()
        if sub & 1 != 0 { guard let v = str(&r) else { return nil }; g.country = v }
        if sub & 2 != 0 { guard let v = str(&r) else { return nil }; g.countryName = v }
        if sub & 4 != 0 { guard let v = str(&r) else { return nil }; g.region = v }
        if sub & 8 != 0 { guard let v = str(&r) else { return nil }; g.city = v }
        if sub & 16 != 0 { guard let v = r.f64() else { return nil }; g.lat = v }
        if sub & 32 != 0 { guard let v = r.f64() else { return nil }; g.lon = v }
        if sub & 64 != 0 { guard let v = r.zigzag(), let i = Int(exactly: v) else { return nil }; g.radiusKm = i }
        if sub & 128 != 0 { guard let v = str(&r) else { return nil }; g.tz = v }
        if sub & 256 != 0 { guard let v = r.varint(), v <= UInt64(UInt32.max) else { return nil }; g.asn = UInt32(v) }
        if sub & 512 != 0 { guard let v = str(&r) else { return nil }; g.asOrg = v }
        return g
    }

    /// Steps over a location, checking its bytes exactly as ``decodeGeo(_:table:)`` does (string ids below
    /// `tableCount`): false where it would return nil. Builds nothing.
    static func skipGeo(_ r: inout ByteReader, tableCount: Int) -> Bool {
        @inline(__always) func str(_ r: inout ByteReader) -> Bool {
            guard let i = r.varint(), i < UInt64(tableCount) else { return false }
            return true
        }
        guard let sub = r.varint() else { return false }
        if sub & 1 != 0 { guard str(&r) else { return false } }
        if sub & 2 != 0 { guard str(&r) else { return false } }
        if sub & 4 != 0 { guard str(&r) else { return false } }
        if sub & 8 != 0 { guard str(&r) else { return false } }
        if sub & 16 != 0 { guard r.f64() != nil else { return false } }
        if sub & 32 != 0 { guard r.f64() != nil else { return false } }
        if sub & 64 != 0 { guard let v = r.zigzag(), Int(exactly: v) != nil else { return false } }
        if sub & 128 != 0 { guard str(&r) else { return false } }
        if sub & 256 != 0 { guard let v = r.varint(), v <= UInt64(UInt32.max) else { return false } }
        if sub & 512 != 0 { guard str(&r) else { return false } }
        return true
    }

    /// The fields after `net` (commerce, comment, attrs, origin, risk), then the end check. Omitted ones are
    /// stepped over without building their strings; the bytes must still be well formed.
    /// `f` is the new event's storage, written in place (see ``decode(_:seq:table:omit:)``).
    static func decodeTail<Table: FrameStringLookup>(
        _ r: inout ByteReader, mask: UInt64, into f: inout ActivityEvent.Fields, table: Table, omit: OmittedFields
    ) -> Bool {
        @inline(__always) func ref(_ r: inout ByteReader) -> String? {
            guard let i = r.varint(), i < UInt64(table.count) else { return nil }
            return table.string(Int(i))
        }
        if mask & FieldBit.commerce != 0 {
            guard let sub = r.varint() else { return false }
            var c = Commerce()
            let keep = !omit.contains(.commerce)
            if sub & 1 != 0 { guard let v = ref(&r) else { return false }; c.subscription = v }
            if sub & 2 != 0 { guard let v = r.string(build: keep) else { return false }; c.order = v }
            if sub & 4 != 0 { guard let v = r.string(build: keep) else { return false }; c.amount = v }
            if sub & 8 != 0 { guard let v = ref(&r) else { return false }; c.currency = v }
            if sub & 16 != 0 {
                guard let v = r.zigzag(), let i = Int(exactly: v) else { return false }; c.billingCycles = i
            }
            if keep { f.commerce = c }
        }
        if mask & FieldBit.comment != 0 {
            let keep = !omit.contains(.comment)
            guard let v = r.string(build: keep) else { return false }
            if keep { f.comment = v }
        }
        if mask & FieldBit.attrs != 0 {
            guard let n = r.varint(), n <= 4096 else { return false }
            if omit.contains(.attributes) {
                for _ in 0..<n { guard ref(&r) != nil, ref(&r) != nil else { return false } }
            } else {
                // Straight into the event's inline pairs. Unique by construction: the writer encodes an
                // `Attributes`, and the frame's CRC guards the bytes.
                for _ in 0..<n {
                    guard let k = ref(&r), let v = ref(&r) else { return false }
                    f.attrs.appendUnchecked(Attributes.Pair(key: k, value: v))
                }
            }
        }
        if mask & FieldBit.origin != 0 {
            guard let sub = r.varint(), let input = ref(&r) else { return false }
            let keep = !omit.contains(.origin)
            // Fields into locals and the value built once: setting a built-up `Origin` copied and destroyed its
            // four strings once more per event (callgrind: 7 % of a full scan's instructions).
            var position: String? = nil, source: String? = nil, raw: String? = nil
            if sub & 1 != 0 { guard let v = r.string(build: keep) else { return false }; position = v }
            if sub & 2 != 0 { guard let v = ref(&r) else { return false }; source = v }
            if sub & 4 != 0 { guard let v = r.string(build: keep) else { return false }; raw = v }
            if keep { f.origin = Origin(input: input, position: position, source: source, raw: raw) }
        }
        if mask & FieldBit.risk != 0 {
            guard let v = r.u8() else { return false }; f.risk = RiskFlags(rawValue: v)
        }
        return r.atEnd
    }

    /// Decodes one event from exactly the bytes of `r` (its length prefix already consumed). Nil when the
    /// bytes do not form an event of this version: the frame is then reported as damaged.
    static func decode<Table: FrameStringLookup>(
        _ r: inout ByteReader, seq: UInt64, table: Table, omit: OmittedFields = []
    ) -> ActivityEvent? {
        @inline(__always) func str(_ r: inout ByteReader) -> String? {
            guard let i = r.varint(), i < UInt64(table.count) else { return nil }
            return table.string(Int(i))
        }
        guard let t = r.i64(), let mask = r.varint(), mask & ~FieldBit.known == 0,
            let cb = r.u8(), let category = Codes.category(cb),
            let ob = r.u8(), let outcome = Codes.outcome(ob),
            let action = str(&r)
        else { return nil }
        var e = ActivityEvent(
            seq: seq, time: Timestamp(nanoseconds: t), category: category, action: Action(rawValue: action),
            outcome: outcome)
        // The fields are written in place, through one access to the new event's storage (unique: just made),
        // where each property's setter checked the storage's uniqueness once more (callgrind: `decode` without
        // `decodeTail` 135M -> 94M instructions per 200k events).
        return decodeFields(&r, t: t, mask: mask, into: &e.storedFields, table: table, omit: omit) ? e : nil
    }

    /// The fields after the required ones, into `f`; false when the bytes do not form an event.
    private static func decodeFields<Table: FrameStringLookup>(
        _ r: inout ByteReader, t: Int64, mask: UInt64, into f: inout ActivityEvent.Fields, table: Table,
        omit: OmittedFields
    ) -> Bool {
        @inline(__always) func str(_ r: inout ByteReader) -> String? {
            guard let i = r.varint(), i < UInt64(table.count) else { return nil }
            return table.string(Int(i))
        }
        if mask & FieldBit.ingested != 0 {
            guard let d = r.zigzag() else { return false }; f.ingested = Timestamp(nanoseconds: t &+ d)
        }
        if mask & FieldBit.reason != 0 { guard let v = str(&r) else { return false }; f.reason = v }
        if mask & FieldBit.user != 0 { guard let v = str(&r) else { return false }; f.user = v }
        if mask & FieldBit.actor != 0 { guard let v = str(&r) else { return false }; f.actor = v }
        if mask & FieldBit.actorRole != 0 { guard let v = str(&r) else { return false }; f.actorRole = v }
        if mask & FieldBit.account != 0 { guard let v = str(&r) else { return false }; f.account = v }
        if mask & FieldBit.session != 0 {
            guard let n = r.varint(), n <= UInt64(r.remaining), let b = r.bytes(Int(n)) else { return false }
            if !omit.contains(.session) { f.session = ShortText(utf8: b) }
        }
        if mask & FieldBit.entry != 0 { guard let v = str(&r) else { return false }; f.entry = v }
        if mask & FieldBit.device != 0 { guard let v = str(&r) else { return false }; f.device = v }
        if mask & FieldBit.ip != 0 { guard let ip = decodeIP(&r) else { return false }; f.ip = ip }
        if mask & FieldBit.port != 0 {
            guard let v = r.varint(), v <= 65535 else { return false }; f.port = UInt16(v)
        }
        if mask & FieldBit.host != 0 { guard let v = str(&r) else { return false }; f.host = v }
        if mask & FieldBit.service != 0 { guard let v = str(&r) else { return false }; f.service = v }
        if mask & FieldBit.geo != 0 {
            guard let g = decodeGeo(&r, table: table) else { return false }; f.geo = g
        }
        if mask & FieldBit.net != 0 {
            guard let flags = r.u8(), let n = r.varint(), n <= 1024 else { return false }
            var net = NetFlags(vpn: flags & 1 != 0, proxy: flags & 2 != 0, tor: flags & 4 != 0, hosting: flags & 8 != 0)
            for _ in 0..<n { guard let v = str(&r) else { return false }; net.lists.append(v) }
            f.net = net
        }
        // Commerce, comment, attrs, origin, risk: what a projection may leave out.
        return decodeTail(&r, mask: mask, into: &f, table: table, omit: omit)
    }
}
