import ActivityModel

/// The `accounts` section of an index: one ``AccountDigest`` per user of the login and admin events the index
/// covers (`docs/segment-format.md` §6.3). `activityctl users` folds these instead of decoding the events.
enum AccountSection {
    static let name = "accounts"

    enum Flag {
        static let realAccount: UInt16 = 1 << 0
        static let resetsFailures: UInt16 = 1 << 1
        static let lastLogin: UInt16 = 1 << 2
        static let lastFailure: UInt16 = 1 << 3
        static let lastLogout: UInt16 = 1 << 4
        static let entry: UInt16 = 1 << 5
        static let device: UInt16 = 1 << 6
        static let ip: UInt16 = 1 << 7
        static let geo: UInt16 = 1 << 8
        static let known: UInt16 = (1 << 9) - 1
    }

    /// Whether `e` feeds the accounts section: a login or admin event with a user.
    @inline(__always) static func covers(_ e: ActivityEvent) -> Bool {
        e.category != .activity && !(e.user?.isEmpty ?? true)
    }

    /// The section's bytes: a string table, then the users in byte order of their names.
    static func encode(_ accounts: [String: AccountDigest], into out: inout ByteWriter) {
        let users = accounts.keys.sorted(by: utf8Precedes)
        encode(sorted: users.compactMap { u in accounts[u].map { (u, $0) } }, into: &out)
    }

    /// The section's bytes for digests already in byte order of their users' names.
    static func encode(sorted accounts: [(String, AccountDigest)], into out: inout ByteWriter) {
        var table = FrameStringTable()
        var body = ByteWriter(capacity: accounts.count * 48)
        body.u32(UInt32(accounts.count))
        for (user, d) in accounts {
            var flags: UInt16 = 0
            if d.isRealAccount { flags |= Flag.realAccount }
            if d.resetsFailures { flags |= Flag.resetsFailures }
            if d.lastLogin != nil { flags |= Flag.lastLogin }
            if d.lastFailure != nil { flags |= Flag.lastFailure }
            if d.lastLogout != nil { flags |= Flag.lastLogout }
            if d.entry != nil { flags |= Flag.entry }
            if d.device != nil { flags |= Flag.device }
            if d.ip != nil { flags |= Flag.ip }
            if let g = d.geo, !g.isEmpty { flags |= Flag.geo }
            body.varint(UInt64(table.id(user)))
            body.u16(flags)
            body.i64(d.lastSeen.nanoseconds)
            body.varint(UInt64(d.loginCount))
            body.varint(UInt64(d.failures))
            if let t = d.lastLogin { body.i64(t.nanoseconds) }
            if let t = d.lastFailure { body.i64(t.nanoseconds) }
            if let t = d.lastLogout { body.i64(t.nanoseconds) }
            if let v = d.entry { body.varint(UInt64(table.id(v))) }
            if let v = d.device { body.varint(UInt64(table.id(v))) }
            if let v = d.ip { EventCodec.encode(v, into: &body) }
            if let g = d.geo, !g.isEmpty { EventCodec.encode(g, into: &body, table: &table) }
            for (after, since) in zip(d.statusAfter, d.statusSince) {
                body.u8(after.code | (since == nil ? 0 : 0x80))
                if let since { body.i64(since.nanoseconds) }
            }
        }
        table.write(into: &out)
        out.bytes.append(contentsOf: body.bytes)
    }

    /// The digests in the section at `r`, in the section's order; nil when its bytes are damaged. The records
    /// are read and checked by the byte fold's reader (``AccountFold/check(_:tableCount:section:into:)``), so the
    /// two cannot disagree on what a damaged section is; only the strings and locations are built here.
    static func decode(_ r: inout ByteReader) -> [(user: String, digest: AccountDigest)]? {
        guard let table = r.stringTable() else { return nil }
        var records: [AccountFold.Record] = []
        guard AccountFold.check(&r, tableCount: table.count, section: 0, into: &records) else { return nil }
        let base = r.base, end = r.end
        return records.map { record in
            let d = record.digest.accountDigest(string: { table[Int($0.id)] }) { _, offset in
                var g = ByteReader(base, offset: offset, end: end)
                return EventCodec.decodeGeo(&g, table: table)
            }
            return (table[Int(record.user)], d)
        }
    }
}
