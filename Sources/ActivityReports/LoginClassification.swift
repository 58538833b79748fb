import ActivityModel

/// `events` sorted by `time`, ties kept in `seq` order: the order every report here expects.
///
/// The store hands events out in `seq` (arrival) order, which can differ from event time when sources lag or
/// clocks are skewed; sort first when a report needs true time order. O(n log n) time, one copy of the array.
public func timeOrdered(_ events: some Sequence<ActivityEvent>) -> [ActivityEvent] {
    events.sorted { a, b in a.time != b.time ? a.time < b.time : a.seq < b.seq }
}
