import Foundation
import Synchronization
@testable import ActivityFileInput
import ActivityModel

/// A temporary directory removed at deinit.
final class TempDir {
    let path: String
    init() {
        var template = Array(("/tmp/fileinput-XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// Appends bytes to a file (creating it), with O_APPEND like a syslog daemon.
func append(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    precondition(fd >= 0, "open \(path)")
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes {
        var off = 0; while off < $0.count { off += write(fd, $0.baseAddress! + off, $0.count - off) }
    }
    close(fd)
}

/// What a follower delivered: lines in order, the last position per input, stats. Thread-safe.
final class Sink: Sendable {
    struct State {
        var lines: [String] = []
        var positions: [InputID: String] = [:]
        var stats: [FileInputStat] = []
        var batches = 0
        var badBatch = false
    }
    let state = Mutex(State())

    var lines: [String] { state.withLock { $0.lines } }
    var positions: [InputID: String] { state.withLock { $0.positions } }
    var stats: [FileInputStat] { state.withLock { $0.stats } }

    func emit(_ records: [RawRecord], _ position: InputPosition) -> Bool {
        state.withLock {
            $0.lines.append(contentsOf: records.map(\.message))
            $0.positions[position.input] = position.value
            $0.batches += 1
            if records.last?.position != position || records.isEmpty { $0.badBatch = true }
        }
        return true
    }

    func stat(_ s: FileInputStat) { state.withLock { $0.stats.append(s) } }
}

/// Runs a follower on this thread until `done()` or the timeout; `step` is called on every check.
@discardableResult
func follow(_ follower: FileFollower, sink: Sink, timeout: Double = 10, step: () -> Void = {}, until done: () -> Bool)
    -> Bool
{
    let deadline = SystemClock.monotonicSeconds() + timeout
    var finished = false
    follower.run(
        shouldStop: {
            step()
            if done() { finished = true; return true }
            return SystemClock.monotonicSeconds() > deadline
        },
        emit: sink.emit, onStat: sink.stat)
    return finished
}

func options(_ paths: [String], beginning: Bool = true, poll: Double = 0.02, maxLine: Int = 65_536) -> FileInputOptions
{
    FileInputOptions(paths: paths, startAtBeginning: beginning, pollInterval: poll, maxLineBytes: maxLine)
}
