import ActivityEnrich
import ActivityModel
import Foundation
import MaxMindDB
import Testing
import ActivityTestSupport

private func ip(_ s: String) -> IPAddress {
    guard let a = IPAddress(s) else { Issue.record("bad test address \(s)"); return .v4(0) }
    return a
}

/// A directory of copies that a test can break, so the originals stay intact.
private struct Workspace {
    let dir: String

    init() throws {
        dir = try MMDBFixtures.scratchFile("ws")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["City-Test.mmdb", "Country-Test.mmdb", "ASN-Test.mmdb", "Anonymous-IP-Test.mmdb"] {
            try FileManager.default.copyItem(atPath: try MMDBFixtures.path(name), toPath: dir + "/" + name)
        }
        try write("vpn.txt", "81.2.69.0/24\n")
        try write("tor.txt", "65.0.0.1\n")
    }

    func path(_ name: String) -> String { dir + "/" + name }

    // Files are replaced atomically (write a temporary file, rename it over), as geoipupdate and package
    // managers do: a database already mapped by a snapshot must never change under it (see MaxMindDatabase).
    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)), options: .atomic)
    }

    func truncate(_ name: String, to fraction: Double) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        try data.prefix(Int(Double(data.count) * fraction)).write(
            to: URL(fileURLWithPath: path(name)), options: .atomic)
    }

    var configuration: EnrichmentConfiguration {
        EnrichmentConfiguration(
            city: path("City-Test.mmdb"), country: path("Country-Test.mmdb"), asn: path("ASN-Test.mmdb"),
            anonymous: path("Anonymous-IP-Test.mmdb"),
            lists: [
                IPListConfiguration(name: "vpn-ranges", tag: .vpn, path: path("vpn.txt")),
                IPListConfiguration(name: "tor", tag: .tor, path: path("tor.txt")),
            ])
    }
}

@Suite("EnrichmentSnapshot.load")
struct LoaderTests {
    @Test("a clean load has every part and no issue; metadata is reachable")
    func cleanLoad() throws {
        let ws = try Workspace()
        let (s, issues) = EnrichmentSnapshot.load(ws.configuration, previous: nil)
        #expect(issues.isEmpty)
        #expect(s.city?.metadata.databaseType == "GeoIP2-City")
        #expect(s.country?.metadata.databaseType == "GeoIP2-Country")
        #expect(s.asn?.metadata.databaseType == "GeoLite2-ASN")
        #expect(s.anonymousIP?.metadata.databaseType == "GeoIP2-Anonymous-IP")
        #expect(s.lists.map(\.name) == ["vpn-ranges", "tor"])
        #expect(s.lists[0].entryCount == 1 && s.lists[0].contains(ip("81.2.69.1")))
        #expect(!s.isEmpty && EnrichmentSnapshot.empty.isEmpty)
    }

    @Test(
        "truncated, non-mmdb, missing and wrong-kind databases keep the previous part serving",
        arguments: ["truncated", "text", "missing", "wrong-kind", "empty"])
    func brokenDatabaseKeepsPrevious(_ damage: String) throws {
        let ws = try Workspace()
        let (first, firstIssues) = EnrichmentSnapshot.load(ws.configuration, previous: nil)
        #expect(firstIssues.isEmpty)
        var config = ws.configuration
        switch damage {
        case "truncated": try ws.truncate("City-Test.mmdb", to: 0.6)
        case "text": try ws.write("City-Test.mmdb", "this is not a database\n")
        case "missing": try FileManager.default.removeItem(atPath: ws.path("City-Test.mmdb"))
        case "wrong-kind": config.city = ws.path("ASN-Test.mmdb")
        default: try ws.write("City-Test.mmdb", "")
        }
        let (second, issues) = EnrichmentSnapshot.load(config, previous: first)
        #expect(issues.count == 1)
        let issue = try #require(issues.first)
        #expect(issue.source == .database(.city))
        #expect(issue.keptPrevious && issue.isLoadFailure)
        switch damage {
        case "missing": #expect(issue.reason == .missingFile)
        case "wrong-kind":
            #expect(issue.reason == .wrongDatabaseKind(found: "GeoLite2-ASN"))
            #expect(issue.reason.label == "wrong_database_kind")
        default:
            guard case .invalidDatabase(let e) = issue.reason else {
                Issue.record("expected invalidDatabase, got \(issue.reason)"); return
            }
            if damage == "empty" {
                // mmap of an empty file fails with EINVAL: libmaxminddb reports an I/O error.
                #expect(e.code == .io || e.code == .invalidMetadata)
            } else {
                #expect(e.code == .invalidMetadata)
                #expect(issue.reason.label == "invalid_database_invalid_metadata")
            }
        }
        #expect(issue.description.contains("previously loaded copy stays in service"))
        #expect(issue.description.contains("database city"))
        // The very same open database keeps serving; the unchanged parts are reused as they were.
        #expect(second.city?.database === first.city?.database)
        #expect(second.asn?.database === first.asn?.database)
        var e = ActivityEvent(time: Timestamp(seconds: 0), category: .login, action: .login)
        e.ip = ip("81.2.69.160")
        Enricher(snapshot: second).enrich(&e)
        #expect(e.geo?.city == "London")
    }

    @Test("without a previous snapshot a broken part is absent and the issue says so")
    func brokenWithoutPrevious() throws {
        let ws = try Workspace()
        try ws.write("Anonymous-IP-Test.mmdb", "garbage")
        let (s, issues) = EnrichmentSnapshot.load(ws.configuration, previous: nil)
        #expect(s.anonymousIP == nil && s.city != nil)
        #expect(issues.count == 1 && issues[0].keptPrevious == false)
        #expect(issues[0].description.contains("runs without it"))
    }

    @Test("an unreadable or missing list keeps the previous list; bad lines load the good ones")
    func lists() throws {
        let ws = try Workspace()
        let (first, _) = EnrichmentSnapshot.load(ws.configuration, previous: nil)
        try FileManager.default.removeItem(atPath: ws.path("vpn.txt"))
        try ws.write("tor.txt", "65.0.0.1\nnot-an-ip\n65.0.0.2/40\n65.0.0.3\n")
        let (second, issues) = EnrichmentSnapshot.load(ws.configuration, previous: first)
        #expect(issues.count == 2)
        #expect(issues[0].source == .list("vpn-ranges") && issues[0].reason == .missingFile && issues[0].keptPrevious)
        #expect(second.lists.map(\.name) == ["vpn-ranges", "tor"])
        #expect(second.lists[0].contains(ip("81.2.69.1")))
        guard case .badLines(let count, let examples) = issues[1].reason else {
            Issue.record("expected badLines, got \(issues[1].reason)"); return
        }
        #expect(count == 2 && examples.map(\.lineNumber) == [2, 3])
        #expect(!issues[1].isLoadFailure && !issues[1].keptPrevious)
        #expect(issues[1].description.contains("line 2"))
        #expect(second.lists[1].entryCount == 2 && second.lists[1].badLineCount == 2)
        #expect(second.lists[1].contains(ip("65.0.0.3")))

        // A directory instead of a file is unreadable, not a crash.
        var config = ws.configuration
        config.lists[1].path = ws.dir
        let (third, more) = EnrichmentSnapshot.load(config, previous: second)
        #expect(more.contains { $0.source == .list("tor") && $0.reason.label == "unreadable_file" && $0.keptPrevious })
        #expect(third.lists[1].contains(ip("65.0.0.3")))
    }

    @Test("a reload reuses unchanged files and reopens replaced ones")
    func reuseUnchanged() throws {
        let ws = try Workspace()
        let (first, _) = EnrichmentSnapshot.load(ws.configuration, previous: nil)
        let (same, noIssues) = EnrichmentSnapshot.load(ws.configuration, previous: first)
        #expect(noIssues.isEmpty)
        for kind in EnrichmentDatabaseKind.allCases {
            #expect(same.database(kind)?.database === first.database(kind)?.database, "\(kind)")
        }
        #expect(same.lists == first.lists)

        // Replace the City file atomically with a valid copy, and edit a list: both are loaded anew.
        let city = try Data(contentsOf: URL(fileURLWithPath: ws.path("City-Test.mmdb")))
        try city.write(to: URL(fileURLWithPath: ws.path("City-Test.mmdb")), options: .atomic)
        try ws.write("vpn.txt", "198.51.100.0/24\n")
        var config = ws.configuration
        config.lists[1].tag = .proxy  // a tag change alone needs no re-read, but must apply
        let (next, issues) = EnrichmentSnapshot.load(config, previous: same)
        #expect(issues.isEmpty)
        #expect(next.city?.database !== same.city?.database)
        #expect(next.asn?.database === same.asn?.database)
        #expect(next.lists[0].contains(ip("198.51.100.1")) && !next.lists[0].contains(ip("81.2.69.1")))
        #expect(next.lists[1].tag == .proxy && next.lists[1].ranges == same.lists[1].ranges)
        var e = ActivityEvent(time: Timestamp(seconds: 0), category: .login, action: .login)
        e.ip = ip("65.0.0.1")
        Enricher(snapshot: next).enrich(&e)
        #expect(e.net?.proxy == true && e.net?.tor == true)  // tor from the Anonymous-IP DB, proxy from the list
    }

    @Test("parts removed from the configuration are dropped; duplicate list names are refused")
    func removalAndDuplicates() throws {
        let ws = try Workspace()
        let (first, _) = EnrichmentSnapshot.load(ws.configuration, previous: nil)
        var config = ws.configuration
        config.city = nil
        config.lists = [
            config.lists[0], IPListConfiguration(name: "vpn-ranges", tag: .proxy, path: ws.path("tor.txt")),
        ]
        let (second, issues) = EnrichmentSnapshot.load(config, previous: first)
        #expect(second.city == nil && second.country != nil)
        #expect(second.lists.count == 1)
        #expect(issues.map(\.reason) == [.duplicateListName])
    }

    @Test("kind check follows the database_type words")
    func kinds() {
        #expect(EnrichmentDatabaseKind.city.accepts(databaseType: "GeoLite2-City"))
        #expect(EnrichmentDatabaseKind.city.accepts(databaseType: "DBIP-City-Lite"))
        #expect(!EnrichmentDatabaseKind.city.accepts(databaseType: "GeoLite2-Country"))
        #expect(EnrichmentDatabaseKind.country.accepts(databaseType: "GeoIP2-City"))
        #expect(EnrichmentDatabaseKind.asn.accepts(databaseType: "GeoIP2-ISP"))
        #expect(!EnrichmentDatabaseKind.asn.accepts(databaseType: "GeoIP2-City"))
        #expect(EnrichmentDatabaseKind.anonymousIP.accepts(databaseType: "GeoIP2-Anonymous-IP"))
        #expect(!EnrichmentDatabaseKind.anonymousIP.accepts(databaseType: "GeoLite2-ASN"))
        #expect(IPListTag("VPN") == .vpn && IPListTag("scanner") == .other("scanner"))
    }
}
