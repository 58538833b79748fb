import Foundation
import NIOCore

/// A bounded multi-producer queue drained in batches by one consumer thread.
///
/// Two producer policies, named as in Vector's `WhenFull`: ``tryPush(_:)`` drops the newest item when full
/// (UDP: the socket reader never waits) and ``push(_:)`` blocks until there is room (files and journald:
/// reading pauses). Never unbounded.
final class BoundedQueue<Element>: @unchecked Sendable {
    // @unchecked Sendable: every access to `items` and `closed` happens with `condition` locked.
    private let condition = NSCondition()
    /// A ring buffer: a taken item is released at once (an array with a moving head kept every taken batch,
    /// and the datagrams in it, alive until compaction: 42 MB above the queue's own bound under load).
    private var items = CircularBuffer<Element>()
    private var closed = false
    let capacity: Int
    /// A second bound on the summed `cost` of queued items (bytes, events...), so a queue of large items
    /// cannot hold unbounded memory.
    let maxCost: Int
    let cost: @Sendable (Element) -> Int
    private var totalCost = 0
    /// Waiting consumers, and the item count at which one of them wants to run: a push signals only when
    /// it reaches that count, so a consumer lingering for a fuller batch is not woken by every push to
    /// find the batch still small and sleep again (measured: ~10,000 futex wake-ups a second per queue
    /// under load, each a system call on the producer and a context switch on the consumer).
    private var consumersWaiting = 0
    private var wakeAt = Int.max
    private var producersWaiting = 0
    /// Set when a push found the queue full (refused or waiting), cleared when items are taken: a lingering
    /// consumer stops waiting for a fuller batch then, since none can come.
    private var full = false
    /// How many times a consumer came back from waiting (tests check that lingering is not woken per push).
    private var consumerWakeups = 0

    init(capacity: Int, maxCost: Int = .max, cost: @escaping @Sendable (Element) -> Int = { _ in 0 }) {
        self.capacity = max(1, capacity)
        self.maxCost = maxCost
        self.cost = cost
        items.reserveCapacity(min(capacity, 1 << 16))
    }

    private var count: Int { items.count }
    private func fits(_ c: Int) -> Bool { count < capacity && (count == 0 || totalCost + c <= maxCost) }

    /// Adds the item unless the queue is full or closed; false means it was dropped.
    func tryPush(_ e: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let c = cost(e)
        guard !closed, fits(c) else {
            if !closed { noteFull() }
            return false
        }
        items.append(e)
        totalCost += c
        wakeConsumer()
        return true
    }

    /// Adds the item, waiting while the queue is full. False if the queue was closed.
    @discardableResult
    func push(_ e: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let c = cost(e)
        while !closed && !fits(c) {
            noteFull()
            producersWaiting += 1
            condition.wait()
            producersWaiting -= 1
        }
        guard !closed else { return false }
        items.append(e)
        totalCost += c
        wakeConsumer()
        return true
    }

    /// With the lock held, when a push finds no room.
    private func noteFull() {
        full = true
        if consumersWaiting > 0 { condition.broadcast() }
    }

    /// With the lock held, after adding an item.
    private func wakeConsumer() {
        if consumersWaiting > 0 && count >= wakeAt { condition.broadcast() }
    }

    /// With the lock held: waits until `deadline` or until a push brings the queue to `threshold` items.
    private func wait(until deadline: Date, threshold: Int) -> Bool {
        consumersWaiting += 1
        wakeAt = min(wakeAt, threshold)
        let signalled = condition.wait(until: deadline)
        consumersWaiting -= 1
        if consumersWaiting == 0 { wakeAt = .max }
        consumerWakeups += 1
        return signalled
    }

    /// Takes up to `max` items, waiting up to `timeout` seconds for the first. Returns nil once the queue is
    /// closed and empty (the consumer's signal to finish).
    ///
    /// With `linger`, a small batch waits up to that long for more items (Kafka's `linger.ms`): at moderate
    /// rates this turns one wake-up per datagram into one per few hundred, for at most `linger` of latency.
    ///
    /// With `maxCost`, the batch stops once its items cost that much (it always holds at least one): what a
    /// consumer holds outside the queue's own bound stays bounded too.
    func popBatch(max: Int, maxCost: Int = .max, timeout: Double, linger: Double = 0) -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        if count == 0 && !closed {
            _ = wait(until: Date(timeIntervalSinceNow: timeout), threshold: 1)
        }
        if linger > 0 && count > 0 && count < max / 4 && !closed {
            let deadline = Date(timeIntervalSinceNow: linger)
            while count < max / 4 && !full && !closed && wait(until: deadline, threshold: max / 4) {}
        }
        if count == 0 { return closed ? nil : [] }
        var batch: [Element] = []
        var taken = 0
        while batch.count < max, !items.isEmpty, batch.isEmpty || taken < maxCost {
            let e = items.removeFirst()
            taken += cost(e)
            batch.append(e)
        }
        totalCost -= taken
        full = false
        if producersWaiting > 0 { condition.broadcast() }
        return batch
    }

    /// No more pushes; the consumer drains what is left and then gets nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Test aids: consumers waiting now, and how many times consumers came back from waiting.
    var waitingConsumerCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return consumersWaiting
    }

    var consumerWakeupCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return consumerWakeups
    }

    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }
}
