import ActivityTestSupport
import Testing

@testable import ActivityModel
@testable import ActivityPipeline

/// The bounded tables drop their older half by the median time, found by selection rather than a sort.
@Suite("eviction of the bounded tables")
struct EvictionTests {
    @Test func selectionFindsWhatSortingWould() {
        var random = SeededRandom(seed: 21)
        var shapes: [[Int64]] = [
            [7], [3, 1], [1, 2, 3, 4, 5, 6, 7, 8], Array((0..<1000).reversed()).map(Int64.init),
            Array(repeating: 5, count: 300), (0..<500).map { Int64($0 % 3) },
        ]
        for _ in 0..<200 {
            let count = Int.random(in: 1...600, using: &random)
            let spread = Int64.random(in: 1...1_000_000, using: &random)
            shapes.append((0..<count).map { _ in Int64.random(in: 0..<spread, using: &random) })
        }
        for values in shapes {
            let sorted = values.sorted()
            for n in Set([0, values.count / 2, values.count - 1, Int.random(in: 0..<values.count, using: &random)]) {
                var scratch = values
                #expect(NormalizerState.selectNth(&scratch, n) == sorted[n], "n=\(n) of \(values.count)")
                #expect(scratch.sorted() == sorted)  // reordered, nothing lost
            }
        }
    }

    @Test func evictionKeepsTheNewerHalf() {
        var table: [Int: Timestamp] = [:]
        var random = SeededRandom(seed: 7)
        for key in 0..<4096 { table[key] = Timestamp(nanoseconds: Int64.random(in: 0..<1_000_000, using: &random)) }
        let median = table.values.map(\.nanoseconds).sorted()[2048]
        let expected = table.filter { $0.value.nanoseconds > median }
        NormalizerState.evictOldest(&table) { $0 }
        #expect(table == expected)
        #expect(table.count <= 2048)
    }
}
