import Foundation
import Synchronization
import Testing
@testable import ActivityDaemon

@Suite("BoundedQueue")
struct BoundedQueueTests {
    final class Payload: Sendable {
        let size: Int
        init(_ size: Int) { self.size = size }
    }

    @Test("items come out in order; a batch stops at max items or once it reaches maxCost")
    func batches() throws {
        let q = BoundedQueue<Int>(capacity: 100, maxCost: 1000, cost: { $0 })
        for i in 1...10 { #expect(q.tryPush(i * 10)) }
        // Costs 10, 20, 30...: 10+20+30+40 = 100 reaches maxCost 100 after four items.
        #expect(q.popBatch(max: 8, maxCost: 100, timeout: 0) == [10, 20, 30, 40])
        #expect(q.popBatch(max: 2, timeout: 0) == [50, 60])
        // One item over maxCost still comes out alone.
        #expect(q.popBatch(max: 8, maxCost: 1, timeout: 0) == [70])
        #expect(q.popBatch(max: 8, timeout: 0) == [80, 90, 100])
        #expect(q.popBatch(max: 8, timeout: 0) == [])
        q.close()
        #expect(q.popBatch(max: 8, timeout: 0) == nil)
    }

    @Test("the cost bound drops the newest item; taking items frees their cost")
    func costBound() {
        let q = BoundedQueue<Int>(capacity: 100, maxCost: 50, cost: { $0 })
        #expect(q.tryPush(30))
        #expect(!q.tryPush(30))  // 60 > 50
        #expect(q.tryPush(20))
        #expect(q.popBatch(max: 1, timeout: 0) == [30])
        #expect(q.tryPush(30))
        #expect(q.depth == 2)
    }

    @Test("a taken item is released by the queue at once, not kept until a later compaction")
    func releasesTakenItems() {
        let q = BoundedQueue<Payload>(capacity: 10_000, cost: { $0.size })
        weak var first: Payload?
        do {
            let p = Payload(1)
            first = p
            #expect(q.tryPush(p))
        }
        for i in 0..<100 { #expect(q.tryPush(Payload(i))) }
        do {
            let batch = q.popBatch(max: 1, timeout: 0)
            #expect(batch?.count == 1)
        }
        #expect(first == nil)  // 100 items still queued; the taken one is gone
        #expect(q.depth == 100)
    }

    /// One `popBatch` on a thread of its own, started once the call is waiting for its first item.
    final class BackgroundPop: Sendable {
        let done = DispatchSemaphore(value: 0)
        let got = Mutex<[Int]?>(nil)

        init(_ q: BoundedQueue<Int>, max: Int, linger: Double) {
            Thread.detachNewThread { [self] in
                let batch = q.popBatch(max: max, timeout: 60, linger: linger)
                got.withLock { $0 = batch }
                done.signal()
            }
            while q.waitingConsumerCount == 0 { usleep(1000) }
        }

        /// The batch, or nil when the call has not returned within `seconds` (a liveness bound, not a timing).
        func result(within seconds: Double) -> [Int]? {
            guard done.wait(timeout: .now() + seconds) == .success else { return nil }
            return got.withLock { $0 }
        }
    }

    @Test("a lingering consumer is woken when its batch is due, not by every push")
    func lingerIsNotWokenPerPush() {
        let q = BoundedQueue<Int>(capacity: 1000)
        // The batch is due at max/4 = 100 items (the linger deadline is far away).
        let pop = BackgroundPop(q, max: 400, linger: 60)
        for i in 0..<100 { #expect(q.tryPush(i)); usleep(200) }  // (time for a woken consumer to run)
        #expect(pop.result(within: 30) == Array(0..<100))
        // Woken by the first item and by the hundredth (a spurious wake-up may add one), not by each push.
        #expect(q.consumerWakeupCount <= 3, "\(q.consumerWakeupCount) wake-ups")
    }

    @Test("a full queue ends a consumer's linger at once")
    func fullQueueEndsLinger() {
        let q = BoundedQueue<Int>(capacity: 10)
        let pop = BackgroundPop(q, max: 400, linger: 60)
        for i in 0..<10 { #expect(q.tryPush(i)) }
        #expect(!q.tryPush(10))  // full: the consumer stops waiting for 100 items that cannot come
        #expect(pop.result(within: 30) == Array(0..<10))
    }
}
