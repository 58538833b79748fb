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

private func event(_ address: String?) -> ActivityEvent {
    var e = ActivityEvent(
        time: Timestamp(seconds: 1_795_348_800), category: .login, action: .login,
        outcome: .success, user: "alice")
    e.ip = address.flatMap(IPAddress.init)
    return e
}

/// Writes list files into a temporary directory and returns a configuration using every fixture database.
private func fullConfiguration() throws -> EnrichmentConfiguration {
    let dir = try MMDBFixtures.scratchFile("lists")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let files: [(String, String)] = [
        ("vpn.txt", "# vpn ranges\n81.2.69.0/24\n2001:218::/32\n"),
        ("tor.txt", "81.2.69.160\n"),
        ("proxy.txt", "203.0.113.0/24\n"),
        ("hosting.txt", "89.160.20.0/24\n"),
        ("corp.txt", "10.8.0.0/16\n81.2.69.0/24\n"),
    ]
    for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/" + name)) }
    return EnrichmentConfiguration(
        city: try MMDBFixtures.path("City-Test.mmdb"),
        country: try MMDBFixtures.path("Country-Test.mmdb"),
        asn: try MMDBFixtures.path("ASN-Test.mmdb"),
        anonymous: try MMDBFixtures.path("Anonymous-IP-Test.mmdb"),
        lists: [
            IPListConfiguration(name: "vpn-ranges", tag: .vpn, path: dir + "/vpn.txt"),
            IPListConfiguration(name: "tor-exits", tag: IPListTag("Tor"), path: dir + "/tor.txt"),
            IPListConfiguration(name: "open-proxies", tag: .proxy, path: dir + "/proxy.txt"),
            IPListConfiguration(name: "datacenters", tag: .hosting, path: dir + "/hosting.txt"),
            IPListConfiguration(name: "corp-vpn", tag: IPListTag("corporate"), path: dir + "/corp.txt"),
        ]
    )
}

private func loadedEnricher() throws -> Enricher {
    let (snapshot, issues) = EnrichmentSnapshot.load(try fullConfiguration(), previous: nil)
    #expect(issues.isEmpty, "\(issues)")
    return Enricher(snapshot: snapshot)
}

@Suite("Enricher")
struct EnricherTests {
    @Test("every geo, net and risk field for an address found everywhere")
    func allFields() throws {
        let enricher = try loadedEnricher()
        var e = event("81.2.69.160")
        let result = enricher.enrich(&e)
        var geo = Geo()
        geo.country = "GB"; geo.countryName = "United Kingdom"; geo.region = "England"; geo.city = "London"
        geo.lat = 51.5142; geo.lon = -0.0931; geo.radiusKm = 10; geo.tz = "Europe/London"
        geo.asn = 20712; geo.asOrg = "Andrews & Arnold Ltd"
        #expect(e.geo == geo)
        // Database flags, then residential_proxy, then lists in configuration order (tag words before names).
        #expect(
            e.net
                == NetFlags(
                    vpn: true, proxy: true, tor: true, hosting: true,
                    lists: ["residential_proxy", "vpn-ranges", "tor-exits", "corporate", "corp-vpn"]))
        #expect(e.risk == [.anonymizer])
        #expect(result.hits == [.city, .asn, .anonymousIP, .lists])
        #expect(result.misses.isEmpty && result.failures.isEmpty)
        #expect(result.listMatches == 3)
        #expect(result.isAnonymizer && result.isHit && result.skipped == nil)
    }

    @Test("first subdivision, UTF-8 names; a hosting list alone is not an anonymizer")
    func subdivisionAndHosting() throws {
        let enricher = try loadedEnricher()
        var e = event("89.160.20.120")
        let r = enricher.enrich(&e)
        #expect(e.geo?.region == "Östergötland County")
        #expect(e.geo?.city == "Linköping")
        #expect(e.geo?.tz == "Europe/Stockholm")
        #expect(e.geo?.asn == nil)
        #expect(e.net == NetFlags(hosting: true, lists: ["datacenters"]))
        #expect(e.risk.isEmpty)
        #expect(r.hits == [.city, .lists])
        #expect(r.misses == [.asn, .anonymousIP])
    }

    @Test("Anonymous-IP flags map to vpn, proxy, tor, hosting and residential_proxy")
    func anonymousFlags() throws {
        let enricher = try loadedEnricher()
        let cases: [(String, NetFlags?, Bool)] = [
            ("1.2.3.4", NetFlags(vpn: true), true),
            ("186.30.236.9", NetFlags(proxy: true), true),
            ("65.4.3.2", NetFlags(tor: true), true),
            ("71.160.223.10", NetFlags(hosting: true), false),
            ("5.6.7.8", NetFlags(lists: ["residential_proxy"]), false),
            ("9.9.9.9", nil, false),
        ]
        for (address, net, anonymizer) in cases {
            var e = event(address)
            enricher.enrich(&e)
            #expect(e.net == net, "\(address)")
            #expect(e.risk.contains(.anonymizer) == anonymizer, "\(address)")
        }
    }

    @Test("IPv6, IPv4-mapped IPv6 and the Country fallback")
    func familiesAndFallback() throws {
        let enricher = try loadedEnricher()
        var v6 = event("2001:218::42")
        enricher.enrich(&v6)
        #expect(v6.geo?.country == "JP" && v6.geo?.city == nil && v6.geo?.asn == 2914)
        #expect(v6.net?.vpn == true && v6.net?.lists == ["vpn-ranges"])

        var mapped = event("::ffff:81.2.69.170")
        var plain = event("81.2.69.170")
        enricher.enrich(&mapped)
        enricher.enrich(&plain)
        #expect(mapped.geo == plain.geo && mapped.net == plain.net && mapped.geo?.city == "London")
        #expect(mapped.ip == ip("::ffff:81.2.69.170"))  // the event keeps the address as received

        // 1.1.1.1 is not in the City database; the Country database answers.
        var au = event("1.1.1.1")
        let r = enricher.enrich(&au)
        #expect(au.geo?.country == "AU" && au.geo?.countryName == "Australia" && au.geo?.city == nil)
        #expect(au.geo?.asn == 13335)
        #expect(r.hits == [.country, .asn])
        #expect(r.misses == [.city, .anonymousIP, .lists])
    }

    @Test("private and reserved addresses get no lookup and no geo; lists still match")
    func privateAddresses() throws {
        let enricher = try loadedEnricher()
        // The City fixture has a record for 10.0.0.0/8; it must never be used.
        for address in ["10.1.2.3", "127.0.0.1", "192.168.1.1", "::1", "fe80::1", "::ffff:10.1.2.3", "100.64.0.1"] {
            var e = event(address)
            let r = enricher.enrich(&e)
            #expect(e.geo == nil, "\(address)")
            #expect(r.skipped == .privateOrReserved, "\(address)")
            #expect(r.hits.subtracting(.lists).isEmpty && r.misses.subtracting(.lists).isEmpty)
        }
        var corp = event("10.8.1.1")
        enricher.enrich(&corp)
        #expect(corp.geo == nil)
        #expect(corp.net == NetFlags(lists: ["corporate", "corp-vpn"]))
        #expect(corp.risk.isEmpty)
    }

    @Test("no address: nothing changes; values already on the event win")
    func noAddressAndExistingValues() throws {
        let enricher = try loadedEnricher()
        var none = event(nil)
        let before = none
        #expect(enricher.enrich(&none) == EnrichmentResult(skipped: .noAddress))
        #expect(none == before)

        var e = event("81.2.69.160")
        var given = Geo()
        given.city = "Camden"
        e.geo = given
        e.net = NetFlags(lists: ["vpn-ranges", "from-source"])
        e.risk = [.newCountry]
        enricher.enrich(&e)
        #expect(e.geo?.city == "Camden")
        #expect(e.geo?.country == "GB")
        #expect(
            e.net?.lists == ["vpn-ranges", "from-source", "residential_proxy", "tor-exits", "corporate", "corp-vpn"])
        #expect(e.risk == [.newCountry, .anonymizer])
    }

    @Test("a corrupt record counts as a failure and enriches nothing from that database")
    func corruptRecord() throws {
        let (snapshot, issues) = EnrichmentSnapshot.load(
            EnrichmentConfiguration(
                city: try MMDBFixtures.path("City-Bad-Types.mmdb"),
                asn: try MMDBFixtures.path("ASN-Test.mmdb")), previous: nil)
        #expect(issues.isEmpty)
        var e = event("81.2.69.160")
        let r = Enricher(snapshot: snapshot).enrich(&e)
        #expect(r.failures == [.city])
        #expect(r.hits == [.asn])
        #expect(e.geo?.city == nil && e.geo?.asn == 20712)
    }

    @Test("an empty snapshot enriches nothing")
    func emptySnapshot() {
        var e = event("81.2.69.160")
        let r = Enricher(snapshot: .empty).enrich(&e)
        #expect(e.geo == nil && e.net == nil && e.risk.isEmpty)
        #expect(r == EnrichmentResult())
    }
}
