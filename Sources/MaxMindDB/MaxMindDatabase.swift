internal import CMaxMindDB
import ActivityModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open MaxMind DB (`.mmdb`) file: GeoIP2/GeoLite2 City, Country, ASN, Anonymous-IP, or any other MMDB.
///
/// The file is memory-mapped (`MMDB_MODE_MMAP`) and closed when the object is released. Lookups return a
/// ``MaxMindEntry`` (a handle on one data record) that typed records such as ``GeoRecord`` decode; no C type
/// or status code appears in this API.
///
/// ```swift
/// let db = try MaxMindDatabase(path: "/usr/share/GeoIP/GeoLite2-City.mmdb")
/// if let geo = try db.lookupGeo(IPAddress("81.2.69.160")!) { print(geo.cityName ?? "-") }
/// ```
///
/// Addresses: an IPv4 address is found in IPv4 and IPv6 databases (libmaxminddb walks to the IPv4 subtree). An
/// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is looked up as its IPv4 address, so it gives the same answer in
/// either kind of database. Any other IPv6 address in an IPv4-only database is simply not found (`nil`), not an
/// error.
///
/// Replacing the file: because the file is mapped, it must be replaced **atomically** (write a new file, then
/// `rename(2)` it over the old path), as `geoipupdate` and package managers do. The open object keeps reading the
/// old inode until it is released. Overwriting the mapped file in place (`cp new.mmdb old.mmdb`, `>`) changes
/// the bytes under every reader; if the file shrinks, reading past its new end raises SIGBUS — true of every
/// mmap-based MaxMind reader, not only this one.
///
/// Thread safety: `@unchecked Sendable`. Invariant: after `init` returns, the `MMDB_s` is never written again
/// until `deinit` (no Swift code mutates it; libmaxminddb ≥ 1.2 finds the IPv4 start node inside `MMDB_open`, and
/// its lookup and get-value functions take `const MMDB_s *`). libmaxminddb documents itself as thread safe when
/// linked against a thread-safe malloc (glibc's is), and an mmap-mode database is read-only shared memory. So
/// concurrent lookups from many threads are safe; `deinit` cannot race them because every ``MaxMindEntry`` keeps
/// the database alive.
public final class MaxMindDatabase: @unchecked Sendable {
    /// The C handle. Allocated once so its address is stable (entries point back at it).
    private let handle: UnsafeMutablePointer<MMDB_s>
    /// The path the database was opened from.
    public let path: String
    /// The database's metadata, read once at open.
    public let metadata: MaxMindMetadata
    /// The flattened IPv4 part of the search tree, when opened with ``MaxMindOpenOptions/indexIPv4``.
    private let ipv4Table: IPv4LeafTable?

    /// Opens and memory-maps a database file.
    ///
    /// libmaxminddb checks the metadata section and the search-tree size at open; a truncated file or a file that
    /// is not an `.mmdb` fails here with ``MaxMindDBError/Code/invalidMetadata`` (or another code), never later
    /// with a crash.
    ///
    /// - Parameters:
    ///   - path: the `.mmdb` file.
    ///   - options: see ``MaxMindOpenOptions``; none by default.
    /// - Throws: ``MaxMindDBError`` with the path and the reason.
    public init(path: String, options: MaxMindOpenOptions = []) throws(MaxMindDBError) {
        let handle = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        handle.initialize(to: MMDB_s())
        errno = 0
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), handle)
        guard status == MMDB_SUCCESS else {
            let savedErrno = errno
            handle.deinitialize(count: 1)
            handle.deallocate()
            var detail = MaxMindDatabase.message(for: status)
            if (status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && savedErrno != 0 {
                detail += " (\(String(cString: strerror(savedErrno))))"
            }
            throw MaxMindDBError(code: MaxMindDatabase.code(for: status), path: path, detail: detail)
        }
        self.handle = handle
        self.path = path
        self.metadata = MaxMindMetadata(handle.pointee.metadata)
        self.ipv4Table = options.contains(.indexIPv4) ? IPv4LeafTable.build(handle) : nil
    }

    /// True when IPv4 lookups use the flattened table (``MaxMindOpenOptions/indexIPv4`` was asked for and the
    /// tree could be flattened within the size limit).
    public var hasIPv4Index: Bool { ipv4Table != nil }

    /// How many IPv4 networks (data and empty) the flattened table holds; 0 without one.
    public var ipv4IndexNetworkCount: Int { ipv4Table?.count ?? 0 }

    deinit {
        MMDB_close(handle)
        handle.deinitialize(count: 1)
        handle.deallocate()
    }

    /// Finds the data record for an address.
    ///
    /// - Parameter address: the address to look up (see the type's discussion for IPv4, mapped and IPv6 cases).
    /// - Returns: the record and the prefix length of the network it was found in, or `nil` when the database has
    ///   no data for the address.
    /// - Throws: ``MaxMindDBError`` when the search tree is corrupt.
    public func lookup(_ address: IPAddress) throws(MaxMindDBError) -> MaxMindEntry? {
        var status: Int32 = MMDB_SUCCESS
        let result: MMDB_lookup_result_s
        switch address.unmapped {
        case .v4(let v):
            if let table = ipv4Table {
                guard let (offset, prefix) = table.lookup(v) else { return nil }
                return MaxMindEntry(database: self, offset: offset, prefixLength: prefix)
            }
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr.s_addr = v.bigEndian
            result = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(handle, $0, &status) }
            }
        case .v6(let hi, let lo):
            if metadata.ipVersion == 4 { return nil }
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { raw in
                raw.storeBytes(of: hi.bigEndian, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: lo.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            result = withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(handle, $0, &status) }
            }
        }
        guard status == MMDB_SUCCESS else {
            throw MaxMindDBError(
                code: MaxMindDatabase.code(for: status), path: path,
                detail: MaxMindDatabase.message(for: status) + " (address \(address))")
        }
        guard result.found_entry else { return nil }
        var prefix = Int(result.netmask)
        if address.unmapped.isV4 && metadata.ipVersion == 6 { prefix = max(0, prefix - 96) }
        return MaxMindEntry(database: self, offset: result.entry.offset, prefixLength: prefix)
    }

    /// Reads one value of a record. The single point where record data is read from C.
    func value(at offset: UInt32, path: MaxMindPath) throws(MaxMindDBError) -> MaxMindValue? {
        guard let data = try data(at: offset, path: path) else { return nil }
        switch Int32(data.type) {
        case MMDB_DATA_TYPE_UTF8_STRING:
            guard let p = data.utf8_string else { return .string("") }
            let buffer = UnsafeRawBufferPointer(start: p, count: Int(data.data_size))
            return .string(String(decoding: buffer, as: UTF8.self))
        case MMDB_DATA_TYPE_DOUBLE: return .double(data.double_value)
        case MMDB_DATA_TYPE_FLOAT: return .double(Double(data.float_value))
        case MMDB_DATA_TYPE_UINT16: return .unsigned(UInt64(data.uint16))
        case MMDB_DATA_TYPE_UINT32: return .unsigned(UInt64(data.uint32))
        case MMDB_DATA_TYPE_UINT64: return .unsigned(data.uint64)
        case MMDB_DATA_TYPE_INT32: return .signed(Int64(data.int32))
        case MMDB_DATA_TYPE_BOOLEAN: return .bool(data.boolean)
        default: return .other
        }
    }

    /// The data-section offset of the map at `path` in the record at `offset` (where libmaxminddb found it,
    /// pointers followed); nil when the path does not exist or holds another type.
    func mapOffset(at offset: UInt32, path: MaxMindPath) throws(MaxMindDBError) -> UInt32? {
        guard let data = try data(at: offset, path: path), Int32(data.type) == MMDB_DATA_TYPE_MAP else { return nil }
        return data.offset
    }

    /// What libmaxminddb finds at `path` in the record at `offset`; nil when the path does not exist.
    private func data(at offset: UInt32, path: MaxMindPath) throws(MaxMindDBError) -> MMDB_entry_data_s? {
        var entry = MMDB_entry_s(mmdb: handle, offset: offset)
        var data = MMDB_entry_data_s()
        let status = MMDB_aget_value(&entry, &data, path.cPath)
        if status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR { return nil }
        guard status == MMDB_SUCCESS else {
            throw MaxMindDBError(
                code: MaxMindDatabase.code(for: status), path: self.path,
                detail: MaxMindDatabase.message(for: status) + " (at \(path))")
        }
        return data.has_data ? data : nil
    }

    static func code(for status: Int32) -> MaxMindDBError.Code {
        switch status {
        case MMDB_FILE_OPEN_ERROR: return .fileOpen
        case MMDB_CORRUPT_SEARCH_TREE_ERROR: return .corruptSearchTree
        case MMDB_INVALID_METADATA_ERROR: return .invalidMetadata
        case MMDB_IO_ERROR: return .io
        case MMDB_OUT_OF_MEMORY_ERROR: return .outOfMemory
        case MMDB_UNKNOWN_DATABASE_FORMAT_ERROR: return .unknownDatabaseFormat
        case MMDB_INVALID_DATA_ERROR: return .invalidData
        case MMDB_INVALID_LOOKUP_PATH_ERROR: return .invalidLookupPath
        case MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR: return .lookupPathDoesNotMatchData
        case MMDB_INVALID_NODE_NUMBER_ERROR: return .invalidNodeNumber
        case MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR: return .ipv6LookupInIPv4Database
        default: return .other(status)
        }
    }

    static func message(for status: Int32) -> String {
        guard let m = MMDB_strerror(status) else { return "status \(status)" }
        return String(cString: m)
    }
}

/// A scalar read from a record, before it is checked against the type the caller wants.
enum MaxMindValue {
    case string(String)
    case double(Double)
    case unsigned(UInt64)
    case signed(Int64)
    case bool(Bool)
    /// A map, array, bytes or 128-bit integer: not a scalar this wrapper returns.
    case other
}

/// Facts about a database file from its metadata section.
public struct MaxMindMetadata: Hashable, Sendable {
    /// The database kind as its publisher names it: `GeoLite2-City`, `GeoIP2-Country`, `GeoLite2-ASN`,
    /// `GeoIP2-Anonymous-IP`, `DBIP-City-Lite`...
    public var databaseType: String
    /// 4 for an IPv4-only database, 6 for one that holds IPv6 (and usually IPv4 in its IPv4 subtree).
    public var ipVersion: Int
    /// When the database was built, in seconds since 1970-01-01 UTC.
    public var buildEpoch: UInt64
    /// The locale codes the `names` maps are available in (`en`, `de`...).
    public var languages: [String]
    /// Descriptions by language code.
    public var descriptions: [String: String]
    /// Number of nodes in the search tree.
    public var nodeCount: Int
    /// Bits per search-tree record (24, 28 or 32).
    public var recordSize: Int
    /// The binary format version, `(major, minor)`; 2.0 for every current file.
    public var binaryFormatMajorVersion: Int
    /// The minor part of the binary format version.
    public var binaryFormatMinorVersion: Int

    init(_ m: MMDB_metadata_s) {
        databaseType = m.database_type.map { String(cString: $0) } ?? ""
        ipVersion = Int(m.ip_version)
        buildEpoch = m.build_epoch
        var langs: [String] = []
        if let names = m.languages.names {
            for i in 0..<m.languages.count { if let n = names[i] { langs.append(String(cString: n)) } }
        }
        languages = langs
        var descs: [String: String] = [:]
        if let d = m.description.descriptions {
            for i in 0..<m.description.count {
                guard let p = d[i], let lang = p.pointee.language, let text = p.pointee.description else { continue }
                descs[String(cString: lang)] = String(cString: text)
            }
        }
        descriptions = descs
        nodeCount = Int(m.node_count)
        recordSize = Int(m.record_size)
        binaryFormatMajorVersion = Int(m.binary_format_major_version)
        binaryFormatMinorVersion = Int(m.binary_format_minor_version)
    }
}

/// How to open a database.
public struct MaxMindOpenOptions: OptionSet, Hashable, Sendable {
    /// The bits.
    public let rawValue: UInt32
    /// Creates options from their bits.
    ///
    /// - Parameter rawValue: the bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Flatten the IPv4 part of the search tree into a sorted table at open (through libmaxminddb's
    /// `MMDB_read_node`), so an IPv4 lookup is a short binary search instead of a walk of up to 32 dependent
    /// node reads scattered over the file. Costs 8 bytes per IPv4 network plus 256 KiB (GeoLite2-City 2018: see
    /// ``MaxMindDatabase/ipv4IndexNetworkCount``) and some time at open. Answers are identical to the tree
    /// walk's; if the tree is malformed or has more than 8 M IPv4 networks (64 MiB), no table is built and lookups walk
    /// the tree as usual.
    public static let indexIPv4 = MaxMindOpenOptions(rawValue: 1 << 0)
}

/// The IPv4 networks of a search tree in address order, packed as `first address << 32 | data offset` (offset
/// `UInt32.max` when the tree has no data there). The networks partition the IPv4 space, so the first starts at
/// 0 and network `i` ends where `i + 1` starts. One packed array, so a lookup's last probe already holds the offset.
struct IPv4LeafTable: Sendable {
    private var networks: [UInt64] = []
    /// `index[h]`: the number of networks starting below `h << 16` (65,537 entries).
    private var index: [UInt32] = []

    static let empty = UInt32.max
    static let maxNetworks = 8_000_000

    var count: Int { networks.count }

    private enum Record {
        case node(UInt32)
        case empty
        case data(UInt32)
    }

    /// Walks the IPv4 subtree left to right. `nil` when a node cannot be read, the tree is deeper than 32 bits
    /// below the IPv4 start, or it has too many networks (a corrupt file whose nodes share children could
    /// otherwise make this walk enormous).
    static func build(_ handle: UnsafeMutablePointer<MMDB_s>) -> IPv4LeafTable? {
        let nodeCount = handle.pointee.metadata.node_count
        func read(_ n: UInt32) -> (Record, Record)? {
            var node = MMDB_search_node_s()
            guard MMDB_read_node(handle, n, &node) == MMDB_SUCCESS else { return nil }
            func record(_ type: UInt8, _ value: UInt64, _ entry: MMDB_entry_s) -> Record? {
                switch Int32(type) {
                case MMDB_RECORD_TYPE_SEARCH_NODE:
                    guard value < UInt64(nodeCount) else { return nil }
                    return .node(UInt32(value))
                case MMDB_RECORD_TYPE_EMPTY: return .empty
                case MMDB_RECORD_TYPE_DATA: return .data(entry.offset)
                default: return nil
                }
            }
            guard let l = record(node.left_record_type, node.left_record, node.left_record_entry),
                let r = record(node.right_record_type, node.right_record, node.right_record_entry)
            else { return nil }
            return (l, r)
        }
        // The IPv4 subtree: the root of an IPv4 database, or 96 zero bits (::/96) down an IPv6 one.
        var root = Record.node(0)
        if handle.pointee.metadata.ip_version == 6 {
            for _ in 0..<96 {
                guard case .node(let n) = root else { break }
                guard let (left, _) = read(n) else { return nil }
                root = left
            }
        }
        var table = IPv4LeafTable()
        var stack: [(Record, UInt32, Int)] = [(root, 0, 0)]  // record, first address, bits fixed
        while let (rec, start, depth) = stack.popLast() {
            switch rec {
            case .empty, .data:
                guard table.networks.count < maxNetworks else { return nil }
                var offset = empty
                if case .data(let o) = rec { offset = o }
                table.networks.append(UInt64(start) << 32 | UInt64(offset))
            case .node(let n):
                guard depth < 32, let (left, right) = read(n) else { return nil }
                // Right first so the left half is emitted first: networks come out in address order.
                stack.append((right, start | (UInt32(1) << UInt32(31 - depth)), depth + 1))
                stack.append((left, start, depth + 1))
            }
        }
        guard let first = table.networks.first, first >> 32 == 0 else { return nil }
        var idx = [UInt32](repeating: 0, count: 65_537)
        var i = 0
        for h in 0...65_536 {
            let bound = UInt64(h) << 16
            while i < table.networks.count && table.networks[i] >> 32 < bound { i += 1 }
            idx[h] = UInt32(i)
        }
        table.index = idx
        return table
    }

    /// The data offset and prefix length of the network holding `x`, or `nil` when there is no data.
    func lookup(_ x: UInt32) -> (UInt32, Int)? {
        let h = Int(x >> 16)
        let key = UInt64(x) << 32 | 0xFFFF_FFFF  // packed <= key  ⟺  first address <= x
        return index.withUnsafeBufferPointer { index in
            networks.withUnsafeBufferPointer { nets in
                var lo = Int(index[h]), hi = Int(index[h &+ 1])
                while lo < hi {
                    let mid = (lo &+ hi) >> 1
                    if nets[mid] <= key { lo = mid &+ 1 } else { hi = mid }
                }
                let i = lo &- 1  // >= 0 because the first network starts at 0
                guard i >= 0, i < nets.count else { return nil }
                let offset = UInt32(truncatingIfNeeded: nets[i])
                guard offset != IPv4LeafTable.empty else { return nil }
                let end: UInt64 = i + 1 < nets.count ? nets[i + 1] >> 32 : 1 << 32
                let size = end - nets[i] >> 32
                // Networks are CIDR blocks, so size is 2^(32 - prefix).
                return (offset, 32 - (63 - size.leadingZeroBitCount))
            }
        }
    }
}
