import Foundation
import Testing
@testable import ActivityFileInput
import ActivityModel

@Suite("FileFollower with real files")
struct FileFollowerTests {
    @Test("start_at beginning reads existing lines; end reads only new ones", arguments: [true, false])
    func startAt(beginning: Bool) {
        let dir = TempDir()
        let log = dir.file("auth.log")
        append(log, "old 1\nold 2\n")
        let sink = Sink()
        let f = FileFollower(options: options([log], beginning: beginning), positions: [:])
        var ticks = 0
        follow(
            f, sink: sink,
            step: {
                ticks += 1
                if ticks == 3 { append(log, "new 1\n") }  // after the first scan opened the file
            }, until: { sink.lines.last == "new 1" })
        #expect(sink.lines == (beginning ? ["old 1", "old 2", "new 1"] : ["new 1"]))
        #expect(Array(sink.positions.keys) == [.file(path: log)])
    }

    @Test("a partial last line is held until its newline arrives")
    func partialLine() {
        let dir = TempDir()
        let log = dir.file("auth.log")
        append(log, "one\ntw")
        let sink = Sink()
        let f = FileFollower(options: options([log]), positions: [:], useInotify: false)
        var ticks = 0
        follow(
            f, sink: sink,
            step: {
                ticks += 1
                if ticks == 10 {
                    #expect(sink.lines == ["one"])  // "tw" not emitted half
                    append(log, "o\nthree")
                }
            }, until: { sink.lines.count >= 2 && ticks > 20 })
        #expect(sink.lines == ["one", "two"])
        // The stored position ends after "two\n": a restart reads "three" once completed.
        append(log, "\n")
        let again = Sink()
        let g = FileFollower(options: options([log]), positions: sink.positions)
        follow(g, sink: again, until: { !again.lines.isEmpty })
        #expect(again.lines == ["three"])
    }

    @Test("a line longer than maxLineBytes is cut and counted; the rest is skipped to its newline")
    func longLine() {
        let dir = TempDir()
        let log = dir.file("auth.log")
        append(log, "a\n" + String(repeating: "y", count: 5000) + "\nb\n")
        let sink = Sink()
        let f = FileFollower(options: options([log], maxLine: 100), positions: [:])
        follow(f, sink: sink, until: { sink.lines.last == "b" })
        #expect(sink.lines == ["a", String(repeating: "y", count: 100), "b"])
        #expect(sink.stats.contains(.lineTruncated(path: log)))
    }

    @Test("compressed rotated files are ignored even when the glob matches them")
    func compressedIgnored() throws {
        let dir = TempDir()
        append(dir.file("auth.log"), "plain\n")
        for ext in ["gz", "xz", "bz2", "zst"] { append(dir.file("auth.log.2.\(ext)"), "compressed\n") }
        let sink = Sink()
        let f = FileFollower(options: options([dir.path + "/auth.log*"]), positions: [:])
        var ticks = 0
        follow(f, sink: sink, step: { ticks += 1 }, until: { ticks > 15 })
        #expect(sink.lines == ["plain"])
    }

    @Test("a file appearing after start is picked up from its beginning, even with start_at = end")
    func appearsLater() {
        let dir = TempDir()
        let sink = Sink()
        let f = FileFollower(options: options([dir.path + "/*.log"], beginning: false), positions: [:])
        var ticks = 0
        follow(
            f, sink: sink,
            step: {
                ticks += 1
                if ticks == 5 { append(dir.file("late.log"), "first\nsecond\n") }
            }, until: { sink.lines.count >= 2 })
        #expect(sink.lines == ["first", "second"])
        #expect(Array(sink.positions.keys) == [.file(path: dir.file("late.log"))])
    }

    @Test(
        "rename rotation, copytruncate and deletion while following (polling only and with inotify)",
        arguments: [false, true])
    func liveRotation(inotify: Bool) throws {
        let dir = TempDir()
        let log = dir.file("auth.log")
        append(log, "1\n")
        let sink = Sink()
        let f = FileFollower(options: options([log]), positions: [:], useInotify: inotify)
        var phase = 0
        follow(
            f, sink: sink, timeout: 15,
            step: {
                let n = sink.lines.count
                switch (phase, n) {
                case (0, 1):
                    append(log, "2\n")
                    rename(log, log + ".1")
                    append(log + ".1", "3\n")  // the writer has not reopened yet
                    append(log, "4\n")
                    phase = 1
                case (1, 4):
                    // copytruncate: copy, truncate, with no append in between.
                    append(log, "5\n")
                    try? FileManager.default.copyItem(atPath: log, toPath: log + ".2")
                    truncate(log, 0)
                    append(log, "6\n")
                    phase = 2
                case (2, 6):
                    append(log, "7\n")
                    unlink(log)
                    phase = 3
                case (3, 7):
                    append(log, "8\n")  // a new file after deletion
                    phase = 4
                default: break
                }
            }, until: { sink.lines.count >= 8 })
        #expect(sink.lines == (1...8).map(String.init))
        #expect(sink.stats.contains(.rotated(path: log)))
        #expect(sink.stats.contains(.truncated(path: log)))
        #expect(sink.stats.contains(.fileGone(path: log)))
    }
}
