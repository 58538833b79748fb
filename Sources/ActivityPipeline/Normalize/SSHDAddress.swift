import ActivityModel

/// Where an sshd message names the remote end, read so that attacker-controlled text cannot move it.
///
/// A user name is the client's text: `ssh 'x from 10.0.0.1 port 1 ssh2'@host` makes sshd log
/// `Failed password for invalid user x from 10.0.0.1 port 1 ssh2 from 203.0.113.9 port 40000 ssh2`. The
/// address sshd adds itself is always the *last* element of the line, after the user name, so these
/// readers take it from the end and give the user name as everything between the message's fixed prefix
/// and that address, spaces, addresses and keywords included. Two readers:
///
/// - ``SSHDAddress/trailingFrom(_:userStart:)``: `… USER from ADDR[ port N][ ssh2|ssh1][ [preauth]]` at
///   the end of the line (`Failed password …`, `Invalid user …`, `maximum authentication attempts …`).
/// - ``SSHDAddress/trailingBare(_:userStart:)``: `… USER ADDR port N[ [preauth]]` at the end of the line
///   (`Connection closed by authenticating user …`, `Disconnected from user …`).
///
/// Lines that carry key information after the address (`Accepted publickey … ssh2: ED25519 SHA256:…`,
/// `Failed hostbased … ssh2: RSA …, client user "…", client host "…"`) are read by
/// ``SSHDAddress/withKeyInfo(_:userStart:method:)``: the first ` from ADDR port N ssh2: ` whose key
/// information has the exact layout OpenSSH prints for the method. The key part can also hold client text
/// (a certificate's ID, hostbased's client user); an address planted there follows the real one and is
/// never read. The one ambiguity left: a user name that imitates a whole address-and-key-information
/// prefix, sent together with a certificate (see docs/normalization.md).
struct SSHDAddress {
    /// Where the user name ends (exclusive): the space before ` from ` or before the address.
    var userEnd: Int
    var ip: IPAddress?
    /// The address text when it is not an IP address (a host name, with `UseDNS yes` on old sshd).
    var host: String?
    var port: UInt16?
    /// Where the key information starts (after `ssh2: `), when the line has some.
    var infoStart: Int?

    /// `ADDR` as sshd prints it: an IPv4-mapped IPv6 address is read as its IPv4 address.
    static func address(_ line: ByteView, _ from: Int, _ to: Int) -> (IPAddress?, String?) {
        guard from < to else { return (nil, nil) }
        if let ip = IPAddress(UnsafeBufferPointer(rebasing: line.base[from..<to])) { return (ip.unmapped, nil) }
        return (nil, line.string(from, to))
    }

    /// Drops trailing spaces and one ` [preauth]` from `end`.
    static func trimSuffix(_ line: ByteView, _ end: Int) -> Int {
        var e = end
        while e > line.i, line.base[e - 1] == 0x20 { e -= 1 }
        if line.matches(" [preauth]", at: e - 10) { e -= 10 }
        while e > line.i, line.base[e - 1] == 0x20 { e -= 1 }
        return e
    }

    /// ` port N` ending at `end`: (the port, where ` port` starts).
    static func trailingPort(_ line: ByteView, _ end: Int, lowerBound: Int) -> (UInt16, Int)? {
        var d = end
        while d > lowerBound, line.base[d - 1] >= 0x30, line.base[d - 1] <= 0x39 { d -= 1 }
        let digits = end - d
        guard digits > 0, digits <= 5, line.matches(" port ", at: d - 6) else { return nil }
        var v = 0
        for k in d..<end { v = v * 10 + Int(line.base[k] - 0x30) }
        guard v <= 65_535 else { return nil }
        return (UInt16(v), d - 6)
    }

    /// The start of the space-free word that ends at `end`.
    static func wordStart(_ line: ByteView, _ end: Int, lowerBound: Int) -> Int {
        var s = end
        while s > lowerBound, line.base[s - 1] != 0x20 { s -= 1 }
        return s
    }

    /// `USER from ADDR[ port N][ ssh2|ssh1][ [preauth]]`, anchored at the end of the line (or at `end`).
    static func trailingFrom(_ line: ByteView, userStart: Int, end: Int? = nil) -> SSHDAddress? {
        var e = trimSuffix(line, end ?? line.end)
        if line.matches(" ssh2", at: e - 5) || line.matches(" ssh1", at: e - 5) { e -= 5 }
        var port: UInt16?
        if let (p, at) = trailingPort(line, e, lowerBound: userStart) { port = p; e = at }
        let a = wordStart(line, e, lowerBound: userStart)
        guard a < e, line.matches(" from ", at: a - 6), a - 6 >= userStart - 1 else { return nil }
        let (ip, host) = address(line, a, e)
        // `Invalid user  from A` (an empty name): the space that ends the prefix is the one before `from`.
        return SSHDAddress(userEnd: max(a - 6, userStart), ip: ip, host: host, port: port)
    }

    /// `USER ADDR port N[ [preauth]]`, anchored at the end of the line (or at `end`).
    static func trailingBare(_ line: ByteView, userStart: Int, end: Int? = nil) -> SSHDAddress? {
        var e = trimSuffix(line, end ?? line.end)
        var port: UInt16?
        if let (p, at) = trailingPort(line, e, lowerBound: userStart) { port = p; e = at }
        let a = wordStart(line, e, lowerBound: userStart)
        guard a < e, a - 1 >= userStart - 1, a > 0, line.base[a - 1] == 0x20 else { return nil }
        let (ip, host) = address(line, a, e)
        guard ip != nil || port != nil else { return nil }
        return SSHDAddress(userEnd: max(a - 1, userStart), ip: ip, host: host, port: port)
    }

    /// `USER from ADDR port N ssh2: KEYINFO` for the methods whose lines carry key information
    /// (`publickey`, `hostbased`); falls back to ``trailingFrom(_:userStart:end:)`` without it.
    static func withKeyInfo(_ line: ByteView, userStart: Int, method: String) -> SSHDAddress? {
        var at = userStart - 1
        // What the certificate and hostbased layouts look for at the end of the line, found once and only when a
        // candidate needs it (plain `TYPE FP` lines, the common case, never do): a forged line with thousands of
        // candidates costs one pass over it, not one per candidate.
        var tails: KeyInfoTails?
        while let f = line.find(" from ", from: max(at, 0)) {
            at = f + 1
            let a = f + 6
            guard let sp = line.find(byte: 0x20, from: a) else { break }
            guard sp > a else { continue }
            var c = ByteView(line.base, from: sp)
            guard c.skip(" port "), let p = c.int(), p <= 65_535, c.skip(" ssh2: ") || c.skip(" ssh1: ") else {
                continue
            }
            guard isKeyInfo(c, method: method, tails: &tails, line: line) else { continue }
            let (ip, host) = address(line, a, sp)
            return SSHDAddress(userEnd: max(f, userStart), ip: ip, host: host, port: UInt16(p), infoStart: c.i)
        }
        return trailingFrom(line, userStart: userStart)
    }

    /// OpenSSH's key information: `TYPE FP`, `TYPE FP ID KEYID (serial N) CA TYPE FP` (certificates), and for
    /// hostbased `TYPE FP, client user "U", client host "H"`. TYPE is an upper-case key type name (`RSA`,
    /// `ED25519-CERT`, `ECDSA-SK`), FP a fingerprint (`SHA256:…`, `MD5:…` or colon-separated hex).
    static func isKeyInfo(_ view: ByteView, method: String, tails found: inout KeyInfoTails?, line: ByteView) -> Bool {
        var c = view
        guard isKeyType(&c), c.skip(byte: 0x20) else { return false }
        let fpStart = c.i
        while let b = c.peek(), b != 0x20, b != UInt8(ascii: ",") { c.i += 1 }
        guard c.i > fpStart else { return false }
        // An optional trailing `, …` from old hostbased-like forms is not part of publickey lines.
        if method != "hostbased" && c.atEnd { return true }
        let tails = found ?? KeyInfoTails(line)
        found = tails
        if method == "hostbased" {
            return c.skip(", client user \"") && tails.endsWithQuote && (tails.clientHost.map { $0 >= c.i } ?? false)
        }
        guard c.skip(" ID ") else { return false }
        // The certificate ends with `(serial N) CA TYPE FP`: read it from the end.
        guard let ca = tails.ca, ca >= c.i, let serial = tails.serial, serial >= c.i, serial < ca else { return false }
        var tail = ByteView(c.base, from: ca + 4)
        guard isKeyType(&tail), tail.skip(byte: 0x20) else { return false }
        while let b = tail.peek(), b != 0x20 { tail.i += 1 }
        return tail.atEnd
    }

    /// The last ` CA `, ` (serial ` and `", client host "` of a line, and whether it ends with a quote.
    struct KeyInfoTails {
        let ca: Int?
        let serial: Int?
        let clientHost: Int?
        let endsWithQuote: Bool

        init(_ line: ByteView) {
            ca = line.findLast(" CA ")
            serial = line.findLast(" (serial ")
            clientHost = line.findLast("\", client host \"")
            endsWithQuote = line.hasSuffix("\"")
        }
    }

    static func isKeyType(_ c: inout ByteView) -> Bool {
        let s = c.i
        while let b = c.peek(),
            (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-")
        {
            c.i += 1
        }
        return c.i > s && c.i - s <= 24
    }

}
