import Testing
import Foundation
import ActivityModel
import ActivityStore

// `activityctl events` lists by event time by default; `--order seq` as stored. The store holds live events
// and then an old log imported later (received after, happened before).
@Suite("activityctl events: time order by default, --order seq for storage order")
struct EventOrderTests {
    static let store = Result { () throws -> String in
        let data = DaemonProcess.temporaryDirectory("order") + "/data"
        let base: Int64 = 1_780_000_000
        let w = try SegmentWriter(
            dataDirectory: data, options: StoreOptions(), host: "order", now: Timestamp(seconds: base))
        func ev(_ t: Int64, _ user: String) -> ActivityEvent {
            ActivityEvent(
                time: Timestamp(seconds: t), category: .login, action: Action(rawValue: "login"), outcome: .success,
                user: user)
        }
        try w.append([ev(base + 10, "live1"), ev(base + 20, "live2")], now: Timestamp(seconds: base + 20))
        try w.rotate(now: Timestamp(seconds: base + 21))
        try w.append([ev(base + 30, "live3")], now: Timestamp(seconds: base + 30))
        // An old auth.log imported now: a day earlier, and one line between the live events.
        try w.append(
            [ev(base - 86_400, "old1"), ev(base - 86_000, "old2"), ev(base + 15, "old3")],
            now: Timestamp(seconds: base + 40))
        try w.close()
        return data
    }

    func users(_ args: [String]) throws -> [String] {
        let (status, out, err) = try runActivityctl(
            ["--data-dir", try Self.store.get(), "events", "--format", "jsonl", "--output-fields", "user"] + args)
        #expect(status == 0, "\(err)")
        return try jsonLines(out).compactMap { $0["user"] as? String }
    }

    @Test("default and --order time interleave the imported log by time; --order seq keeps the received order")
    func orders() throws {
        let byTime = ["old1", "old2", "live1", "old3", "live2", "live3"]
        #expect(try users([]) == byTime)
        #expect(try users(["--order", "time"]) == byTime)
        #expect(try users(["--order", "seq"]) == ["live1", "live2", "live3", "old1", "old2", "old3"])
        #expect(try users(["--reverse", "--limit", "2"]) == ["live3", "live2"])
        #expect(try users(["--order", "seq", "--reverse", "--limit", "2"]) == ["old3", "old2"])
        #expect(try users(["--since", "2026-05-28T00:00:00Z", "--limit", "3"]).count == 3)
        let (_, csv, _) = try runActivityctl(["--data-dir", try Self.store.get(), "export", "--csv", "--tz", "UTC"])
        let rows = csv.split(separator: "\r\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)[1]
        }
        #expect(rows == byTime.map { Substring($0) })
    }
}
