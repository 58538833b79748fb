import ArgumentParser
import ActivityConfig
import ActivityModel
import ActivityReports
import ActivityDatagram
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask the daemon's check API whether a login should be allowed (POST /v1/check).",
        discussion: """
            Sends the login about to happen to `[api] listen` (from --config, else 127.0.0.1:58081) with the bearer \
            token from --token-file or $ACTIVITYD_API_TOKEN, and prints the verdict (allow, challenge or block by \
            the `[risk]` policy), the flags with their reasons, and what enrichment knows of the address. Exit \
            status: 0 for an answer (whatever the verdict), 1 when the API refused or could not be reached. \
            docs/openapi/check.yaml describes the API.

            Examples:
              ACTIVITYD_API_TOKEN=s3cret activityctl check --user ann --ip 203.0.113.7 --device iPhone
              activityctl check --config /etc/activityd/activityd.toml --token-file /etc/billing/token --user ann --ip 2001:db8::7 --json
            """
    )
    @Option(help: "The user about to log in.") var user: String
    @Option(help: "The address the login comes from.") var ip: String?
    @Option(help: "The device (user agent or name).") var device: String?
    @Option(help: "The account (required when the token is limited to accounts).") var account: String?
    @Option(
        help: "The API address (host:port, IPv6 in brackets); default: [api] listen of --config, else 127.0.0.1:58081.")
    var api: String?
    @Option(help: "Read api.listen from this configuration file.") var config: String?
    @Option(help: "A file holding the bearer token (default: $ACTIVITYD_API_TOKEN).") var tokenFile: String?
    @Flag(help: "Print the API's JSON answer (exact bytes to a file or pipe; escaped on a terminal).") var json = false

    func validate() throws {
        if let ip, IPAddress(ip) == nil { throw ValidationError("--ip: not an IPv4 or IPv6 address: \(ip)") }
    }

    func run() throws {
        var listen = api ?? "127.0.0.1:58081"
        if api == nil, let config {
            do { listen = try DaemonConfiguration.load(path: config).api.listen?.description ?? listen } catch {
                throw ValidationError("\(error)")
            }
        }
        guard let target = HostPort(listen), let addr = IPAddress(target.host) else {
            throw ValidationError("--api must be address:port, e.g. 127.0.0.1:58081 or [::1]:58081")
        }
        var token = ProcessInfo.processInfo.environment["ACTIVITYD_API_TOKEN"]
        if let tokenFile {
            guard let d = FileManager.default.contents(atPath: tokenFile) else {
                throw CLIError("cannot read \(tokenFile)")
            }
            token = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var body: [String: String] = ["user": user]
        if let ip { body["ip"] = ip }
        if let device { body["device"] = device }
        if let account { body["account"] = account }
        let payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let (status, answer) = try HTTPClient.post(
            path: "/v1/check", body: Array(payload), token: token, to: addr, port: UInt16(target.port))
        if json || status != 200 {
            // The answer quotes stored history (countries, devices): on a terminal it is escaped like all JSON.
            var out = Output()
            out.json(String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .newlines))
            out.flush()
            if status != 200 { throw ExitCode(1) }
            return
        }
        guard let o = try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any] else {
            throw CLIError("the API's answer is not a JSON object")
        }
        print("verdict: \(o["verdict"] as? String ?? "?")")
        let flags = o["flags"] as? [String] ?? []
        print("flags:   \(flags.isEmpty ? "none" : flags.joined(separator: ", "))")
        for why in o["why"] as? [String] ?? [] { print("why:     \(TerminalText.escaped(why))") }
        if let e = o["enrichment"] as? [String: Any], !e.isEmpty {
            var parts: [String] = []
            for k in ["country", "city", "asn", "as_org"] { if let v = e[k] { parts.append("\(k)=\(v)") } }
            for k in ["vpn", "proxy", "tor", "hosting"] where (e[k] as? Bool) == true { parts.append(k) }
            if let l = e["lists"] as? [String], !l.isEmpty { parts.append("lists=\(l.joined(separator: ","))") }
            print("address: \(TerminalText.escaped(parts.joined(separator: " ")))")
        }
        if let id = o["check_id"] as? String { print("check:   \(id)") }
    }
}

/// One HTTP/1.1 request over a TCP socket (`Connection: close`), enough for the check API on loopback.
enum HTTPClient {
    static func post(path: String, body: [UInt8], token: String?, to addr: IPAddress, port: UInt16) throws -> (
        Int, [UInt8]
    ) {
        let fd = socket(addr.isV4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: \(String(validatingCString: strerror(errno)) ?? "")") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = SocketAddressing.with(addr, port: port) { sa, len in connect(fd, sa, len) }
        guard rc == 0 else {
            throw CLIError(
                "cannot reach the check API at \(addr.isV4 ? "\(addr)" : "[\(addr)]"):\(port): \(String(validatingCString: strerror(errno)) ?? ""); is [api] listen set and activityd running?"
            )
        }
        var head =
            "POST \(path) HTTP/1.1\r\nHost: \(addr.isV4 ? "\(addr)" : "[\(addr)]"):\(port)\r\nContent-Type: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw CLIError("write: \(String(validatingCString: strerror(errno)) ?? "")") }
            sent += n
        }
        var response: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16 * 1024)
        while response.count < 4 * 1024 * 1024 {
            let n = read(fd, &buf, buf.count)
            if n < 0 { throw CLIError("read: \(String(validatingCString: strerror(errno)) ?? "")") }
            if n == 0 { break }
            response += buf[0..<n]
        }
        // `HTTP/1.1 200 OK` … blank line … body (the server sends Content-Length; the connection closes after).
        guard let split = response.indices.first(where: { response[$0...].starts(with: [13, 10, 13, 10]) }) else {
            throw CLIError("the check API sent no complete HTTP answer")
        }
        let statusLine = String(decoding: response[..<split].prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw CLIError("the check API sent no HTTP status")
        }
        return (status, Array(response[(split + 4)...]))
    }
}
