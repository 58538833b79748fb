import Foundation
import Synchronization
import Testing
import ActivityTestSupport
@testable import ActivityFileInput
import ActivityModel

/// A syslog-like writer holding its file open with O_APPEND, as rsyslog does.
final class LogWriter {
    let path: String
    private var fd: Int32
    private(set) var written = 0
    private(set) var generations = 0

    init(path: String) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }
    deinit { close(fd) }

    static func line(_ n: Int) -> String {
        let num = String(n)
        return "line " + String(repeating: "0", count: max(0, 6 - num.count)) + num
            + " host sshd[4242]: Accepted publickey for alice from 203.0.113.7 port 52113 ssh2"
    }

    func write(lines count: Int) {
        var text = ""
        for _ in 0..<count { written += 1; text += Self.line(written) + "\n" }
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off); if n <= 0 { break }; off += n
            }
        }
    }

    /// logrotate's default: rename, the writer keeps writing to the old file briefly, then reopens the path.
    func rotateByRename(linesBeforeReopen: Int) {
        generations += 1
        rename(path, path + ".\(generations)")
        write(lines: linesBeforeReopen)
        close(fd)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    /// logrotate's `copytruncate`. The copy and the truncation happen with no append in between (this writer
    /// is single-threaded): lines appended between the copy and the truncation are lost by every tailer,
    /// since they are in neither the copy nor the truncated file; that window is excluded here on purpose.
    func rotateByCopyTruncate() {
        generations += 1
        let content = FileManager.default.contents(atPath: path) ?? Data()
        _ = FileManager.default.createFile(atPath: path + ".\(generations)", contents: content)
        ftruncate(fd, 0)
    }
}

/// Line numbers delivered, checked for exactly-once against `1...written`.
func lineNumbers(_ lines: [String]) -> [Int] {
    lines.map { Int($0.dropFirst(5).prefix(6)) ?? -1 }
}

@Suite("Rotation storm and restarts")
struct RotationStormTests {
    @Test(
        "100 rotations (rename and copytruncate alternating) under load: every line exactly once",
        arguments: [true, false])
    func storm(inotify: Bool) throws {
        let dir = TempDir()
        let log = dir.file("auth.log")
        let writer = LogWriter(path: log)
        let sink = Sink()
        let stop = Atomic<Bool>(false)
        let done = Atomic<Bool>(false)
        let opts = options([log], beginning: true, poll: inotify ? 0.05 : 0.005)
        let thread = Thread {
            let f = FileFollower(options: opts, positions: [:], useInotify: inotify)
            f.run(shouldStop: { stop.load(ordering: .acquiring) }, emit: sink.emit, onStat: sink.stat)
            done.store(true, ordering: .releasing)
        }
        thread.start()
        var rng = SeededRandom(seed: inotify ? 7 : 8)
        let deadline = SystemClock.monotonicSeconds() + 20
        for round in 0..<100 {
            let firstOfGeneration = writer.written + 1
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                writer.write(lines: Int.random(in: 1...150, using: &rng))
                if Bool.random(using: &rng) { usleep(UInt32.random(in: 0...500, using: &rng)) }
            }
            // A tailer can only follow a generation it has seen: wait until this one was delivered from.
            while sink.lines.count < firstOfGeneration && SystemClock.monotonicSeconds() < deadline { usleep(200) }
            if round % 2 == 0 {
                writer.rotateByRename(linesBeforeReopen: Int.random(in: 0...20, using: &rng))
            } else {
                writer.rotateByCopyTruncate()
            }
        }
        writer.write(lines: 100)
        while sink.lines.count < writer.written && SystemClock.monotonicSeconds() < deadline { usleep(1000) }
        usleep(100_000)  // anything duplicated late would show up now
        stop.store(true, ordering: .releasing)
        while !done.load(ordering: .acquiring) { usleep(1000) }

        let numbers = lineNumbers(sink.lines)
        #expect(numbers.count == writer.written)
        #expect(numbers == Array(1...writer.written))  // exactly once, in order
        #expect(sink.stats.filter { if case .rotated = $0 { true } else { false } }.count >= 50)
        #expect(sink.stats.filter { if case .truncated = $0 { true } else { false } }.count >= 50)
        #expect(!sink.state.withLock { $0.badBatch })
    }

    @Test(
        "stopping at random points and restarting with the last emitted positions: exactly once, also across rotations while stopped"
    )
    func restarts() throws {
        let dir = TempDir()
        let log = dir.file("auth.log")
        let writer = LogWriter(path: log)
        var rng = SeededRandom(seed: 42)
        var delivered: [String] = []
        var positions: [InputID: String] = [:]
        var firstOfGeneration = 1
        var rotations = 0

        for round in 0..<41 {
            let last = round == 40
            if !last {
                writer.write(lines: Int.random(in: 0...2500, using: &rng))
                // Rotate while stopped, but only once the follower saw this generation (see the storm test).
                if delivered.count >= firstOfGeneration, writer.written >= firstOfGeneration,
                    Int.random(in: 0..<3, using: &rng) == 0
                {
                    if Bool.random(using: &rng) {
                        writer.rotateByRename(linesBeforeReopen: Int.random(in: 0...30, using: &rng))
                    } else {
                        writer.rotateByCopyTruncate()
                    }
                    rotations += 1
                    firstOfGeneration = writer.written + 1
                    writer.write(lines: Int.random(in: 0...50, using: &rng))
                }
            }
            let stopAfter = last ? Int.max : Int.random(in: 0...4, using: &rng)
            let refuseAt = last ? Int.max : Int.random(in: 1...6, using: &rng)  // emit returns false (shutdown)
            var batches = 0
            let f = FileFollower(
                options: options([log], beginning: true, poll: 0.005), positions: positions,
                useInotify: round % 2 == 0)
            let deadline = SystemClock.monotonicSeconds() + 5
            f.run(
                shouldStop: {
                    batches >= stopAfter || delivered.count >= writer.written
                        || SystemClock.monotonicSeconds() > deadline
                },
                emit: { records, position in
                    // The store commits the records and the position in one write.
                    delivered.append(contentsOf: records.map(\.message))
                    positions[position.input] = position.value
                    batches += 1
                    return batches < refuseAt
                },
                onStat: { _ in })
        }
        #expect(rotations >= 5)
        #expect(lineNumbers(delivered) == Array(1...writer.written))
    }
}
