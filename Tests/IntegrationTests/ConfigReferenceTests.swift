import ActivityConfig
import Foundation
import Testing

/// The README's configuration reference is `DaemonConfiguration.keys`, the one table that also drives the
/// unknown-key warnings and `--check-config`: a key added, renamed or re-documented in one place and not the
/// other fails here.
@Suite("README configuration reference")
struct ConfigReferenceTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// A key as its README row: `| \`path\` | type | \`default\` | meaning |` (a `|` inside a cell escaped).
    static func row(_ k: ConfigKey) -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        return "| `\(k.path)` | \(cell(k.type)) | `\(cell(k.defaultValue))` | \(cell(k.summary)) |"
    }

    @Test("every key's row, in the key table's order, and no row for a key the daemon does not read")
    func readmeMatchesKeyTable() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "## Configuration reference"))
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.count
        let rows = lines[start..<end].filter { $0.hasPrefix("| `") }
        let want = DaemonConfiguration.keys.map(Self.row)
        let missing = want.filter { !rows.contains($0) }
        let extra = rows.filter { !want.contains($0) }
        #expect(missing.isEmpty, "README lacks (or words differently) these rows:\n\(missing.joined(separator: "\n"))")
        #expect(extra.isEmpty, "README has rows the key table does not:\n\(extra.joined(separator: "\n"))")
        #expect(missing.isEmpty && extra.isEmpty ? rows == want : true, "README rows are out of the key table's order")
    }
}
