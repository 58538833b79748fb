import Foundation

/// The `.mmdb` test fixtures (shared by the MaxMindDB, ActivityEnrich and integration tests), written once per test process by `Tests/Fixtures/mmdb/make-fixtures.pl` (needs
/// `libmaxmind-db-writer-perl`) into a temporary directory. Nothing outside the repository is read.
public enum MMDBFixtures {
    /// The directory holding the fixtures; `nil` with a message when they could not be made.
    public static let directory: Result<String, FixtureError> = make()

    public struct FixtureError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func path(_ name: String) throws -> String {
        try directory.get() + "/" + name
    }

    /// Tests/Fixtures/mmdb/make-fixtures.pl, found from this file's path (Sources/ActivityTestSupport/).
    public static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures/mmdb/make-fixtures.pl").path
    }

    private static func make() -> Result<String, FixtureError> {
        make(into: URL(fileURLWithPath: TestScratch.directory("mmdb")))
    }

    /// Writes a fresh set of fixtures into `dir` (tests that replace or corrupt files need their own copy).
    public static func make(into dir: URL) -> Result<String, FixtureError> {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["perl", scriptPath, dir.path]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                return .failure(
                    FixtureError(
                        description: "make-fixtures.pl failed (apt-get install -y libmaxmind-db-writer-perl?): \(msg)"))
            }
            return .success(dir.path)
        } catch {
            return .failure(FixtureError(description: "cannot run make-fixtures.pl: \(error)"))
        }
    }

    /// A scratch file path in a fresh temporary directory.
    public static func scratchFile(_ name: String) throws -> String {
        TestScratch.directory("mmdb-scratch") + "/" + name
    }
}
