import ActivityModel

/// The risk engine's state as bytes, so a daemon that stopped cleanly starts again without folding the whole
/// store (docs: README, Risk at ingest). The encoding is exact: an engine read back gives the same answers and
/// evicts the same entries as the one written. Layout (little-endian): `varint` counts, `str` = varint length +
/// UTF-8, times as i64 ns, coordinates as f64 bits; the settings that change the state's meaning are part of it
/// (``RiskEngine/snapshotSettings``), so a snapshot taken under other settings is refused.
extension RiskEngine {
    /// A text of the settings the state depends on; a snapshot is only read back under the same.
    public var snapshotSettings: String {
        let b = options.bursts
        return
            "v1 countries=\(options.maxCountriesPerUser) devices=\(options.maxDevicesPerUser) users=\(options.maxUsers) "
            + "addresses=\(options.maxAddresses) burst=\(b.map { "\($0.threshold)/\($0.window.nanoseconds)/\($0.successWithin?.nanoseconds ?? -1)/\($0.byUser)/\($0.byIP)" } ?? "off")"
    }

    /// The state as bytes.
    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter()
        w.string(snapshotSettings)
        w.varint(clock)
        w.varint(UInt64(users.count))
        for (k, s) in users {
            w.string(k)
            w.varint(UInt64(s.countries.count))
            for c in s.countries { w.string(c) }
            if let l = s.last {
                w.byte(1)
                w.i64(l.time.nanoseconds); w.f64(l.lat); w.f64(l.lon); w.f64(l.radius)
                w.string(l.place ?? ""); w.byte(l.place == nil ? 0 : 1)
            } else {
                w.byte(0)
            }
            w.varint(UInt64(s.devices.count))
            for d in s.devices { w.u64(d) }
            w.track(s.failures)
            w.varint(s.touched)
        }
        w.varint(UInt64(addresses.count))
        for (ip, s) in addresses {
            w.string(ip.description)
            w.track(s.failures)
            w.varint(s.touched)
        }
        return w.bytes
    }

    /// An engine with `options` and the state of `bytes`; nil when the bytes are damaged or were written under
    /// other settings.
    public init?(options: SuspiciousOptions, snapshot bytes: [UInt8]) {
        self.init(options: options)
        var r = SnapshotReader(bytes: bytes)
        guard let settings = r.string(), settings == snapshotSettings, let clock = r.varint(), let nu = r.count() else {
            return nil
        }
        self.clock = clock
        users.reserveCapacity(nu)
        for _ in 0..<nu {
            guard let k = r.string(), let nc = r.count() else { return nil }
            var s = UserState()
            for _ in 0..<nc {
                guard let c = r.string() else { return nil }
                s.countries.append(c)
            }
            guard let hasLast = r.byte() else { return nil }
            if hasLast == 1 {
                guard let t = r.i64(), let lat = r.f64(), let lon = r.f64(), let radius = r.f64(),
                    let place = r.string(),
                    let hasPlace = r.byte()
                else { return nil }
                s.last = Located(
                    time: Timestamp(nanoseconds: t), lat: lat, lon: lon, radius: radius,
                    place: hasPlace == 1 ? place : nil)
            }
            guard let nd = r.count() else { return nil }
            for _ in 0..<nd {
                guard let d = r.u64() else { return nil }
                s.devices.append(d)
            }
            guard let track = r.track(), let touched = r.varint() else { return nil }
            s.failures = track
            s.touched = touched
            users[k] = s
        }
        guard let na = r.count() else { return nil }
        addresses.reserveCapacity(na)
        for _ in 0..<na {
            guard let text = r.string(), let ip = IPAddress(text), let track = r.track(), let failures = track,
                let touched = r.varint()
            else { return nil }
            addresses[ip] = AddressState(failures: failures, touched: touched)
        }
        guard r.atEnd else { return nil }
    }
}

struct SnapshotWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ b: UInt8) { bytes.append(b) }
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func u64(_ v: UInt64) { for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func string(_ s: String) {
        varint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    /// An optional failure track.
    mutating func track(_ t: RiskEngine.FailureTrack?) {
        guard let t else { byte(0); return }
        byte(1)
        varint(UInt64(t.times.count))
        for x in t.times { i64(x.nanoseconds) }
        i64(Int64(t.ordinal))
        i64(Int64(t.lastBurstOrdinal))
        if let o = t.open {
            byte(1); i64(Int64(o.count)); i64(o.first.nanoseconds); i64(o.last.nanoseconds)
        } else {
            byte(0)
        }
    }
}

struct SnapshotReader {
    let bytes: [UInt8]
    var i = 0

    var atEnd: Bool { i == bytes.count }

    mutating func byte() -> UInt8? {
        guard i < bytes.count else { return nil }
        defer { i += 1 }
        return bytes[i]
    }
    mutating func varint() -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard let b = byte() else { return nil }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
        return nil
    }
    /// A count no larger than the bytes left could hold.
    mutating func count() -> Int? {
        guard let v = varint(), v <= UInt64(bytes.count - i) else { return nil }
        return Int(v)
    }
    mutating func u64() -> UInt64? {
        guard i + 8 <= bytes.count else { return nil }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
        i += 8
        return v
    }
    mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }
    mutating func f64() -> Double? { u64().map { Double(bitPattern: $0) } }
    mutating func string() -> String? {
        guard let n = count() else { return nil }
        defer { i += n }
        return String(decoding: bytes[i..<(i + n)], as: UTF8.self)
    }
    /// An optional failure track: `.some(nil)` when absent, nil when damaged.
    mutating func track() -> RiskEngine.FailureTrack?? {
        guard let present = byte() else { return nil }
        if present == 0 { return .some(nil) }
        guard let n = count() else { return nil }
        var t = RiskEngine.FailureTrack()
        for _ in 0..<n {
            guard let x = i64() else { return nil }
            t.times.append(Timestamp(nanoseconds: x))
        }
        guard let ordinal = i64(), let last = i64(), let hasOpen = byte() else { return nil }
        t.ordinal = Int(ordinal)
        t.lastBurstOrdinal = Int(last)
        if hasOpen == 1 {
            guard let c = i64(), let first = i64(), let end = i64() else { return nil }
            t.open = RiskEngine.OpenBurst(
                count: Int(c), first: Timestamp(nanoseconds: first), last: Timestamp(nanoseconds: end))
        }
        return .some(t)
    }
}
