import Crypto
import Foundation
import ActivityModel
import ActivityStore
import ActivityTestSupport

#if canImport(Glibc)
import Glibc
#endif

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

var binDir: URL {
    if let d = ProcessInfo.processInfo.environment["ACTIVITYD_BIN_DIR"] { return URL(fileURLWithPath: d) }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}

/// Runs a built tool and returns (exit status, stdout, stderr).
@discardableResult
func runTool(_ name: String, _ args: [String], stdin: String? = nil, absolute: Bool = false) throws -> (
    Int32, String, String
) {
    let p = Process()
    p.executableURL = absolute ? URL(fileURLWithPath: name) : binDir.appendingPathComponent(name)
    p.arguments = args
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
    try inp.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

func t(_ rfc3339: String) -> Timestamp { Timestamp.parseRFC3339(rfc3339[...], defaultOffsetSeconds: 0)! }

/// The store every web test reads: written by the real SegmentWriter, several sealed segments, two
/// accounts (acme, globex) and events without one, hostile strings in user names, devices and order cells.
enum WebFixture {
    static let scriptUser = "<script>alert(1)</script>"

    static func events() -> [ActivityEvent] {
        var out: [ActivityEvent] = []
        func ev(
            _ time: String, _ cat: EventCategory, _ action: String, _ outcome: Outcome = .success, user: String?,
            account: String?,
            ip: String? = nil, entry: String? = nil, device: String? = nil, country: String? = nil, city: String? = nil,
            _ tweak: (inout ActivityEvent) -> Void = { _ in }
        ) {
            var e = ActivityEvent(
                time: t(time), category: cat, action: Action(rawValue: action), outcome: outcome, user: user)
            e.account = account
            e.ip = ip.flatMap(IPAddress.init)
            e.entry = entry
            e.device = device
            if country != nil || city != nil {
                var g = Geo()
                g.country = country
                g.city = city
                e.geo = g
            }
            tweak(&e)
            out.append(e)
        }
        ev(
            "2026-11-02T08:01:00Z", .login, "login", user: "alice", account: "acme", ip: "81.2.69.160", entry: "web",
            device: "iPhone 15", country: "GB", city: "London")
        ev("2026-11-02T08:45:00Z", .activity, "order_placed", user: "alice", account: "acme", ip: "81.2.69.160") { e in
            var c = Commerce(); c.order = "O-1001"; c.amount = "19.99"; c.currency = "EUR"; e.commerce = c
        }
        ev("2026-11-02T09:10:00Z", .login, "logout", user: "alice", account: "acme", ip: "81.2.69.160")
        ev(
            "2026-11-03T07:55:00Z", .login, "login", user: "alice", account: "acme", ip: "203.0.113.9", entry: "web",
            device: "Firefox", country: "US", city: "Boston"
        ) { e in
            e.net = NetFlags(vpn: true, lists: ["dev-vpn"])
            e.risk = [.assessed, .newCountry]
            e.attrs = ["risk_why": "first login from US (before: GB)"]
        }
        ev(
            "2026-11-03T10:00:00Z", .login, "login", user: scriptUser, account: "acme", ip: "81.2.69.161", entry: "web",
            device: "<img src=x onerror=alert(2)>")
        for m in 1...6 {
            ev(
                "2026-11-05T12:0\(m):00Z", .login, "login_failed", .failure, user: "carol", account: "acme",
                ip: "198.51.100.7", entry: "web"
            ) { e in e.reason = "invalid_password" }
        }
        ev(
            "2026-11-05T12:07:00Z", .login, "login", user: "carol", account: "acme", ip: "198.51.100.7", entry: "web",
            device: "Firefox")
        ev(
            "2026-11-04T10:00:00Z", .login, "login", user: "bob", account: "globex", ip: "89.160.20.115",
            entry: "mobile", device: "Android", country: "SE", city: "Linköping")
        ev("2026-11-06T09:00:00Z", .activity, "refund_issued", user: "bob", account: "globex") { e in
            var c = Commerce(); c.order = "=HYPERLINK(\"http://x\")"; c.amount = "-5.00"; c.currency = "USD";
            e.commerce = c
            e.comment = "globex-secret-comment"
        }
        ev("2026-11-06T09:30:00Z", .admin, "plan_extended", user: "bob", account: "globex") { e in
            e.actor = "support.kim"; e.actorRole = "support"
        }
        ev(
            "2026-09-01T09:00:00Z", .login, "login", user: "dave", account: nil, ip: "81.2.69.170", entry: "ssh",
            device: "pts/0")
        // Many small activity events, so pages have more than one page and the store several segments.
        for i in 0..<150 {
            ev("2026-11-07T10:00:00Z", .activity, "page_viewed", user: "alice", account: "acme") { e in
                e.time = Timestamp(nanoseconds: e.time.nanoseconds + Int64(i) * 60_000_000_000)
                e.comment = "view \(i) " + String(repeating: "x", count: 200)
            }
        }
        return out
    }

    static func writeStore(_ dir: String) throws {
        var options = StoreOptions()
        options.segmentMaxBytes = 8 * 1024
        let w = try SegmentWriter(dataDirectory: dir, options: options, host: "test")
        let evs = events()
        var i = 0
        while i < evs.count {
            let n = min(7, evs.count - i)
            try w.append(Array(evs[i..<(i + n)]))
            i += n
        }
        try w.close()
    }

    /// Passwords are the user names with "-pw"; the token is "portal-token".
    static let principals: [(name: String, roles: [String], accounts: [String])] = [
        ("sec", ["security"], []),
        ("act", ["activity"], []),
        ("adm", ["admin"], []),
        ("acme", ["security", "activity"], ["acme"]),
    ]

    /// A data directory with the store, and a configuration with the principals (bcrypt cost 4: fast tests).
    static func make(_ name: String, extraWeb: String = "") throws -> (dir: String, config: String) {
        let dir = TestScratch.directory("web-\(name)")
        try writeStore(dir + "/data")
        var toml = "data_dir = \"\(dir)/data\"\n[web]\nlisten = \"127.0.0.1:0\"\n\(extraWeb)\n"
        for p in principals {
            let (status, hash, err) = try runTool(
                "activity-web", ["--hash-password", "--bcrypt-cost", "4"], stdin: p.name + "-pw\n")
            guard status == 0 else { throw TestFailure("hash-password: \(err)") }
            toml +=
                "[[web.user]]\nname = \"\(p.name)\"\nbcrypt = \"\(hash.trimmingCharacters(in: .whitespacesAndNewlines))\"\n"
            toml += "roles = [\(p.roles.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            if !p.accounts.isEmpty {
                toml += "accounts = [\(p.accounts.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            }
        }
        let tokenHash = sha256Hex("portal-token")
        toml +=
            "[[web.token]]\nname = \"portal\"\nsha256 = \"\(tokenHash)\"\nroles = [\"security\"]\naccounts = [\"acme\"]\n"
        let config = dir + "/activityd.toml"
        try toml.write(toFile: config, atomically: true, encoding: .utf8)
        return (dir, config)
    }

    static func sha256Hex(_ s: String) -> String {
        SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The running activity-web binary.
final class LogBuffer: @unchecked Sendable {
    // @unchecked Sendable: `text` is guarded by `lock`.
    private let lock = NSLock()
    private var buffer = ""
    func append(_ s: String) { lock.withLock { buffer += s } }
    var text: String { lock.withLock { buffer } }
}

final class WebProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let errText = LogBuffer()

    init(config: String, extraArgs: [String] = []) throws {
        process.executableURL = binDir.appendingPathComponent("activity-web")
        process.arguments = ["--config", config, "--listen", "127.0.0.1:0", "--log-level", "notice"] + extraArgs
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        err.fileHandleForReading.readabilityHandler = { [errText] h in
            let d = h.availableData
            guard !d.isEmpty else { return }
            errText.append(String(decoding: d, as: UTF8.self))
        }
        try process.run()
        // The first stdout line says where it listens.
        var line = ""
        let h = out.fileHandleForReading
        while !line.hasSuffix("\n") {
            let d = h.readData(ofLength: 1)
            if d.isEmpty { throw TestFailure("activity-web exited before listening: \(errText.text)") }
            line += String(decoding: d, as: UTF8.self)
        }
        guard let r = line.range(of: "://127.0.0.1:"), let p = Int(line[r.upperBound...].prefix { $0.isNumber }) else {
            throw TestFailure("no listening line: \(line)")
        }
        port = p
    }

    var log: String { errText.text }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct HTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    func json() throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return o
    }
}

/// A minimal HTTP/1.1 client over a loopback socket (one request per connection).
func http(_ port: Int, _ path: String, headers: [String: String] = [:]) throws -> HTTPResponse {
    try http(port, "GET", path, headers: headers, body: nil)
}

func http(_ port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) throws
    -> HTTPResponse
{
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket") }
    defer { close(fd) }
    var tv = timeval(tv_sec: 60, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let rc = withLoopbackAddress(port: port) { connect(fd, $0, $1) }
    guard rc == 0 else { throw TestFailure("connect to \(port): errno \(errno)") }
    var req = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    for (k, v) in headers { req += "\(k): \(v)\r\n" }
    if let body { req += "Content-Length: \(body.utf8.count)\r\n" }
    req += "\r\n" + (body ?? "")
    let bytes = Array(req.utf8)
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { throw TestFailure("write") }
        off += n
    }
    var all: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buf, buf.count)
        if n < 0 { throw TestFailure("read: errno \(errno)") }
        if n == 0 { break }
        all += buf[0..<n]
    }
    guard let split = all.firstRange(of: Array("\r\n\r\n".utf8)) else {
        throw TestFailure("no header end: \(String(decoding: all, as: UTF8.self))")
    }
    let head = String(decoding: all[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    guard let status = Int(head[0].split(separator: " ")[1]) else { throw TestFailure("status line \(head[0])") }
    let hs = head.dropFirst().compactMap { l -> (String, String)? in
        guard let c = l.firstIndex(of: ":") else { return nil }
        return (String(l[..<c]), l[l.index(after: c)...].trimmingCharacters(in: .whitespaces))
    }
    var body = Array(all[split.upperBound...])
    if hs.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            guard let le = body[i...].firstRange(of: Array("\r\n".utf8)) else { break }
            let size =
                Int(String(decoding: body[i..<le.lowerBound], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
            if size == 0 { break }
            out += body[le.upperBound..<(le.upperBound + size)]
            i = le.upperBound + size + 2
        }
        body = out
    }
    return HTTPResponse(status: status, headers: hs, body: body)
}

func basic(_ user: String, _ password: String? = nil) -> [String: String] {
    ["Authorization": "Basic " + Data("\(user):\(password ?? user + "-pw")".utf8).base64EncodedString()]
}
