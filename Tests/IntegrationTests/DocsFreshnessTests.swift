import Testing
import Foundation

/// The committed man page and shell completions must be what `scripts/gen-docs.sh` makes from the current
/// argument parser, so they never go stale: each is regenerated from the built binaries and compared.
@Suite("generated docs are up to date")
struct DocsFreshnessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// swift-argument-parser's man page generator, built by `swift build --product generate-manual`
    /// (scripts/gen-docs.sh and scripts/test.sh do) into the same directory as activityctl.
    static let generateManual = DaemonProcess.binDir.appendingPathComponent("generate-manual").path
    static let staleHint = "stale generated docs: run scripts/gen-docs.sh and commit the result"

    @Test("contrib/completions/activityctl.<shell> is what activityctl generates", arguments: ["bash", "zsh", "fish"])
    func completions(_ shell: String) throws {
        let (status, script, err) = try runActivityctl(["--generate-completion-script", shell])
        #expect(status == 0, "\(err)")
        let committed = Self.root.appendingPathComponent("contrib/completions/activityctl.\(shell)")
        try expectSame(committed: committed, generated: script)
    }

    @Test(
        "docs/man's pages are what generate-manual makes of each executable (ignoring the date)",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: generateManual),
            "needs generate-manual: swift build --product generate-manual"),
        arguments: [("activityctl", 1), ("activityd", 8), ("activity-web", 8)])
    func manPage(_ tool: String, _ section: Int) throws {
        let out = DaemonProcess.temporaryDirectory("man")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.generateManual)
        p.arguments = [
            DaemonProcess.binDir.appendingPathComponent(tool).path, "--section", String(section), "--output-directory",
            out,
        ]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let generated = String(
            decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/\(tool).\(section)")), as: UTF8.self)
        try expectSame(
            committed: Self.root.appendingPathComponent("docs/man/\(tool).\(section)"), generated: generated,
            normalize: Self.withoutDate)
    }

    /// The page with its `.Dd <date>` line (the day it was generated) blanked out.
    static func withoutDate(_ page: String) -> String {
        page.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".Dd ") ? ".Dd" : $0 }
            .joined(separator: "\n")
    }

    func expectSame(
        committed: URL, generated: String, normalize: (String) -> String = { $0 },
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        guard let data = FileManager.default.contents(atPath: committed.path) else {
            Issue.record("\(committed.path) is missing; \(Self.staleHint)", sourceLocation: sourceLocation)
            return
        }
        let expected = normalize(String(decoding: data, as: UTF8.self))
        let actual = normalize(generated)
        guard expected != actual else { return }
        let tmp = DaemonProcess.temporaryDirectory("docs") + "/expected"
        try expected.write(toFile: tmp, atomically: true, encoding: .utf8)
        Issue.record(
            "\(committed.lastPathComponent) differs; \(Self.staleHint)\n\(unifiedDiff(expected: tmp, actual: actual))",
            sourceLocation: sourceLocation)
    }
}
