import ActivityModel
import ActivityReports
import Foundation

/// `activity-bench risk [--users N] [--logins-per-user K]`: the risk engine's memory for N users (each with K
/// located logins from up to 3 countries and 2 devices, and a failed attempt), and its speed per event. Memory is
/// the process's resident size before and after (the events are made one at a time, never kept).
func runRiskBenchmark(arguments: [String]) {
    let users = Int(option(arguments, "--users") ?? "1000000") ?? 1_000_000
    let perUser = Int(option(arguments, "--logins-per-user") ?? "3") ?? 3
    func rssMiB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = s.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
    let countries = ["DE", "FR", "US", "GB", "SE", "JP", "BR", "IN"]
    var engine = RiskEngine()
    let before = rssMiB()
    var flagged = 0
    let t0 = SystemClock.monotonicSeconds()
    var n = 0
    for round in 0..<perUser {
        for u in 0..<users {
            var e = ActivityEvent(
                time: Timestamp(seconds: 1_795_000_000 + Int64(round) * 86_400 + Int64(u % 86_400)),
                category: .login, action: round == 0 && u % 10 == 0 ? .loginFailed : .login,
                outcome: round == 0 && u % 10 == 0 ? .failure : .success)
            e.user = "user\(u)"
            e.ip = .v4(UInt32(0x0A00_0000 | (u & 0xFFFFF)))
            e.device = round % 2 == 0 ? "iPhone" : "Firefox on Linux"
            var g = Geo()
            g.country = countries[(u + round * (u % 3)) % countries.count]
            g.lat = Double(u % 90)
            g.lon = Double(u % 180)
            g.radiusKm = 50
            g.city = "City \(u % 1000)"
            e.geo = g
            if !engine.observe(e).flags.isEmpty { flagged += 1 }
            n += 1
        }
    }
    let seconds = SystemClock.monotonicSeconds() - t0
    let after = rssMiB()
    print(
        "risk: \(users) users, \(n) events (\(perUser) per user), \(engine.trackedUsers) users and \(engine.trackedAddresses) addresses tracked, \(flagged) logins flagged"
    )
    print(
        String(
            format: "memory: %.0f MiB resident for the state (%.0f → %.0f MiB) = %.0f bytes per user", after - before,
            before, after, (after - before) * 1_048_576 / Double(users)))
    print(
        String(
            format: "speed: %.0f events/s (%.2f µs per event) on one core", Double(n) / seconds,
            seconds / Double(n) * 1e6))
    // The clean-stop snapshot and its read-back (what a restart costs instead of folding the store).
    let t1 = SystemClock.monotonicSeconds()
    let bytes = engine.snapshot()
    let written = SystemClock.monotonicSeconds() - t1
    let t2 = SystemClock.monotonicSeconds()
    let back = RiskEngine(options: engine.options, snapshot: bytes)
    let read = SystemClock.monotonicSeconds() - t2
    print(
        String(
            format: "snapshot: %.1f MB (%.0f bytes per user), made in %.2f s, read back in %.2f s (%@)",
            Double(bytes.count) / 1e6, Double(bytes.count) / Double(users), written, read,
            back?.trackedUsers == engine.trackedUsers ? "same users" : "MISMATCH"))
    // A checkpoint ([risk] checkpoint_interval): the daemon keeps a copy of the engine while a thread encodes it.
    // The pipeline thread gives the engine in service tables of its own first (RiskEngine.makeUnique, outside the
    // lock the check API takes), so the next login that changes the state copies nothing. Before, that login made
    // the copy, under the lock: a stall of every check.
    let copy = engine
    let t5 = SystemClock.monotonicSeconds()
    engine.makeUnique()
    let copying = SystemClock.monotonicSeconds() - t5
    var e = ActivityEvent(
        time: Timestamp(seconds: 1_795_000_000 + Int64(perUser) * 86_400), category: .login, action: .login,
        outcome: .success)
    e.user = "user1"
    e.device = "iPhone"
    let t3 = SystemClock.monotonicSeconds()
    _ = engine.observe(e)
    let pause = SystemClock.monotonicSeconds() - t3
    let t4 = SystemClock.monotonicSeconds()
    _ = engine.observe(e)
    let next = SystemClock.monotonicSeconds() - t4
    print(
        String(
            format:
                "checkpoint: the tables' copy takes %.0f ms on the pipeline thread (outside the checks' lock); then the first change %.1f µs, the next %.1f µs; %d users in the copy",
            copying * 1e3, pause * 1e6, next * 1e6, copy.trackedUsers))
}
