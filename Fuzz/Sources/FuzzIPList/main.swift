// Fuzzes the IP-list parser of ActivityEnrich (one address or CIDR per line, comments), the range set it builds,
// and the ActivityModel address/CIDR parsers it rests on.
import ActivityModel
import ActivityIPList

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: start, count: count)
    let parser = IPListParser(maxReportedBadLines: 5)
    let fromBytes = parser.parse(bytes: raw)
    let text = String(decoding: raw, as: UTF8.self)
    let fromText = parser.parse(text)
    // Bytes and text must agree when the input is valid UTF-8 (the loader uses the byte path).
    if text.utf8.elementsEqual(raw), fromBytes != fromText {
        fatalError("parse(bytes:) and parse(_:) disagree")
    }
    _ = fromBytes.badLines.map(\.description)

    // Every line as an address and as a CIDR. A line that is a valid CIDR by itself is a valid list entry, so
    // the parsed set must contain its base address. (No set is built here: each build costs a fixed 64K-entry
    // IPv4 index, which would dominate the run time.)
    for line in text.split(separator: "\n").prefix(64) {
        if let a = IPAddress(line) { _ = a.description }
        if let c = CIDR(line) {
            _ = c.description
            // `#` starts a comment and spaces separate words in a list, so only plain lines must match.
            let plain = !line.utf8.contains { $0 == UInt8(ascii: "#") || $0 <= 0x20 }
            if plain, !fromBytes.ranges.contains(c.address) {
                fatalError("list parsed from \"\(line)\" misses \(c.address)")
            }
        }
    }
    return 0
}
