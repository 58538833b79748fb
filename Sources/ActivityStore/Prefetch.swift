import ActivityModel
import Dispatch
import Synchronization

/// The events of a ``FrameWalk`` decoded on a second thread ahead of the consumer
/// (``StoreReader/read(_:prefetch:)`` with `prefetch`). Iterate it once.
final class PrefetchedEvents {
    /// The hand-over between the decoding thread and the consumer: a bounded FIFO of frames' events.
    final class Channel: Sendable {
        let free: DispatchSemaphore
        let ready = DispatchSemaphore(value: 0)
        /// Each hand-over: some frames' events, and whether they are the last.
        let batches = Mutex<[(frames: [[ActivityEvent]], last: Bool)]>([])
        let cancelled = Atomic<Bool>(false)
        /// Frames the consumer is done with, handed back so the decoding thread frees them: the events'
        /// storage was allocated there, and freeing it from the consumer made both threads fight over the
        /// allocator's arena lock (measured: a report 40 % slower, a tenth of it in futex calls).
        let consumed = Mutex<[[ActivityEvent]]>([])
        init(depth: Int) {
            // Made at 0 and signalled up to `depth`: libdispatch traps when a semaphore is freed with a value
            // below the one it was made with ("deallocated while in use"), which is where a read stopped
            // early (its limit, or a consumer that drops the iterator) leaves `free`.
            free = DispatchSemaphore(value: 0)
            for _ in 0..<depth { free.signal() }
        }
    }

    /// The lazy source moved to the decoding thread; only that thread touches it (and its reader) from then on.
    struct Source: @unchecked Sendable { var iterator: FrameWalk.Iterator }

    let channel: Channel
    /// The frames of the last hand-over not yet given to the consumer, and the next one to give.
    var frames: [[ActivityEvent]] = []
    var frameIndex = 0
    /// Frames the consumer is done with, to be given back to the decoding thread with the next request.
    var done: [[ActivityEvent]] = []
    var finished = false

    init(source: FrameWalk, depth: Int) {
        let channel = Channel(depth: depth)
        self.channel = channel
        let box = Source(iterator: source.makeIterator())
        let parallelism = source.parallelism
        DispatchQueue.global().async {
            var source = box
            while !channel.cancelled.load(ordering: .relaxed) {
                // Free what the consumer handed back, here, where it was allocated.
                let returned = channel.consumed.withLock { taken in
                    var out: [[ActivityEvent]] = []
                    swap(&out, &taken)
                    return out
                }
                PrefetchedEvents.release(returned, parallelism: parallelism)
                // Several frames per hand-over, moved rather than copied: one wake-up per ~1,000 events.
                var frames: [[ActivityEvent]] = []
                var events = 0
                var ended = false
                while events < 1024 {
                    guard let batch = source.iterator.nextBatch() else { ended = true; break }
                    events += batch.count
                    frames.append(batch)
                }
                channel.free.wait()
                channel.batches.withLock { $0.append((frames, ended)) }
                channel.ready.signal()
                if ended { return }
            }
        }
    }

    /// Frees `frames` (their events were handed back by the consumer) on up to `parallelism` threads, the calling
    /// one among them. Freeing a frame's events is a fifth of decoding it (callgrind, `--separate-threads`): done
    /// on the decoding thread alone, it ran while the other decoding threads waited for the next round.
    static func release(_ frames: consuming [[ActivityEvent]], parallelism: Int) {
        let n = frames.count
        guard parallelism > 1, n > 1 else { return }  // `frames` is freed here, on this thread
        let buffer = UnsafeMutableBufferPointer<[ActivityEvent]>.allocate(capacity: n)
        _ = buffer.initialize(fromContentsOf: frames)
        _ = consume frames  // each frame is now held by `buffer` alone
        let shared = SharedFrames(buffer: buffer)
        let threads = min(parallelism, n)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let lo = n * t / threads, hi = n * (t + 1) / threads
            (shared.buffer.baseAddress! + lo).deinitialize(count: hi - lo)
        }
        buffer.deallocate()
    }

    /// Frames being freed by ``release(_:parallelism:)``'s threads: each deinitializes its own range.
    private struct SharedFrames: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<[ActivityEvent]>
    }

    deinit {
        guard !finished else { return }
        // Stop the decoding thread: it may be waiting for a free slot.
        channel.cancelled.store(true, ordering: .relaxed)
        channel.free.signal()
    }

    /// The next frame's events, moved out to the consumer (``EventRead/Iterator`` hands them out one by one
    /// from its own storage: this class's stored properties cost a runtime exclusivity check per access, once
    /// per frame here rather than once per event). `consumed`, the consumer's previous frame, is taken to be
    /// given back to the decoding thread. Nil once the store is exhausted (then ``StoreReader/damage`` is
    /// complete).
    func nextFrame(handingBack consumed: inout [ActivityEvent]) -> [ActivityEvent]? {
        if !consumed.isEmpty {
            done.append(consumed)
            consumed = []
        }
        while true {
            if frameIndex < frames.count {
                var frame: [ActivityEvent] = []
                swap(&frame, &frames[frameIndex])  // moved out, so the consumer's copy is uniquely owned
                frameIndex += 1
                if frame.isEmpty { continue }
                return frame
            }
            if finished { return nil }
            if !done.isEmpty {
                let handBack = done
                done = []
                channel.consumed.withLock { $0.append(contentsOf: handBack) }
            }
            channel.ready.wait()
            let got = channel.batches.withLock { $0.removeFirst() }
            channel.free.signal()
            frames = got.frames
            frameIndex = 0
            finished = got.last
        }
    }
}
