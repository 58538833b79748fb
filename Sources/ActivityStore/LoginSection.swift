import ActivityModel

/// The `logins` section of an index (`docs/segment-format.md` §6.2): one row per login attempt the index covers
/// (an event whose action is one of ``ActivityModel/LoginEventKind/attemptActions``), holding what the login
/// reports read of it — time, ordinal, kind, user, address, risk byte — so that `report logins`, `report
/// failures` and the stored-flags path of `report suspicious` read rows instead of decoding events. Indexes
/// written before it existed have none: readers then decode the events, as they always did.
enum LoginSection {
    static let name = "logins"

    /// One row as the builder keeps it: the user as its slot in the builder's user dictionary (−1: none).
    struct Row: Hashable {
        var ordinal: UInt32
        var time: Int64
        var kind: UInt8
        var risk: UInt8
        var userSlot: Int32
        var ip: IPAddress?
    }

    enum Flag {
        static let kindMask: UInt8 = 0x03
        static let user: UInt8 = 1 << 2
        static let ip: UInt8 = 1 << 3
        static let known: UInt8 = (1 << 4) - 1
    }

    /// The row of `e`, a login attempt (ordinal `o`, user slot `userSlot`) of kind `kind` (`LoginEventKind(e)`).
    @inline(__always) static func row(
        _ e: ActivityEvent, kind: LoginEventKind, ordinal o: UInt32, userSlot: Int32
    ) -> Row {
        Row(
            ordinal: o, time: e.time.nanoseconds, kind: kind.attemptCode, risk: e.risk.rawValue,
            userSlot: (e.user?.isEmpty ?? true) ? -1 : userSlot, ip: e.ip)
    }

    /// The section's bytes: the row count, then the rows in ordinal order. A row: the ordinal's difference from
    /// the previous row's (varint), the time's difference from the previous row's (zigzag varint), a flags
    /// byte (kind in bits 0–1, user present, address present), the risk byte, the user as its rank in the
    /// `user` section's terms (varint), the address.
    static func encode(_ rows: [Row], userRank: [Int32], into w: inout ByteWriter) {
        w.u32(UInt32(rows.count))
        var prevOrdinal: UInt32 = 0
        var prevTime: Int64 = 0
        for r in rows {
            w.varint(UInt64(r.ordinal &- prevOrdinal))
            let d = r.time &- prevTime
            w.varint(UInt64(bitPattern: (d << 1) ^ (d >> 63)))
            prevOrdinal = r.ordinal
            prevTime = r.time
            var flags = r.kind & Flag.kindMask
            if r.userSlot >= 0 { flags |= Flag.user }
            if r.ip != nil { flags |= Flag.ip }
            w.u8(flags)
            w.u8(r.risk)
            if r.userSlot >= 0 { w.varint(UInt64(userRank[Int(r.userSlot)])) }
            if let ip = r.ip { EventCodec.encode(ip, into: &w) }
        }
    }

    /// The rows of the section at `r`, each given to `visit` with its user as a rank in the `user` section's
    /// terms (−1: none), which must be below `userCount`. False when the bytes are damaged (the rows visited
    /// so far are then not to be used).
    static func decode(
        _ r: inout ByteReader, userCount: Int,
        _ visit: (
            _ ordinal: UInt32, _ time: Int64, _ kind: LoginEventKind, _ risk: UInt8, _ user: Int32, _ ip: IPAddress?
        ) -> Void
    ) -> Bool {
        guard let count = r.u32(), UInt64(count) * 4 <= UInt64(r.remaining) else { return false }
        var ordinal: UInt64 = 0
        var time: Int64 = 0
        for i in 0..<count {
            guard let dOrd = r.varint(), let zz = r.varint(), let flags = r.u8(), let risk = r.u8(),
                flags & ~Flag.known == 0, let kind = LoginEventKind(attemptCode: flags & Flag.kindMask)
            else { return false }
            ordinal &+= dOrd
            guard ordinal <= UInt64(UInt32.max), i == 0 || dOrd > 0 else { return false }
            time &+= Int64(bitPattern: (zz >> 1) ^ (0 &- (zz & 1)))
            var user: Int32 = -1
            if flags & Flag.user != 0 {
                guard let u = r.varint(), u < UInt64(userCount) else { return false }
                user = Int32(u)
            }
            var ip: IPAddress? = nil
            if flags & Flag.ip != 0 {
                guard let v = EventCodec.decodeIP(&r) else { return false }
                ip = v
            }
            visit(UInt32(ordinal), time, kind, risk, user, ip)
        }
        return true
    }
}
