import Testing
import Foundation
@testable import ActivityModel
@testable import ActivityStore
import ActivityReports
import ActivityTestSupport

/// Every list of the event's fields against the one table, ``ActivityEvent/Field``: a field added to the event
/// and missed by a list fails here (the decoder's and the export's order in ActivityPipelineTests, `send` in
/// IntegrationTests).
@Suite("EventFieldCoverageTests: every list of fields covers every field")
struct EventFieldCoverageTests {
    static let sample = EventGenerator.everyField()

    static func snakeCase(_ s: String) -> String {
        var out = ""
        for c in s { if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) } }
        return out
    }

    static func labels(_ value: Any) -> [String] {
        Mirror(reflecting: value).children.compactMap(\.label).map(snakeCase)
    }

    @Test("the table names every stored property of the event, in storage order, and every member of its nested values")
    func tableMatchesStorage() {
        let e = Self.sample
        #expect(Self.labels(e.box.fields) == ActivityEvent.Field.allCases.map(\.key))
        #expect(Self.labels(Geo()) == ActivityEvent.Field.geo.members)
        #expect(Self.labels(NetFlags()) == ActivityEvent.Field.net.members)
        #expect(Self.labels(Commerce()) == ActivityEvent.Field.commerce.members)
        #expect(Self.labels(Origin(input: "udp")) == ActivityEvent.Field.origin.members)
        #expect(Set(ActivityEvent.Field.allPaths).count == ActivityEvent.Field.allPaths.count)
    }

    /// The labels of `value`'s optional properties that are nil.
    static func unset(_ value: Any) -> [String] {
        Mirror(reflecting: value).children.compactMap { c in
            let m = Mirror(reflecting: c.value)
            return m.displayStyle == .optional && m.children.isEmpty ? c.label ?? "?" : nil
        }
    }

    @Test("the fixture sets every field and every member (so the tests below see them all)")
    func fixtureIsFull() throws {
        let e = Self.sample
        for f in ActivityEvent.Field.allCases { #expect(f.isPresent(in: e), "\(f)") }
        #expect(Self.unset(e.box.fields).isEmpty)
        #expect(Self.unset(try #require(e.geo)).isEmpty)
        #expect(Self.unset(try #require(e.commerce)).isEmpty)
        #expect(Self.unset(try #require(e.origin)).isEmpty)
        let net = try #require(e.net)
        #expect(net.vpn && net.proxy && net.tor && net.hosting && !net.lists.isEmpty)
        #expect(e.risk.flagsOnly == RiskFlags(RiskFlags.names.map(\.0)))
    }

    /// `e` encoded and decoded by the segment codec, and the presence mask it was written with.
    static func codecRoundTrip(_ e: ActivityEvent) -> (mask: UInt64?, decoded: ActivityEvent?) {
        var w = ByteWriter(capacity: 256)
        var table = FrameStringTable()
        EventCodec.encode(e, into: &w, table: &table)
        return w.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            _ = r.i64()
            let mask = r.varint()
            var all = ByteReader(raw)
            return (mask, EventCodec.decode(&all, seq: e.seq, table: table.strings))
        }
    }

    @Test("the codec's presence bits are the table's: each field sets its own bit, and round-trips")
    func codecBits() throws {
        #expect(FieldBit.known == ActivityEvent.Field.presenceMask)
        var full = Self.sample
        full.risk.insert(.assessed)
        let (mask, decoded) = Self.codecRoundTrip(full)
        #expect(mask == ActivityEvent.Field.presenceMask)
        #expect(decoded == full)
        for f in ActivityEvent.Field.allCases {
            guard let bit = f.presenceBit else { continue }
            var e = full
            e.clear(f)
            #expect(!f.isPresent(in: e), "\(f)")
            let (m, d) = Self.codecRoundTrip(e)
            #expect(m == ActivityEvent.Field.presenceMask & ~bit, "\(f): bit \(bit)")
            #expect(d == e, "\(f)")
        }
    }

    @Test("docs/segment-format.md §4 gives each field the table's mask bit")
    func documentedBits() throws {
        let doc = try String(contentsOfFile: Self.repository + "/docs/segment-format.md", encoding: .utf8)
        var documented: [String: Int] = [:]
        for line in doc.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, let r = cells[2].range(of: #"^bit (\d+)"#, options: .regularExpression) else {
                continue
            }
            documented[cells[0]] = Int(cells[2][r].dropFirst(4))
        }
        for f in ActivityEvent.Field.allCases {
            #expect(documented[f.key] == f.presenceBit.map { $0.trailingZeroBitCount }, "\(f.key)")
        }
    }

    @Test("docs/segment-format.md §4.1 lists the export keys and members in the table's order")
    func documentedExportOrder() throws {
        let doc = try String(contentsOfFile: Self.repository + "/docs/segment-format.md", encoding: .utf8)
        let start = try #require(doc.range(of: "in this order, of those present: `"))
        let text = doc[start.upperBound...].prefix { $0 != "`" }.replacingOccurrences(of: "\n", with: " ")
        // `key` or `key{member, member}`, separated by commas outside the braces.
        var top: [String] = [], members: [String: [String]] = [:], name = "", inner = "", depth = 0
        func flush() {
            let key = name.trimmingCharacters(in: .whitespaces)
            if !key.isEmpty { top.append(key) }
            if !inner.isEmpty {
                members[key] = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            name = ""; inner = ""
        }
        for c in text {
            switch c {
            case "{": depth += 1
            case "}": depth -= 1
            case "," where depth == 0: flush()
            default: if depth == 0 { name.append(c) } else { inner.append(c) }
            }
        }
        flush()
        #expect(top == ActivityEvent.Field.allCases.map(\.key))
        for f in [ActivityEvent.Field.geo, .net, .commerce, .origin] {
            #expect(members[f.key] == f.members, "\(f.key)")
        }
    }

    @Test("every path is a CSV column or left out with a reason, and each column shows its field")
    func csvColumns() {
        let shown = CSVExport.layout.map(\.field)
        #expect(Set(shown).isDisjoint(with: CSVExport.omitted.keys))
        #expect(Set(shown).union(CSVExport.omitted.keys) == Set(ActivityEvent.Field.allPaths))
        #expect(CSVExport.columns == CSVExport.layout.map(\.column))
        // Each cell is what the `--output-fields` name of its field shows.
        let cells = CSVExport(formatter: .utc).cells(for: Self.sample)
        for ((column, field), cell) in zip(CSVExport.layout, cells) {
            let name = String(field.split(separator: ".").last!)
            #expect(EventField.paths(of: name) == [field], "\(column)")
            #expect(EventField.value(Self.sample, name, formatter: .utc) == cell, "\(column)")
        }
    }

    @Test("every path has an --output-fields name or is left out with a reason; every name shows a field")
    func outputFields() {
        var shown = Set<String>()
        for name in EventField.names {
            let paths = EventField.paths(of: name)
            #expect(!paths.isEmpty, "\(name)")
            #expect(EventField.value(Self.sample, name, formatter: .utc) != nil, "\(name)")
            shown.formUnion(paths)
        }
        #expect(shown.isDisjoint(with: EventField.omitted.keys))
        #expect(shown.union(EventField.omitted.keys) == Set(ActivityEvent.Field.allPaths))
        #expect(Set(EventField.paths(of: "attrs.plan")) == ["attrs"])
        #expect(EventField.value(Self.sample, "attrs.plan", formatter: .utc) == "gold")
    }

    @Test("each indexed field reads a field of the table, and the fixture gives it terms")
    func indexedFields() {
        var scratch: [String] = []
        for f in IndexedField.allCases {
            #expect(f.field.isPresent(in: Self.sample))
            f.terms(of: Self.sample, into: &scratch)
            #expect(!scratch.isEmpty, "\(f)")
            var e = Self.sample
            e.clear(f.field)
            if f.field.presenceBit != nil {
                f.terms(of: e, into: &scratch)
                #expect(scratch.isEmpty, "\(f) without \(f.field)")
            }
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("contrib/activity-segments.py reads every field and member as the export writes it")
    func pythonReader() throws {
        let dir = temporaryDirectory()
        let w = try SegmentWriter(dataDirectory: dir, options: StoreOptions(), host: "t")
        var events: [ActivityEvent] = [Self.sample]
        var assessed = Self.sample
        assessed.risk.insert(.assessed)
        events.append(assessed)
        for f in ActivityEvent.Field.allCases where f.presenceBit != nil {
            var e = Self.sample
            e.clear(f)
            events.append(e)
        }
        try w.append(
            events.map {
                var e = $0; e.seq = 0; return e
            })
        try w.close()
        let stored = try StoreReader(dataDirectory: dir).events(EventQuery())
        #expect(stored.count == events.count)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.repository + "/contrib/activity-segments.py", dir]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let py = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let lines = py.split(separator: "\n")
        #expect(lines.count == stored.count)
        for (line, e) in zip(lines, stored) {
            let a = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary
            let b = try JSONSerialization.jsonObject(with: Data(e.exportJSON().utf8)) as? NSDictionary
            #expect(a == b, "python: \(line)\nexport: \(e.exportJSON())")
        }
        // The export writes every key of the table for the full event.
        let full = try JSONSerialization.jsonObject(with: Data(stored[0].exportJSON().utf8)) as? [String: Any] ?? [:]
        #expect(Set(full.keys) == Set(ActivityEvent.Field.allCases.map(\.key)))
    }
}
