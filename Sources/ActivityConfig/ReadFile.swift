#if canImport(Glibc)
import Glibc
#endif

struct ReadError: Error, CustomStringConvertible {
    var description: String
}

/// Reads a whole text file (UTF-8).
func readTextFile(_ path: String) throws -> String {
    guard let f = fopen(path, "rb") else {
        throw ReadError(description: String(validatingCString: strerror(errno)) ?? "errno \(errno)")
    }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n > 0 { out += buf[0..<n] }
        if n < buf.count { break }
        if out.count > 16 * 1024 * 1024 { throw ReadError(description: "larger than 16 MiB") }
    }
    guard let s = String(validating: out, as: UTF8.self) else { throw ReadError(description: "not valid UTF-8") }
    return s
}
