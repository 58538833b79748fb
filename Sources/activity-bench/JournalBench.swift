import ActivityCLI
import ActivityModel
import ActivityPipeline
import Foundation
import SystemdJournal

/// Measures the journald input's reading on one core: journal entries turned into ``RawRecord``s by
/// ``JournalReader`` (what the daemon's `journal-input` thread does per entry), and optionally normalized.
///
/// Cursors are read as the daemon reads them: only for records that may become events
/// (``Normalizer/mayMakeEvents(program:message:)``); `--all-cursors` reads one per entry.
///
/// Usage: `activity-bench journal DIRECTORY [--count N] [--normalize] [--all-cursors]` on a journal directory (e.g. one made by
/// `systemd-journal-remote`, as `scripts/bench-inputs.sh` does). Prints entries per second and ns per entry.
/// Repeatable under `valgrind --tool=callgrind` for A/B instruction counts (`--count` keeps that short).
///
/// - Parameter arguments: the arguments after `journal`.
public func runJournalBenchmark(arguments: [String]) {
    var directory: String?
    var limit = Int.max
    var normalize = false
    var allCursors = false
    var rest = arguments[...]
    while let a = rest.popFirst() {
        switch a {
        case "--count": limit = rest.popFirst().flatMap { Int($0) } ?? limit
        case "--normalize": normalize = true
        case "--all-cursors": allCursors = true
        default: directory = a
        }
    }
    guard let directory else {
        diagnostics.fail("usage: activity-bench journal DIRECTORY [--count N] [--normalize] [--all-cursors]", status: 2)
    }
    do {
        let reader = JournalReader(journal: try Journal(.directory(directory)))
        _ = try reader.resume(from: nil, otherwise: .head)
        var normalizer = Normalizer()
        var entries = 0, events = 0, messageBytes = 0
        let clock = ContinuousClock()
        let start = clock.now
        let wanted: (RawRecord) -> Bool = { allCursors || Normalizer.mayMakeEvents(program: $0.program, message: $0.message) }
        while entries < limit, let record = try reader.nextRecord(positionWhen: wanted) {
            entries += 1
            messageBytes &+= record.message.utf8.count
            if normalize, case .events(let es) = normalizer.normalize(record) { events += es.count }
        }
        let seconds = Double((clock.now - start).components.attoseconds) / 1e18
            + Double((clock.now - start).components.seconds)
        let rate = Double(entries) / max(seconds, 1e-9)
        print(
            String(
                format: "journal: %d entries in %.3f s = %.0f entries/s, %.0f ns/entry%@ (%d message bytes)",
                entries, seconds, rate, 1e9 / rate, normalize ? ", \(events) events" : "", messageBytes))
    } catch {
        diagnostics.fail("\(error)", status: 1)
    }
}
