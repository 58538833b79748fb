import Foundation

/// Scratch directories for tests, all under one directory per test process that is removed when the process
/// exits, so test runs do not pile up directories in /tmp (they did: over a thousand after a few days of
/// runs). `ACTIVITYD_KEEP_TEST_DIRS=1` keeps them for a post-mortem; the path is printed then.
public enum TestScratch {
    /// `$TMPDIR/activityd-tests-<pid>-<random>`, created on first use.
    public static let root: String = {
        let dir = NSTemporaryDirectory() + "activityd-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        owner = getpid()
        if ProcessInfo.processInfo.environment["ACTIVITYD_KEEP_TEST_DIRS"] == "1" {
            FileHandle.standardError.write(Data("test scratch directories kept in \(dir)\n".utf8))
        } else {
            atexit { TestScratch.removeRoot() }
        }
        return dir
    }()

    /// The process that made `root` (an exit test's child process makes and removes its own).
    nonisolated(unsafe) private static var owner: pid_t = 0

    /// A fresh directory `<root>/<name>-<the first 12 characters of a random UUID>` (short: notify sockets
    /// live in some, and a Unix socket path is limited to 107 bytes).
    public static func directory(_ name: String) -> String {
        let dir = root + "/" + name + "-" + UUID().uuidString.prefix(12)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private static func removeRoot() {
        guard getpid() == owner else { return }
        try? FileManager.default.removeItem(atPath: root)
    }
}
