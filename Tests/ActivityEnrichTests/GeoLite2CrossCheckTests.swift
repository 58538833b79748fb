import ActivityEnrich
import ActivityModel
import Foundation
import MaxMindDB
import Testing
import ActivityTestSupport

/// Where the real City database is: `ACTIVITYD_GEOLITE2_CITY` (set by CI after `.ci/get-geolite2.sh`).
private let geoLite2Path: String? = {
    guard let p = ProcessInfo.processInfo.environment["ACTIVITYD_GEOLITE2_CITY"], !p.isEmpty,
        FileManager.default.isReadableFile(atPath: p)
    else { return nil }
    return p
}()

/// The reference reader: `mmdblookup` from Debian's `mmdb-bin` (libmaxminddb's own tool).
private let mmdblookup: String? = ["/usr/bin/mmdblookup", "/usr/local/bin/mmdblookup"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite("GeoLite2 cross-check")
struct GeoLite2CrossCheckTests {
    /// 10,000 addresses (fixed known ones, then seeded random public IPv4 and IPv6): every field the enricher
    /// fills from a City database must equal what `mmdblookup` prints for the same path.
    @Test(
        "10,000 random public addresses: Enricher geo == mmdblookup, field by field",
        .enabled(
            if: geoLite2Path != nil && mmdblookup != nil,
            "set ACTIVITYD_GEOLITE2_CITY (see .ci/get-geolite2.sh) and install mmdb-bin"))
    func crossCheck() throws {
        let path = try #require(geoLite2Path)
        let tool = try #require(mmdblookup)
        let (snapshot, issues) = EnrichmentSnapshot.load(EnrichmentConfiguration(city: path), previous: nil)
        #expect(issues.isEmpty, "\(issues)")
        let enricher = Enricher(snapshot: snapshot)

        var addresses: [IPAddress] = [
            "81.2.69.160", "2.125.160.216", "216.160.83.56", "2001:218::",
            "89.160.20.112", "8.8.8.8", "::ffff:81.2.69.160",
        ].compactMap { IPAddress($0) }
        var rng = SeededRandom(seed: 20_181_703)
        while addresses.count < 10_000 {
            let a: IPAddress
            switch rng.next() % 10 {
            case 0: a = .v6(0x2a00_0000_0000_0000 | rng.next() >> 12, rng.next())  // dense in RIPE space
            case 1: a = .v6(0x2000_0000_0000_0000 | rng.next() >> 3, rng.next())  // anywhere in 2000::/3
            default: a = .v4(UInt32(truncatingIfNeeded: rng.next()))
            }
            if !a.isPrivateOrReserved { addresses.append(a) }
        }

        // Run the reference reader in parallel, one process per address.
        let reference = ReferenceResults(count: addresses.count)
        let chunks = 16
        let all = addresses
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for i in stride(from: c, to: all.count, by: chunks) {
                reference.set(i, MMDBLookupOutput.run(tool: tool, database: path, address: all[i]))
            }
        }

        var mismatches: [String] = []
        var found = 0
        for (i, address) in addresses.enumerated() {
            guard let ref = reference.get(i) else {
                mismatches.append("\(address): mmdblookup failed")
                continue
            }
            let lookup = enricher.lookup(address)
            let expected = ref.map(MMDBLookupOutput.geo(from:))
            if expected != nil { found += 1 }
            // A record with none of the filled fields (only `registered_country`, say) is a hit that adds no geo.
            let oursText =
                (lookup.result.hits.contains(.city) ? "found " : "not found ")
                + Self.describe(lookup.geo ?? Geo())
            let expectedText = (expected != nil ? "found " : "not found ") + Self.describe(expected ?? Geo())
            if oursText != expectedText, mismatches.count < 20 {
                mismatches.append("\(address): ours \(oursText) | mmdblookup \(expectedText)")
            } else if oursText != expectedText {
                mismatches.append("")
            }
        }
        #expect(
            mismatches.isEmpty,
            "\(mismatches.count) mismatches, first: \(mismatches.prefix(20).joined(separator: "\n"))")
        // The sample must exercise the data, not only misses.
        #expect(found > 5_000, "only \(found) of \(addresses.count) addresses found")
        print("GeoLite2 cross-check: \(addresses.count) addresses, \(found) found, \(mismatches.count) mismatches")
    }

    /// Every field, with coordinates as mmdblookup prints doubles (`%f`).
    static func describe(_ g: Geo) -> String {
        let lat = g.lat.map { String(format: "%f", $0) } ?? "-"
        let lon = g.lon.map { String(format: "%f", $0) } ?? "-"
        return [
            g.country ?? "-", g.countryName ?? "-", g.region ?? "-", g.city ?? "-", lat, lon,
            g.radiusKm.map(String.init) ?? "-", g.tz ?? "-",
        ].joined(separator: "|")
    }
}

/// Results filled from many threads.
private final class ReferenceResults: @unchecked Sendable {
    // Invariant: every access holds `lock`.
    private let lock = NSLock()
    private var values: [MMDBLookupOutput.Node??]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ v: MMDBLookupOutput.Node??) { lock.withLock { values[i] = v } }
    /// `nil`: the tool failed; `.some(nil)`: not found; `.some(node)`: the record.
    func get(_ i: Int) -> MMDBLookupOutput.Node?? { lock.withLock { values[i] ?? nil } }
}

/// Runs `mmdblookup` and parses its printout (`"key": value <type>` maps and arrays).
enum MMDBLookupOutput {
    indirect enum Node: Sendable {
        case map([String: Node])
        case array([Node])
        case scalar(String)

        subscript(_ key: String) -> Node? {
            switch self {
            case .map(let m): return m[key]
            case .array(let a): return Int(key).flatMap { $0 < a.count ? a[$0] : nil }
            case .scalar: return nil
            }
        }

        func at(_ path: String...) -> String? {
            var n: Node? = self
            for k in path { n = n?[k] }
            if case .scalar(let s)? = n { return s }
            return nil
        }
    }

    /// `.some(.some(record))`, `.some(nil)` when not found, `nil` when the tool failed.
    static func run(tool: String, database: String, address: IPAddress) -> Node?? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["--file", database, "--ip", address.description]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let errText = String(decoding: errData, as: UTF8.self)
        if (text + errText).contains("Could not find an entry") { return .some(nil) }
        guard p.terminationStatus == 0 else { return nil }
        var parser = Parser(Array(text.utf8))
        guard let node = parser.value() else { return nil }
        return .some(node)
    }

    static func geo(from n: Node) -> Geo {
        var g = Geo()
        g.country = n.at("country", "iso_code")
        g.countryName = n.at("country", "names", "en")
        g.region = n.at("subdivisions", "0", "names", "en")
        g.city = n.at("city", "names", "en")
        g.lat = n.at("location", "latitude").flatMap(Double.init)
        g.lon = n.at("location", "longitude").flatMap(Double.init)
        g.radiusKm = n.at("location", "accuracy_radius").flatMap { Int($0) }
        g.tz = n.at("location", "time_zone")
        return g
    }

    struct Parser {
        let b: [UInt8]
        var i = 0
        init(_ bytes: [UInt8]) { b = bytes }

        mutating func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x09 { i += 1 } }

        /// A quoted string that ends at a quote followed by `:` (a key) or ` <` (a value).
        mutating func quoted() -> String? {
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
            var j = i + 1
            while j < b.count {
                if b[j] == UInt8(ascii: "\""),
                    j + 1 >= b.count || b[j + 1] == UInt8(ascii: ":")
                        || (b[j + 1] == 0x20 && j + 2 < b.count && b[j + 2] == UInt8(ascii: "<"))
                {
                    let s = String(decoding: b[(i + 1)..<j], as: UTF8.self)
                    i = j + 1
                    return s
                }
                j += 1
            }
            return nil
        }

        mutating func typeTag() {
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "<") {
                while i < b.count, b[i] != UInt8(ascii: ">") { i += 1 }
                i += 1
            }
        }

        mutating func value() -> Node? {
            skipSpace()
            guard i < b.count else { return nil }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var m: [String: Node] = [:]
                while true {
                    skipSpace()
                    guard i < b.count else { return nil }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .map(m) }
                    guard let k = quoted() else { return nil }
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let v = value() else { return nil }
                    m[k] = v
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [Node] = []
                while true {
                    skipSpace()
                    guard i < b.count else { return nil }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    guard let v = value() else { return nil }
                    a.append(v)
                }
            case UInt8(ascii: "\""):
                guard let s = quoted() else { return nil }
                typeTag()
                return .scalar(s)
            default:
                let start = i
                while i < b.count, b[i] != 0x20, b[i] != 0x0A { i += 1 }
                let s = String(decoding: b[start..<i], as: UTF8.self)
                typeTag()
                return .scalar(s)
            }
        }
    }
}
