#if canImport(Glibc)
import Glibc
#endif
import ActivityModel

/// Folds the accounts sections of consecutive indexes into one ``AccountDigest`` per user, straight from the
/// sections' bytes: the digest of segments A then B is composed field by field (``Digest/append(_:)``) as
/// ``UserSummary``'s fold would apply A's and then B's, so feeding the folded digests gives what feeding every
/// section's digests in order gives (`AccountHistoryTests`). The strings (names, entry methods, devices,
/// locations) stay in the mapped index files until the end, and only those of each user's last login are
/// built: `activityctl users` over 27 segments built 135,000 digests with their strings to keep 5,000.
///
/// Composition is associative, so two folds of consecutive runs merge (``merge(_:)``) into the fold of both:
/// ``StoreReader/accountHistory(segments:_:)`` folds the second half of the segments on another thread.
struct AccountFold: @unchecked Sendable {  // the name pointers point into `sections`' mapped files, kept alive here
    /// A string of a folded section: the section's number in ``sections`` and the string's table id
    /// (section -1: none).
    struct StringRef {
        var section: Int32
        var id: Int32
        static let none = StringRef(section: -1, id: 0)
    }

    /// One folded section's string table (the offset of each string's length varint) and the index that
    /// keeps its bytes mapped.
    struct Section {
        let index: SegmentIndex
        let strings: [Int]
    }

    /// ``AccountDigest`` in a form that composes without building strings: strings and the location as
    /// references into ``sections``, optional times as presence bits.
    struct Digest {
        var lastSeen: Int64
        var isRealAccount = false
        var resetsFailures = false
        /// ``Time`` bits: which of the optional times are set.
        var times: UInt8 = 0
        /// Bit `c`: ``statusSince`` `[c]` is set.
        var sinceSet: UInt8 = 0
        var loginCount = 0
        var failures = 0
        var lastLogin: Int64 = 0
        var lastFailure: Int64 = 0
        var lastLogout: Int64 = 0
        var entry = StringRef.none
        var device = StringRef.none
        var ip: IPAddress?
        /// Section and offset of the last login's location bytes (section -1: none).
        var geoSection: Int32 = -1
        var geoOffset = 0
        var statusAfter = PerStatus<UInt8>(0, 1, 2, 3, 4, 5)
        var statusSince = PerStatus<Int64>(repeating: 0)

        /// The digest of no events, with `lastSeen` at `seen`.
        init(lastSeen: Int64) { self.lastSeen = lastSeen }

        /// The ``AccountDigest`` this stands for: `string` builds a referenced string, `geo` decodes the
        /// location at a section and offset (both checked when the record was read, ``check(_:tableCount:section:into:)``).
        func accountDigest(string: (StringRef) -> String, geo: (Int32, Int) -> Geo?) -> AccountDigest {
            var d = AccountDigest(seen: Timestamp(nanoseconds: lastSeen))
            d.isRealAccount = isRealAccount
            d.resetsFailures = resetsFailures
            d.loginCount = loginCount
            d.failures = failures
            if times & Time.lastLogin != 0 { d.lastLogin = Timestamp(nanoseconds: lastLogin) }
            if times & Time.lastFailure != 0 { d.lastFailure = Timestamp(nanoseconds: lastFailure) }
            if times & Time.lastLogout != 0 { d.lastLogout = Timestamp(nanoseconds: lastLogout) }
            if entry.section >= 0 { d.entry = string(entry) }
            if device.section >= 0 { d.device = string(device) }
            d.ip = ip
            if geoSection >= 0 { d.geo = geo(geoSection, geoOffset) }
            for c in 0..<6 {
                // Codes were checked when the record was read.
                d.statusAfter[c] = UserStatus(code: statusAfter[c]) ?? .neverLoggedIn
                if sinceSet & (1 << c) != 0 { d.statusSince[c] = Timestamp(nanoseconds: statusSince[c]) }
            }
            return d
        }
    }

    enum Time {
        static let lastLogin: UInt8 = 1
        static let lastFailure: UInt8 = 2
        static let lastLogout: UInt8 = 4
    }

    /// A user's name (bytes in a folded section) and what the folded runs did to the account.
    struct Folded {
        var name: UnsafeRawBufferPointer
        var digest: Digest
    }

    /// One record of a section, checked: its user's table id and its digest.
    struct Record {
        var user: Int32
        var digest: Digest
    }

    private(set) var sections: [Section] = []
    private(set) var users: [Folded] = []
    private var slots: [String: Int] = [:]
    /// The slots of the last section in its order, and per slot its place there (-1: not in it): consecutive
    /// sections list mostly the same users in the same (byte) order, so the next user is usually the one after
    /// the last one found, which one byte comparison confirms without building and hashing the name.
    private var lastOrder: [Int] = []
    private var placeInLastOrder: [Int] = []
    private var records: [Record] = []

    var isEmpty: Bool { sections.isEmpty }

    /// Folds `index`'s accounts section after the ones before; false (nothing folded) when the index has no
    /// accounts section or its bytes are damaged, exactly when ``SegmentIndex/accountDigests()`` is nil.
    mutating func add(_ index: SegmentIndex) -> Bool {
        guard let start = index.sections[AccountSection.name] else { return false }
        let b = index.file.bytes
        var r = ByteReader(b, offset: start, end: b.count - 4)
        let section = Int32(sections.count)
        guard let strings = Self.stringOffsets(&r),
            Self.check(&r, tableCount: strings.count, section: section, into: &records)
        else { return false }
        sections.append(Section(index: index, strings: strings))

        // First each record's user slot (new users get one), then the records folded into their slots.
        var order: [Int] = []
        order.reserveCapacity(records.count)
        var slotOfRecord = [Int](repeating: -1, count: records.count)
        var guess = 0
        for k in records.indices {
            let name = Self.bytes(of: Int(records[k].user), strings: strings, base: b)
            guard name.count > 0 else { continue }
            let i: Int
            if guess < lastOrder.count, Self.equal(users[lastOrder[guess]].name, name) {
                i = lastOrder[guess]
                guess += 1
            } else {
                i = slot(name, seen: records[k].digest.lastSeen)
                if placeInLastOrder[i] >= 0 { guess = placeInLastOrder[i] + 1 }
            }
            slotOfRecord[k] = i
            order.append(i)
        }
        records.withUnsafeBufferPointer { recs in
            users.withUnsafeMutableBufferPointer { users in
                for k in recs.indices where slotOfRecord[k] >= 0 {
                    users[slotOfRecord[k]].digest.append(recs[k].digest)
                }
            }
        }
        remember(order)
        return true
    }

    /// Folds `next`, the fold of the runs right after this one's, after this one: the fold of both runs.
    mutating func merge(_ next: AccountFold) {
        let renumber = Int32(sections.count)
        sections.append(contentsOf: next.sections)
        var slotOf: [Int] = []
        slotOf.reserveCapacity(next.users.count)
        var guess = 0
        for u in next.users {
            var d = u.digest
            d.renumber(by: renumber)
            let i: Int
            if guess < users.count, Self.equal(users[guess].name, u.name) {
                i = guess
            } else {
                i = slot(u.name, seen: d.lastSeen)
            }
            guess = i + 1
            users[i].digest.append(d)
            slotOf.append(i)
        }
        remember(next.lastOrder.map { slotOf[$0] })
    }

    /// The slot of the user named `name` (bytes that stay mapped), a new one first seen at `seen` if none.
    private mutating func slot(_ name: UnsafeRawBufferPointer, seen: Int64) -> Int {
        let key = String(decoding: name, as: UTF8.self)
        if let found = slots[key] { return found }
        let i = users.count
        slots[key] = i
        users.append(Folded(name: name, digest: Digest(lastSeen: seen)))
        placeInLastOrder.append(-1)
        return i
    }

    private mutating func remember(_ order: [Int]) {
        for slot in lastOrder { placeInLastOrder[slot] = -1 }
        lastOrder = order
        for (place, slot) in order.enumerated() { placeInLastOrder[slot] = place }
    }

    /// The folded digests, one per user in the order the users first appeared, with their strings built.
    func digests() -> [(user: String, digest: AccountDigest)] {
        var out: [(user: String, digest: AccountDigest)] = []
        out.reserveCapacity(users.count)
        for u in users {
            let d = u.digest.accountDigest(string: string) { section, offset in
                let section = sections[Int(section)]
                let b = section.index.file.bytes
                var r = ByteReader(b, offset: offset, end: b.count - 4)
                return EventCodec.decodeGeo(&r, table: Strings(section: section))
            }
            out.append((String(decoding: u.name, as: UTF8.self), d))
        }
        return out
    }

    private func string(_ ref: StringRef) -> String { Strings(section: sections[Int(ref.section)]).string(Int(ref.id)) }

    /// A folded section's strings, built on demand.
    struct Strings: FrameStringLookup {
        let section: Section
        var count: Int { section.strings.count }
        func string(_ i: Int) -> String {
            String(
                decoding: AccountFold.bytes(of: i, strings: section.strings, base: section.index.file.bytes),
                as: UTF8.self)
        }
    }

    @inline(__always) static func bytes(of i: Int, strings: [Int], base: UnsafeRawBufferPointer)
        -> UnsafeRawBufferPointer
    {
        var r = ByteReader(base, offset: strings[i])
        let n = Int(r.varint() ?? 0)  // checked by stringOffsets
        return UnsafeRawBufferPointer(rebasing: base[r.offset..<(r.offset + n)])
    }

    @inline(__always) static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// Steps over a string table as ``ByteReader/stringTable()`` reads it, noting where each string lies.
    static func stringOffsets(_ r: inout ByteReader) -> [Int]? {
        guard let n = r.varint(), n <= UInt64(r.remaining) else { return nil }
        var offsets: [Int] = []
        offsets.reserveCapacity(Int(n))
        for _ in 0..<Int(n) {
            offsets.append(r.offset)
            guard let len = r.varint(), len <= UInt64(r.remaining) else { return nil }
            r.offset += Int(len)
        }
        return offsets
    }

    /// Reads the section's records after its string table into `out`, checking every byte: false when the
    /// section is damaged. The one reader of the records: ``AccountSection/decode(_:)`` builds on it too.
    /// `section` is the number the section's strings will have in ``sections``.
    static func check(_ r: inout ByteReader, tableCount: Int, section: Int32, into out: inout [Record]) -> Bool {
        @inline(__always) func str(_ r: inout ByteReader) -> StringRef? {
            guard let i = r.varint(), i < UInt64(tableCount) else { return nil }
            return StringRef(section: section, id: Int32(truncatingIfNeeded: i))
        }
        typealias Flag = AccountSection.Flag
        out.removeAll(keepingCapacity: true)
        guard let count = r.u32(), UInt64(count) <= UInt64(r.remaining) else { return false }
        out.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let user = str(&r), let flags = r.u16(), flags & ~Flag.known == 0,
                let seen = r.i64(), let logins = r.varint(), let failures = r.varint(),
                logins <= UInt64(Int.max), failures <= UInt64(Int.max)
            else { return false }
            var d = Digest(lastSeen: seen)
            d.isRealAccount = flags & Flag.realAccount != 0
            d.resetsFailures = flags & Flag.resetsFailures != 0
            d.loginCount = Int(logins)
            d.failures = Int(failures)
            if flags & Flag.lastLogin != 0 {
                guard let t = r.i64() else { return false }
                d.lastLogin = t
                d.times |= Time.lastLogin
            }
            if flags & Flag.lastFailure != 0 {
                guard let t = r.i64() else { return false }
                d.lastFailure = t
                d.times |= Time.lastFailure
            }
            if flags & Flag.lastLogout != 0 {
                guard let t = r.i64() else { return false }
                d.lastLogout = t
                d.times |= Time.lastLogout
            }
            if flags & Flag.entry != 0 { guard let v = str(&r) else { return false }; d.entry = v }
            if flags & Flag.device != 0 { guard let v = str(&r) else { return false }; d.device = v }
            if flags & Flag.ip != 0 { guard let v = EventCodec.decodeIP(&r) else { return false }; d.ip = v }
            if flags & Flag.geo != 0 {
                d.geoSection = section
                d.geoOffset = r.offset
                guard EventCodec.skipGeo(&r, tableCount: tableCount) else { return false }
            }
            for i in 0..<6 {
                guard let b = r.u8(), b & 0x7F <= 5 else { return false }
                d.statusAfter[i] = b & 0x7F
                if b & 0x80 != 0 {
                    guard let t = r.i64() else { return false }
                    d.statusSince[i] = t
                    d.sinceSet |= 1 << i
                }
            }
            out.append(Record(user: user.id, digest: d))
        }
        return true
    }
}

extension AccountFold.Digest {
    /// Composes `next`, the digest of the events right after this one's, after this one: the digest of both
    /// runs, as ``UserSummary``'s `apply` of the two in turn would leave a summary.
    @inline(__always) mutating func append(_ next: borrowing AccountFold.Digest) {
        typealias Time = AccountFold.Time
        if next.isRealAccount { isRealAccount = true }
        if next.lastSeen > lastSeen { lastSeen = next.lastSeen }
        if next.loginCount > 0 {
            // A summary takes the last login's fields from the digest that has logins, the entry method
            // unless that digest has none.
            lastLogin = next.lastLogin
            times = times & ~Time.lastLogin | next.times & Time.lastLogin
            if next.entry.section >= 0 { entry = next.entry }
            loginCount += next.loginCount
            device = next.device
            ip = next.ip
            geoSection = next.geoSection
            geoOffset = next.geoOffset
        }
        if next.resetsFailures {
            resetsFailures = true
            failures = next.failures
        } else {
            failures += next.failures
        }
        if next.times & Time.lastFailure != 0 { lastFailure = next.lastFailure }
        if next.times & Time.lastLogout != 0 { lastLogout = next.lastLogout }
        times |= next.times & (Time.lastFailure | Time.lastLogout)
        for c in 0..<6 {
            let mid = Int(statusAfter[c])
            statusAfter[c] = next.statusAfter[mid]
            if next.sinceSet & (1 << mid) != 0 {
                statusSince[c] = next.statusSince[mid]
                sinceSet |= 1 << c
            }
        }
    }

    /// The same digest with its section numbers moved up by `offset` (its fold's sections appended after
    /// `offset` others).
    mutating func renumber(by offset: Int32) {
        if entry.section >= 0 { entry.section += offset }
        if device.section >= 0 { device.section += offset }
        if geoSection >= 0 { geoSection += offset }
    }
}
