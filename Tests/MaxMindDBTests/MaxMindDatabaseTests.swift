import ActivityModel
import Foundation
import MaxMindDB
import Testing
import ActivityTestSupport

private func ip(_ s: String) -> IPAddress {
    guard let a = IPAddress(s) else { Issue.record("bad test address \(s)"); return .v4(0) }
    return a
}

@Suite("MaxMindDatabase")
struct MaxMindDatabaseTests {
    @Test("open reads metadata: type, IP version, build epoch, languages, description")
    func metadata() throws {
        let db = try MaxMindDatabase(path: MMDBFixtures.path("City-Test.mmdb"))
        let m = db.metadata
        #expect(m.databaseType == "GeoIP2-City")
        #expect(m.ipVersion == 6)
        let now = UInt64(Date().timeIntervalSince1970)
        #expect(m.buildEpoch > 1_500_000_000 && m.buildEpoch <= now + 60)
        #expect(m.languages == ["en", "de"])
        #expect(m.descriptions["en"] == "activityd test fixture (GeoIP2-City)")
        #expect(m.recordSize == 28)
        #expect(m.binaryFormatMajorVersion == 2)
        #expect(m.nodeCount > 0)
        let v4 = try MaxMindDatabase(path: MMDBFixtures.path("City-IPv4-Test.mmdb"))
        #expect(v4.metadata.ipVersion == 4)
    }

    @Test("City lookup decodes every location field, in English")
    func cityFields() throws {
        let db = try MaxMindDatabase(path: MMDBFixtures.path("City-Test.mmdb"))
        let london = try #require(try db.lookupGeo(ip("81.2.69.160")))
        #expect(london.countryCode == "GB")
        #expect(london.countryName == "United Kingdom")
        #expect(london.subdivisionName == "England")
        #expect(london.cityName == "London")
        #expect(london.latitude == 51.5142)
        #expect(london.longitude == -0.0931)
        #expect(london.accuracyRadiusKm == 10)
        #expect(london.timeZone == "Europe/London")

        let lk = try #require(try db.lookupGeo(ip("89.160.20.120")))
        #expect(lk.cityName == "Linköping")
        #expect(lk.subdivisionName == "Östergötland County")  // the first subdivision, not the second
        #expect(lk.countryName == "Sweden")

        let jp = try #require(try db.lookupGeo(ip("2001:218::1")))
        #expect(jp.countryCode == "JP")
        #expect(jp.cityName == nil)
        #expect(jp.subdivisionName == nil)
        #expect(jp.timeZone == "Asia/Tokyo")

        #expect(try db.lookupGeo(ip("1.1.1.1")) == nil)
        #expect(try db.lookupGeo(ip("2c0f:ff00::1")) == nil)
    }

    @Test("IPv4 in an IPv6 database, IPv4-mapped IPv6, IPv6 in an IPv4 database")
    func addressFamilies() throws {
        let v6db = try MaxMindDatabase(path: MMDBFixtures.path("City-Test.mmdb"))
        let v4db = try MaxMindDatabase(path: MMDBFixtures.path("City-IPv4-Test.mmdb"))
        for db in [v6db, v4db] {
            #expect(try db.lookupGeo(ip("81.2.69.170"))?.cityName == "London")
            #expect(try db.lookupGeo(ip("::ffff:81.2.69.170"))?.cityName == "London")
            let e = try #require(try db.lookup(ip("81.2.69.170")))
            #expect(e.prefixLength == 27)
            let mapped = try #require(try db.lookup(ip("::ffff:81.2.69.170")))
            #expect(mapped.prefixLength == 27)
            #expect(mapped.dataOffset == e.dataOffset)
        }
        // Not an error: an IPv6 address is simply not in an IPv4-only database.
        #expect(try v4db.lookup(ip("2001:218::1")) == nil)
        // The IPv6 database aliases 2002::/16 (6to4) to the IPv4 tree, as MaxMind's files do.
        #expect(try v6db.lookupGeo(ip("2002:5102:45a0::"))?.cityName == "London")
    }

    @Test("ASN and Anonymous-IP records")
    func asnAndAnonymous() throws {
        let asn = try MaxMindDatabase(path: MMDBFixtures.path("ASN-Test.mmdb"))
        #expect(asn.metadata.databaseType == "GeoLite2-ASN")
        #expect(
            try asn.lookupASN(ip("81.2.69.1"))
                == {
                    var r = ASNRecord(); r.number = 20712; r.organization = "Andrews & Arnold Ltd"; return r
                }())
        #expect(try asn.lookupASN(ip("2001:218::5"))?.number == 2914)
        #expect(try asn.lookupASN(ip("8.8.8.8")) == nil)

        let anon = try MaxMindDatabase(path: MMDBFixtures.path("Anonymous-IP-Test.mmdb"))
        let all = try #require(try anon.lookupAnonymousIP(ip("81.2.69.1")))
        #expect(
            all.isAnonymous && all.isAnonymousVPN && all.isHostingProvider && all.isPublicProxy
                && all.isResidentialProxy && all.isTorExitNode)
        let vpn = try #require(try anon.lookupAnonymousIP(ip("1.2.3.4")))
        #expect(vpn.isAnonymous && vpn.isAnonymousVPN)
        #expect(!vpn.isPublicProxy && !vpn.isTorExitNode && !vpn.isHostingProvider && !vpn.isResidentialProxy)
        #expect(try anon.lookupAnonymousIP(ip("65.4.3.2"))?.isTorExitNode == true)
        #expect(try anon.lookupAnonymousIP(ip("186.30.236.9"))?.isPublicProxy == true)
        #expect(try anon.lookupAnonymousIP(ip("9.9.9.9")) == nil)
    }

    @Test("a value of the wrong type throws unexpectedDataType; generic getters read any path")
    func typeMismatch() throws {
        let db = try MaxMindDatabase(path: MMDBFixtures.path("City-Bad-Types.mmdb"))
        #expect {
            _ = try db.lookupGeo(ip("81.2.69.160"))
        } throws: { error in
            // Named by the whole path, though read below the `location` map found once.
            guard let e = error as? MaxMindDBError else { return false }
            return e.code == .unexpectedDataType && e.detail.contains("location/latitude")
        }
        let e = try #require(try db.lookup(ip("81.2.69.160")))
        #expect(try e.string(at: MaxMindPath("location", "latitude")) == "north")
        #expect(try e.unsignedInteger(at: MaxMindPath("city", "geoname_id")) == 2_643_743)
        #expect(try e.string(at: MaxMindPath("no", "such", "path")) == nil)
        #expect(try e.string(at: MaxMindPath("subdivisions", "5", "names", "en")) == nil)
        // Walking through a string as if it were a map is "not there", not a crash.
        #expect(try e.string(at: MaxMindPath("city", "names", "en", "deeper")) == nil)
    }

    @Test("a country that is a string, not a map, gives no country fields; the rest of the record still reads")
    func countryNotAMap() throws {
        let db = try MaxMindDatabase(path: MMDBFixtures.path("City-Country-String.mmdb"))
        let g = try #require(try db.lookupGeo(ip("81.2.69.160")))
        #expect(g.countryCode == nil && g.countryName == nil)
        #expect(g.cityName == "London" && g.subdivisionName == "England")
        #expect(g.latitude == 51.5142 && g.longitude == -0.0931 && g.accuracyRadiusKm == 10)
        #expect(g.timeZone == "Europe/London")
    }

    @Test("missing, empty, non-mmdb and truncated files fail to open with a typed error")
    func openFailures() throws {
        #expect {
            _ = try MaxMindDatabase(path: "/nonexistent/activityd/GeoLite2-City.mmdb")
        } throws: { ($0 as? MaxMindDBError)?.code == .fileOpen }

        let text = try MMDBFixtures.scratchFile("not-a-db.mmdb")
        try Data("203.0.113.0/24\n".utf8).write(to: URL(fileURLWithPath: text))
        #expect {
            _ = try MaxMindDatabase(path: text)
        } throws: { ($0 as? MaxMindDBError)?.code == .invalidMetadata }

        let empty = try MMDBFixtures.scratchFile("empty.mmdb")
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(throws: MaxMindDBError.self) { _ = try MaxMindDatabase(path: empty) }

        // Cut the file at many offsets: each cut must be refused at open (the metadata is at the end).
        let full = try Data(contentsOf: URL(fileURLWithPath: MMDBFixtures.path("City-Test.mmdb")))
        let cut = try MMDBFixtures.scratchFile("cut.mmdb")
        for length in stride(from: 0, to: full.count, by: 61) {
            try full.prefix(length).write(to: URL(fileURLWithPath: cut))
            #expect(throws: MaxMindDBError.self, "cut at \(length)") { _ = try MaxMindDatabase(path: cut) }
        }
    }

    @Test("corrupted bytes never crash a lookup: it finds data or throws")
    func corruption() throws {
        let full = try Data(contentsOf: URL(fileURLWithPath: MMDBFixtures.path("City-Test.mmdb")))
        let path = try MMDBFixtures.scratchFile("corrupt.mmdb")
        var rng = SystemRandomNumberGenerator()
        let probes = ["81.2.69.160", "89.160.20.120", "2001:218::1", "1.1.1.1", "::ffff:81.2.69.170", "2a02:ff00::9"]
        // The metadata sits in the last ~300 bytes; corrupt the search tree and data before it.
        let limit = max(1, full.count - 400)
        for _ in 0..<200 {
            var bytes = [UInt8](full)
            for _ in 0..<8 { bytes[Int.random(in: 0..<limit, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            for options in [MaxMindOpenOptions(), .indexIPv4] {
                guard let db = try? MaxMindDatabase(path: path, options: options) else { continue }
                for p in probes { _ = try? db.lookupGeo(ip(p)) }
            }
        }
    }

    @Test(
        "the flattened IPv4 table answers exactly as the tree walk does",
        arguments: ["City-Test.mmdb", "City-IPv4-Test.mmdb", "ASN-Test.mmdb", "Anonymous-IP-Test.mmdb"])
    func ipv4Table(_ name: String) throws {
        let tree = try MaxMindDatabase(path: MMDBFixtures.path(name))
        let table = try MaxMindDatabase(path: MMDBFixtures.path(name), options: .indexIPv4)
        #expect(!tree.hasIPv4Index && tree.ipv4IndexNetworkCount == 0)
        #expect(table.hasIPv4Index && table.ipv4IndexNetworkCount > 1)
        var probes: [UInt32] = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000]
        // Every fixture network's edges and neighbours.
        for cidr in [
            "81.2.69.160/27", "89.160.20.112/28", "10.0.0.0/8", "81.2.69.0/24", "1.1.1.0/24", "1.2.0.0/16",
            "186.30.236.0/24", "65.0.0.0/13", "71.160.223.0/24", "5.6.7.0/24",
        ] {
            guard let c = CIDR(cidr[...]), case .v4(let first) = c.address else { continue }
            let last = first | (c.prefixLength == 0 ? ~0 : ~(~UInt32(0) << UInt32(32 - c.prefixLength)))
            probes += [first &- 1, first, first &+ 1, last &- 1, last, last &+ 1]
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { probes.append(UInt32.random(in: 0...UInt32.max, using: &rng)) }
        for p in probes {
            let a = try tree.lookup(.v4(p)), b = try table.lookup(.v4(p))
            #expect(a?.dataOffset == b?.dataOffset, "\(IPAddress.v4(p))")
            #expect(a?.prefixLength == b?.prefixLength, "\(IPAddress.v4(p))")
        }
        // Mapped addresses take the same path.
        #expect(
            try table.lookup(ip("::ffff:81.2.69.170"))?.prefixLength == tree.lookup(ip("81.2.69.170"))?.prefixLength)
    }

    @Test("errors describe the file, the reason and what to do")
    func errorDescription() {
        let e = MaxMindDBError(code: .invalidMetadata, path: "/x/City.mmdb", detail: "bad")
        #expect(e.description.contains("/x/City.mmdb"))
        #expect(e.description.contains("invalid_metadata"))
        #expect(e.description.contains("download it again"))
        #expect(MaxMindDBError.Code.other(99).label == "other")
    }

    @Test("concurrent lookups on one database agree with serial ones")
    func concurrentLookups() async throws {
        let db = try MaxMindDatabase(path: MMDBFixtures.path("City-Test.mmdb"))
        let probes = ["81.2.69.160", "89.160.20.120", "2001:218::1", "1.1.1.1"].map(ip)
        let expected = try probes.map { try db.lookupGeo($0) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for i in 0..<2000 {
                        let k = i % probes.count
                        if try db.lookupGeo(probes[k]) != expected[k] { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
