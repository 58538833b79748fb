// Fuzzes configuration parsing: TOML (TOMLKit) → typed, validated DaemonConfiguration. Errors are fine; crashes
// and hangs are not.
//
// Known third-party bugs, worked around here so the fuzzer can get past them (see Fuzz/README.md):
// - toml++ 3.4.0 (vendored by TOMLKit 0.6.0) calls parse_key() on a table header whose key starts with a character
//   that is neither a bare-key character nor a quote (`[&`, `[.a]`, `[[[1]]]`): an assertion in debug builds,
//   undefined behaviour (TOML_ASSUME) in release builds. marzer/tomlplusplus#294, fixed by #301. Such inputs are
//   skipped (FailCases/FuzzConfig keeps one, so the replay checks the filter still covers it).
// - TOMLKit 0.6.0 never frees a parsed document (TOMLTable has no deinit) nor its error buffer: LeakSanitizer
//   reports are suppressed for TOMLKit frames only (Fuzz/lsan.supp).
import ActivityModel
import ActivityConfig

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: start, count: count)
    guard !hitsTableHeaderBug(raw) else { return -1 }  // -1: libFuzzer keeps it out of the corpus
    let text = String(decoding: raw, as: UTF8.self)
    do {
        let c = try DaemonConfiguration.parse(text, baseDirectory: "/etc/activityd")
        _ = c.hashValue
    } catch {
        _ = error.description
    }
    return 0
}

/// True when a line (after spaces/tabs) starts `[` or `[[`, then spaces/tabs, then a byte that cannot start a key
/// (the input class of marzer/tomlplusplus#294). Conservative: it also skips some valid documents (a line inside a
/// multi-line array or string that starts with `[`), which only costs a little coverage.
func hitsTableHeaderBug(_ b: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    let n = b.count
    func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    while i < n {
        while i < n, isBlank(b[i]) { i += 1 }
        if i < n, b[i] == UInt8(ascii: "[") {
            i += 1
            if i < n, b[i] == UInt8(ascii: "[") { i += 1 }
            while i < n, isBlank(b[i]) { i += 1 }
            if i < n {
                let c = b[i]
                let startsKey =
                    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                    || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "\"")
                    || c == UInt8(ascii: "'")
                    || c == UInt8(ascii: "]")  // `[]`: toml++ rejects blank keys itself; a newline is not fine
                if !startsKey { return true }
            }
        }
        while i < n, b[i] != 0x0A { i += 1 }
        i += 1
    }
    return false
}
