import Testing
import ActivityModel
@testable import ActivityPipeline
import ActivityTestSupport

/// The export form and the application-event decoder against the one table of fields (``ActivityEvent/Field``);
/// the other lists are checked in ActivityStoreTests' `EventFieldCoverageTests`.
@Suite("EventFieldCoverageTests: export JSON and the decoder cover every field")
struct EventFieldDecoderTests {
    static let sample = EventGenerator.everyField()

    /// The member names of a JSON object, in the order written.
    static func keys(_ v: JSONReader.Value?) -> [String] {
        guard case .object(let members)? = v else { return [] }
        return members.map(\.0)
    }

    @Test("the export writes the table's keys in the table's order, and each nested object its members in order")
    func exportOrder() throws {
        let parsed = try JSONReader().parse(Self.sample.exportJSONBytes()).get()
        #expect(Self.keys(parsed) == ActivityEvent.Field.allCases.map(\.key))
        guard case .object(let members) = parsed else { Issue.record("not an object"); return }
        for f in ActivityEvent.Field.allCases where !f.members.isEmpty {
            let value = members.first { $0.0 == f.key }?.1
            #expect(Self.keys(value) == f.members, "\(f.key)")
        }
        // An absent field is left out, and only it.
        for f in ActivityEvent.Field.allCases {
            var e = Self.sample
            switch f {
            case .seq, .time, .category, .action, .outcome: continue
            case .risk: e.risk = [.assessed]  // the mark alone is not exported
            default: e.clear(f)
            }
            let keys = Self.keys(try JSONReader().parse(e.exportJSONBytes()).get())
            #expect(keys == ActivityEvent.Field.allCases.map(\.key).filter { $0 != f.key }, "\(f.key)")
        }
    }

    @Test("every field but those the decoder says it does not read round-trips: export JSON → AppEventDecoder")
    func decoderRoundTrip() throws {
        let e = Self.sample
        // The receiver's own values for what it replaces (`fieldsReplaced`): the same as the sample's, so that
        // the comparison below sees the sender's values come through.
        let line = e.exportJSONBytes(includeSeq: false)
        let result = AppEventDecoder().decode(datagram: line, receivedAt: e.ingested!, source: e.origin?.source)
        guard case .event(let back)? = result.first, result.count == 1 else { Issue.record("\(result)"); return }
        for f in ActivityEvent.Field.allCases {
            let sent = e[keyPath: f.keyPath] as! any Hashable, got = back[keyPath: f.keyPath] as! any Hashable
            if AppEventDecoder.fieldsNotRead[f] != nil {
                #expect(
                    AnyHashable(sent) != AnyHashable(got), "\(f.key) is read after all: remove it from fieldsNotRead")
            } else {
                #expect(AnyHashable(sent) == AnyHashable(got), "\(f.key)")
            }
        }
        // What the receiver replaces is replaced: a line claiming another input, time and source.
        var claimed = e
        claimed.origin?.input = "file"
        let other = AppEventDecoder().decode(
            datagram: claimed.exportJSONBytes(includeSeq: false), receivedAt: Timestamp(seconds: 1),
            source: "203.0.113.9:1")
        guard case .event(let replaced)? = other.first else { Issue.record("\(other)"); return }
        func member(_ path: String, _ x: ActivityEvent) -> AnyHashable? {
            switch path {
            case "ingested": x.ingested
            case "origin.input": x.origin?.input
            case "origin.source": x.origin?.source
            default: nil
            }
        }
        for path in AppEventDecoder.fieldsReplaced {
            #expect(
                member(path, replaced) != nil && member(path, replaced) != member(path, claimed),
                "\(path) is not replaced")
        }
        #expect(replaced.origin?.position == e.origin?.position && replaced.origin?.raw == e.origin?.raw)
    }

    @Test("each alias names a field of the table, a member of commerce, or one of the decoder's own inputs")
    func aliasesNameFields() {
        let keys = Set(ActivityEvent.Field.allCases.map(\.key))
        let commerce = Set(ActivityEvent.Field.commerce.members)
        for (field, names) in AppEventDecoder.aliases {
            #expect(names.first == field, "\(field): the canonical name is accepted first")
            #expect(
                keys.contains(field) || commerce.contains(field) || ["kind", "user_agent"].contains(field), "\(field)")
        }
    }
}
