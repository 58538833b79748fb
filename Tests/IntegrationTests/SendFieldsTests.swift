import Testing
import Foundation
import ActivityModel
import ActivityTestSupport

/// `activityctl send` against the one table of fields (``ActivityEvent/Field``): every field a sender may set has
/// an option, named after its export key, and the payload carries it as the export form does.
@Suite("EventFieldCoverageTests: activityctl send has an option for every field a sender sets")
struct SendFieldsTests {
    /// The fields `send` has no option for, and why.
    static let notSent: [ActivityEvent.Field: String] = [
        .seq: "assigned by the store",
        .ingested: "the receive time, set by the daemon",
        .geo: "filled by enrichment from the address",
        .net: "filled by enrichment from the address",
        .origin: "set by the daemon: the input and the sender's address",
        .risk: "the daemon's risk engine sets it",
    ]

    @Test("each field's option sends the value the export form has")
    func everyFieldHasAnOption() throws {
        let e = EventGenerator.everyField()
        let export = try #require(try JSONSerialization.jsonObject(with: Data(e.exportJSON().utf8)) as? [String: Any])
        func text(_ v: Any) -> String { (v as? String) ?? "\(v)" }
        var args = ["send", "--to", "127.0.0.1:9"]
        for f in ActivityEvent.Field.allCases where Self.notSent[f] == nil {
            let value = try #require(export[f.key], "\(f.key)")
            switch f {
            case .commerce:
                for (k, v) in try #require(value as? [String: Any]) {
                    args += ["--" + k.replacingOccurrences(of: "_", with: "-"), text(v)]
                }
            case .attrs:
                for (k, v) in try #require(value as? [String: Any]) { args += ["--attr", "\(k)=\(text(v))"] }
            default:
                args += ["--" + f.key.replacingOccurrences(of: "_", with: "-"), text(value)]
            }
        }
        let (status, out, err) = try runTool("activityctl", args)
        #expect(status == 0, "\(err)")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        for f in ActivityEvent.Field.allCases {
            if Self.notSent[f] != nil {
                #expect(sent[f.key] == nil, "\(f.key)")
            } else {
                #expect(
                    NSDictionary(dictionary: [f.key: sent[f.key] as Any]).isEqual(to: [f.key: export[f.key] as Any]),
                    "\(f.key): sent \(String(describing: sent[f.key])), export \(String(describing: export[f.key]))")
            }
        }
    }
}
