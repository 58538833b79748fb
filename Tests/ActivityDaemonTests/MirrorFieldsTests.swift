import ActivityModel
import Testing
@testable import ActivityDaemon

@Suite("Benchmark mirror")
struct MirrorFieldsTests {
    func line(_ fields: MirrorFields, _ e: ActivityEvent) -> String {
        var w = JSONWriter(capacity: 64)
        fields.write(e, to: &w)
        return w.out
    }

    @Test("seq writes only the sender's seq attribute; all writes the export")
    func fields() {
        var e = ActivityEvent(time: Timestamp(seconds: 1_795_341_600), category: .login, action: .login)
        e.user = "alice"
        e.attrs = ["seq": "42", "path": "/x"]
        #expect(line(.seq, e) == #"{"seq":"42"}"#)
        #expect(line(.all, e) == e.exportJSON(includeSeq: false))
        e.attrs = [:]
        #expect(line(.seq, e) == "{}")
    }
}
