import Foundation

/// Runs blocking work on a dedicated thread and lets async code await its end, so blocking file I/O and
/// condition waits never occupy the cooperative pool.
func runOnDedicatedThread(name: String, _ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
        let t = Thread {
            body()
            cont.resume()
        }
        t.name = name
        t.stackSize = 8 << 20
        t.start()
    }
}
