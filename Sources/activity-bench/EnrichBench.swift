import ActivityCLI
import ActivityEnrich
import ActivityTestSupport
import ActivityIPList
import ActivityModel
import Foundation
import MaxMindDB

/// Measures enrichment on one core: enrichments per second for events with random public addresses against a
/// City, an ASN and an Anonymous-IP database plus three IP lists of 100,000 ranges each, and the time to load a
/// 1,000,000-range list from disk. Prints one row per configuration.
///
/// Usage: `activity-bench enrich [EVENTS] [--fixtures DIR] [--city PATH] [--asn PATH] [--anonymous PATH]
/// [--pool N]`
/// (default 2 000 000 events per row). Rows cycle through `--pool` (default 65,536) random public addresses (a worst case for
/// memory locality: every lookup walks a different path of the search trees), except the last, which cycles
/// through 1,024 (a working set of active users). `--fixtures DIR` takes `City-Test.mmdb`, `ASN-Test.mmdb` and
/// `Anonymous-IP-Test.mmdb` from a directory made by `perl Tests/Fixtures/mmdb/make-fixtures.pl DIR`; `--city`
/// and the others override single files (for example a real `GeoLite2-City.mmdb`, see `.ci/get-geolite2.sh`).
/// Build in release (`swift run -c release activity-bench enrich ...`); debug figures are meaningless.
///
/// - Parameter arguments: the arguments after `enrich`.
public func runEnrichBenchmark(arguments: [String]) {
    var total = 2_000_000
    var city: String? = nil, asn: String? = nil, anonymous: String? = nil
    var pool = 65_536
    var rest = arguments[...]
    while let a = rest.popFirst() {
        switch a {
        case "--fixtures":
            if let d = rest.popFirst() {
                city = city ?? d + "/City-Test.mmdb"
                asn = asn ?? d + "/ASN-Test.mmdb"
                anonymous = anonymous ?? d + "/Anonymous-IP-Test.mmdb"
            }
        case "--city": city = rest.popFirst()
        case "--asn": asn = rest.popFirst()
        case "--anonymous": anonymous = rest.popFirst()
        case "--pool": pool = rest.popFirst().flatMap { Int($0) }.map { max(1, min($0, 65_536)) } ?? pool
        default:
            if let n = Int(a) { total = max(n, 10_000) } else { diagnostics.error("unknown argument \(a)"); return }
        }
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("activity-bench-enrich-\(getpid())").path
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
        diagnostics.error("cannot create \(dir): \(error)")
        return
    }
    defer { try? FileManager.default.removeItem(atPath: dir) }

    // Three lists of 100k ranges each (90% IPv4 /16../32, 10% IPv6), and a 1M-range list.
    var rng = SeededRandom(seed: 0x5EED)
    var lists: [IPListConfiguration] = []
    for (i, tag) in [IPListTag.vpn, .tor, .hosting].enumerated() {
        let path = dir + "/list\(i).txt"
        guard EnrichBench.writeList(path: path, ranges: 100_000, rng: &rng) else { return }
        lists.append(IPListConfiguration(name: "list\(i)", tag: tag, path: path))
    }
    let bigPath = dir + "/big.txt"
    guard EnrichBench.writeList(path: bigPath, ranges: 1_000_000, rng: &rng) else { return }

    print("enrich benchmark: one core, \(total) events per row")
    print("databases: city=\(city ?? "-") asn=\(asn ?? "-") anonymous=\(anonymous ?? "-")")

    // Loading.
    let bigConfig = EnrichmentConfiguration(lists: [IPListConfiguration(name: "big", tag: .vpn, path: bigPath)])
    var bigSnapshot: EnrichmentSnapshot? = nil
    let bigLoad = timed { bigSnapshot = EnrichmentSnapshot.load(bigConfig, previous: nil).0 }
    if let l = bigSnapshot?.lists.first {
        print(
            "load 1M-range list: \(EnrichBench.ms(bigLoad)) ms (\(l.entryCount) entries, "
                + "\(l.ranges.ipv4IntervalCount + l.ranges.ipv6IntervalCount) merged intervals, \(l.badLineCount) bad)")
    }
    // With the flattened IPv4 tables (`index_ipv4 = true`); the tree-walk row below is the daemon's default.
    let full = EnrichmentConfiguration(city: city, asn: asn, anonymous: anonymous, lists: lists, indexIPv4: true)
    var loaded: (EnrichmentSnapshot, [EnrichmentLoadIssue])? = nil
    let fullLoad = timed { loaded = EnrichmentSnapshot.load(full, previous: nil) }
    guard let (snapshot, issues) = loaded else { return }
    for i in issues { print("load issue: \(i)") }
    print("load city+asn+anonymous+3x100k lists: \(EnrichBench.ms(fullLoad)) ms")
    for kind in EnrichmentDatabaseKind.allCases {
        guard let db = snapshot.database(kind)?.database else { continue }
        print(
            "  \(kind): \(db.metadata.databaseType), IPv4 table: \(db.hasIPv4Index ? "\(db.ipv4IndexNetworkCount) networks" : "none")"
        )
    }

    // Events: random public addresses, 90% IPv4, 10% IPv6 (from 2000::/3), half of the IPv6 in 2a00::/12.
    var events: [ActivityEvent] = []
    var base = ActivityEvent(
        time: Timestamp(seconds: 1_795_348_800), category: .login, action: .login,
        outcome: .success, user: "alice")
    base.service = "sshd"
    while events.count < pool {
        let address: IPAddress
        if rng.next() % 10 == 0 {
            let hi =
                rng.next() % 2 == 0 ? 0x2a00_0000_0000_0000 | rng.next() >> 12 : 0x2000_0000_0000_0000 | rng.next() >> 3
            address = .v6(hi, rng.next())
        } else {
            address = .v4(UInt32(truncatingIfNeeded: rng.next()))
        }
        if address.isPrivateOrReserved { continue }
        var e = base
        e.ip = address
        events.append(e)
    }

    print("configuration                         enrich/s      ns/event   hit%")
    // The same City file without the flattened IPv4 table, to show what the table buys.
    let cityTree = city.flatMap { try? MaxMindDatabase(path: $0) }.map { EnrichmentDatabase(kind: .city, database: $0) }
    let rows: [(String, EnrichmentSnapshot)] = [
        ("city only", EnrichmentSnapshot(city: snapshot.city)),
        ("city only, tree walk (the default)", EnrichmentSnapshot(city: cityTree)),
        ("asn only", EnrichmentSnapshot(asn: snapshot.asn)),
        ("anonymous only", EnrichmentSnapshot(anonymousIP: snapshot.anonymousIP)),
        ("3 lists x 100k only", EnrichmentSnapshot(lists: snapshot.lists)),
        ("city+asn+anonymous+3 lists", snapshot),
        ("all, 1,024 distinct addresses", snapshot),
    ]
    for (name, snap) in rows {
        let enricher = Enricher(snapshot: snap)
        // The last row models a working set (active users' addresses) instead of 65,536 random ones.
        let events = name.hasPrefix("all, 1,024") ? Array(events.prefix(1024)) : events
        guard !events.isEmpty else { continue }
        _ = EnrichBench.run(enricher, events: events, total: min(total, 200_000))  // warm up
        var hits = 0
        let d = timed { hits = EnrichBench.run(enricher, events: events, total: total) }
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        let rate = Double(total) / seconds
        let pad = name.padding(toLength: 34, withPad: " ", startingAt: 0)
        print(
            "\(pad) \(String(format: "%12.0f", rate))  \(String(format: "%10.1f", 1e9 / rate))  "
                + String(format: "%5.1f", 100 * Double(hits) / Double(total)))
    }
}

/// Helpers of ``runEnrichBenchmark(arguments:)``.
enum EnrichBench {
    /// Enriches `total` events cycling through `events`; returns how many had a hit.
    static func run(_ enricher: Enricher, events: [ActivityEvent], total: Int) -> Int {
        var hits = 0
        var i = 0
        var e = events[0]
        let addresses = events.map(\.ip)
        for _ in 0..<total {
            // Reset only what enrichment writes, so the loop measures enrichment, not event copies.
            e.ip = addresses[i]
            e.geo = nil
            e.net = nil
            e.risk = []
            if enricher.enrich(&e).isHit { hits += 1 }
            i += 1
            if i == addresses.count { i = 0 }
        }
        return hits
    }

    static func writeList(path: String, ranges: Int, rng: inout SeededRandom) -> Bool {
        var text = "# generated by activity-bench\n"
        text.reserveCapacity(ranges * 20)
        for i in 0..<ranges {
            if i % 10 == 9 {
                let hi = 0x2a00_0000_0000_0000 | (rng.next() >> 12) & ~0xffff
                text += "\(IPAddress.v6(hi, 0))/48\n"
            } else {
                let len = 16 + Int(rng.next() % 17)
                let a = UInt32(truncatingIfNeeded: rng.next())
                text += "\(CIDR(address: .v4(a), prefixLength: len))\n"
            }
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return true
        } catch {
            diagnostics.error("cannot write \(path): \(error)")
            return false
        }
    }

    static func ms(_ d: Duration) -> String {
        String(format: "%.1f", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
    }
}
