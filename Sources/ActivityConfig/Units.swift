/// Parses sizes such as `64MiB`, `20GiB`, `512KB`, `1000` (bytes). Binary (KiB, MiB, GiB, TiB) and decimal
/// (KB, MB, GB, TB) suffixes; `K`/`M`/`G` alone are binary.
public func parseByteCount(_ text: String) -> Int? {
    let t = text.trimmingCharacters(in: " ")
    var digits = ""
    var rest = Substring(t)
    while let c = rest.first, c.isNumber || c == "." { digits.append(c); rest.removeFirst() }
    guard let value = Double(digits), value >= 0 else { return nil }
    let unit = rest.trimmingCharacters(in: " ").lowercased()
    let mult: Double
    switch unit {
    case "", "b": mult = 1
    case "k", "kib": mult = 1024
    case "m", "mib": mult = 1024 * 1024
    case "g", "gib": mult = 1024 * 1024 * 1024
    case "t", "tib": mult = 1024 * 1024 * 1024 * 1024
    case "kb": mult = 1e3
    case "mb": mult = 1e6
    case "gb": mult = 1e9
    case "tb": mult = 1e12
    default: return nil
    }
    let bytes = value * mult
    guard bytes < 9e18 else { return nil }
    return Int(bytes)
}

/// Parses durations such as `1h`, `30s`, `500ms`, `180d`, `2w`, `1h30m`; nanoseconds.
public func parseDuration(_ text: String) -> Int64? {
    let t = text.trimmingCharacters(in: " ").lowercased()
    guard !t.isEmpty else { return nil }
    var total: Double = 0
    var rest = Substring(t)
    while !rest.isEmpty {
        var digits = ""
        while let c = rest.first, c.isNumber || c == "." { digits.append(c); rest.removeFirst() }
        guard let v = Double(digits) else { return nil }
        var unit = ""
        while let c = rest.first, c.isLetter { unit.append(c); rest.removeFirst() }
        let mult: Double
        switch unit {
        case "ns": mult = 1
        case "us", "µs": mult = 1e3
        case "ms": mult = 1e6
        case "s", "sec", "": mult = 1e9
        case "m", "min": mult = 60e9
        case "h": mult = 3600e9
        case "d": mult = 86400e9
        case "w": mult = 7 * 86400e9
        default: return nil
        }
        total += v * mult
    }
    guard total < 9e18 else { return nil }
    return Int64(total)
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
