import Foundation
import Synchronization
import ActivityModel
import ActivityConfig
import ActivityReports
import ActivityStore

/// The daemon's risk state: one ``RiskEngine`` that the pipeline thread feeds every event (in the order the
/// store will write them) and the check API reads. Rebuilt at start from the store, so its answers after a
/// restart, clean or not, are those of a run that never stopped: the state is a function of the stored
/// events alone (events the pipeline had assessed but the store never wrote are not in it, and when their
/// input delivers them again they are assessed again against the same state).
final class RiskHolder: Sendable {
    let configuration: RiskConfiguration
    private let engine: Mutex<RiskEngine>

    init(configuration: RiskConfiguration) {
        self.configuration = configuration
        engine = Mutex(RiskEngine(options: RiskHolder.options(configuration)))
    }

    /// The engine's settings for a `[risk]` table.
    static func options(_ c: RiskConfiguration) -> SuspiciousOptions {
        var o = SuspiciousOptions(maxSpeedKmh: c.maxSpeedKmh,
                                  bursts: FailureBurstOptions(threshold: c.burstThreshold, window: TimeSpan(nanoseconds: c.burstWindow)))
        o.maxUsers = c.maxUsers
        o.maxAddresses = c.maxAddresses
        return o
    }

    /// Folds the store's login attempts (picked by the index: logouts and activity are never decoded) into
    /// the engine. Called once at start, before any input runs. Returns the number of events read.
    func rebuild(dataDirectory: String) throws -> Int {
        let reader = try StoreReader(dataDirectory: dataDirectory)
        var q = EventQuery()
        q.terms[.action] = LoginEventKind.attemptActions
        q.omit = .reportExtras
        var n = 0
        try engine.withLock { engine in
            for e in try reader.prefetchedEvents(q) {
                _ = engine.observe(e)
                n += 1
            }
        }
        return n
    }

    /// Sets `risk` (with ``ActivityModel/RiskFlags/assessed``) and `attrs.risk_why` on every successful
    /// login of a batch, and feeds every event to the engine, in order. One lock per batch.
    func assess(_ events: inout [ActivityEvent]) {
        engine.withLock { engine in
            for i in events.indices {
                let verdict = engine.observe(events[i])
                guard LoginEventKind(events[i]) == .success else { continue }
                events[i].risk = verdict.flags.union(.assessed)
                events[i].attrs["risk_why"] = verdict.reasons.isEmpty ? nil : verdict.why
            }
        }
    }

    /// What a successful login `e` would be flagged now (the check API); changes nothing.
    func check(_ e: ActivityEvent) -> RiskAssessment {
        engine.withLock { $0.assess(e) }
    }

    var trackedUsers: Int { engine.withLock { $0.trackedUsers } }
}
