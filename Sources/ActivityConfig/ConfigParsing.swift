import ActivityModel
import ActivityStore
import Foundation
import TOMLKit
#if canImport(Glibc)
import Glibc
#endif

extension DaemonConfiguration {
    /// Reads and validates a configuration file.
    public static func load(path: String) throws(ConfigError) -> DaemonConfiguration {
        let text: String
        do {
            text = try readTextFile(path)
        } catch {
            throw ConfigError("", "cannot read the configuration: \(error)", file: path)
        }
        let base = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        do {
            return try parse(text, baseDirectory: base)
        } catch var e {
            e.file = path
            throw e
        }
    }

    /// Parses configuration text; relative paths are resolved against `baseDirectory`.
    public static func parse(_ text: String, baseDirectory: String = ".") throws(ConfigError) -> DaemonConfiguration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigError(
                "",
                "TOML syntax error at line \(e.source.begin.line), column \(e.source.begin.column): \(e.description)")
        } catch {
            throw ConfigError("", "TOML syntax error: \(error)")
        }
        var c = DaemonConfiguration()
        var r = TableReader(table: root, path: "", base: baseDirectory)
        if let v = try r.path("data_dir") { c.dataDir = v }
        if let t = try r.table("store") {
            var s = t
            if let v = try s.size("segment_max_bytes") { c.store.segmentMaxBytes = max(4096, v) }
            if let v = try s.duration("segment_max_age") { c.store.segmentMaxAge = v }
            if let v = try s.string("fsync") {
                guard let m = FsyncPolicy(rawValue: v) else {
                    throw ConfigError("store.fsync", "must be \"batch\", \"interval\" or \"rotation\", not \"\(v)\"")
                }
                c.store.fsync = m
            }
            if let v = try s.duration("fsync_interval") { c.store.fsyncInterval = max(1_000_000, v) }
            c.store.retainBytes = try s.size("retain_bytes")
            c.store.retainAge = try s.duration("retain_age")
            c.store.seal = try s.path("seal")
            c.unknownKeys += s.unknown()
        }
        if let input = try r.table("input") {
            var inp = input
            for var u in try inp.tables("udp") {
                var cfg = UDPInputConfiguration()
                if let v = try u.strings("listen") {
                    cfg.listen = try v.map { (a) throws(ConfigError) -> HostPort in
                        guard let hp = HostPort(a) else {
                            throw ConfigError(u.path + ".listen", "\"\(a)\" is not host:port (IPv6 as [addr]:port)")
                        }
                        return hp
                    }
                }
                if let v = try u.strings("allow") {
                    cfg.allow = try v.map { (s) throws(ConfigError) -> CIDR in
                        guard let c = CIDR(s[...]) else {
                            throw ConfigError(u.path + ".allow", "\"\(s)\" is not a CIDR or address")
                        }
                        return c
                    }
                }
                if let t = try u.table("keys") {
                    var k = t
                    for key in k.table.keys {
                        guard let p = try k.path(key) else { continue }
                        cfg.keys[key] = p
                    }
                }
                if let v = try u.size("receive_buffer") { cfg.receiveBufferBytes = v }
                if let v = try u.int("queue_capacity") { cfg.queueCapacity = max(16, v) }
                c.udp.append(cfg)
                c.unknownKeys += u.unknown()
            }
            for var f in try inp.tables("file") {
                var cfg = FileInputConfiguration()
                cfg.paths = try f.paths("paths") ?? []
                if cfg.paths.isEmpty { throw ConfigError(f.path + ".paths", "at least one path or glob is required") }
                if let v = try f.string("start_at") {
                    guard let start = FileStartPosition(rawValue: v) else {
                        throw ConfigError(f.path + ".start_at", "must be \"end\" or \"beginning\", not \"\(v)\"")
                    }
                    cfg.startAt = start
                }
                if let v = try f.string("format") {
                    guard let format = FileInputFormat(rawValue: v) else {
                        throw ConfigError(f.path + ".format", "must be \"syslog\" or \"audit\", not \"\(v)\"")
                    }
                    cfg.format = format
                }
                c.files.append(cfg)
                c.unknownKeys += f.unknown()
            }
            if var j = try inp.table("journald") {
                var cfg = JournaldConfiguration()
                cfg.enabled = try j.bool("enabled") ?? true
                cfg.directory = try j.path("directory")
                cfg.files = try j.paths("files") ?? []
                cfg.matches = try j.strings("matches") ?? []
                for m in cfg.matches where !m.contains("=") {
                    throw ConfigError(j.path + ".matches", "\"\(m)\" is not FIELD=value")
                }
                if cfg.enabled { c.journald = cfg }
                c.unknownKeys += j.unknown()
            }
            if var t = try inp.table("nats") {
                var cfg = NATSInputConfiguration()
                cfg.connection = try natsConnection(&t)
                if let v = try t.string("consumer") {
                    guard !v.isEmpty, v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                        throw ConfigError(t.keyPath("consumer"), "must be letters, digits, - and _")
                    }
                    cfg.consumer = v
                }
                if let v = try t.string("subjects") { cfg.subjects = v }
                if let v = try t.int("batch") { cfg.batch = min(4096, max(1, v)) }
                c.natsInput = cfg
                c.unknownKeys += t.unknown()
            }
            c.unknownKeys += inp.unknown()
        }
        if var fw = try r.table("forward") {
            if var t = try fw.table("nats") {
                var cfg = NATSForwardConfiguration()
                cfg.connection = try natsConnection(&t)
                cfg.hostID = try t.string("host_id") ?? ""
                if cfg.hostID.isEmpty {
                    // The host name up to its first dot: a subject token may not hold one.
                    var buf = [CChar](repeating: 0, count: 256)
                    _ = gethostname(&buf, 255)
                    let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    cfg.hostID = String(name.prefix { $0 != "." })
                }
                guard !cfg.hostID.isEmpty,
                    cfg.hostID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
                else {
                    throw ConfigError(
                        t.keyPath("host_id"),
                        "\"\(cfg.hostID)\" must be letters, digits, - and _ (it is a NATS subject token)")
                }
                cfg.subject = try t.string("subject") ?? "activity.\(cfg.hostID)"
                guard !cfg.subject.contains("*"), !cfg.subject.contains(">"), !cfg.subject.contains(" ") else {
                    throw ConfigError(t.keyPath("subject"), "must be a plain subject (no wildcards or spaces)")
                }
                cfg.retentionDropsUnforwarded = try t.bool("retention_drops_unforwarded") ?? false
                c.forwardNATS = cfg
                c.unknownKeys += t.unknown()
            }
            c.unknownKeys += fw.unknown()
        }
        if var e = try r.table("enrich") {
            if var g = try e.table("geoip") {
                c.geoip.city = try g.path("city")
                c.geoip.country = try g.path("country")
                c.geoip.asn = try g.path("asn")
                c.geoip.anonymous = try g.path("anonymous")
                c.geoip.indexIPv4 = try g.bool("index_ipv4") ?? false
                c.unknownKeys += g.unknown()
            }
            for var l in try e.tables("iplist") {
                guard let name = try l.string("name") else { throw ConfigError(l.path + ".name", "required") }
                guard let tag = try l.string("tag") else { throw ConfigError(l.path + ".tag", "required") }
                guard let p = try l.path("path") else { throw ConfigError(l.path + ".path", "required") }
                c.iplists.append(IPListConfiguration(name: name, tag: tag, path: p))
                c.unknownKeys += l.unknown()
            }
            c.unknownKeys += e.unknown()
        }
        if var m = try r.table("metrics") {
            if let v = try m.string("listen") {
                guard let hp = HostPort(v) else { throw ConfigError("metrics.listen", "\"\(v)\" is not host:port") }
                c.metrics.listen = hp
            }
            c.unknownKeys += m.unknown()
        }
        if var k = try r.table("risk") {
            func policyList(_ t: inout TableReader, _ key: String) throws(ConfigError) -> RiskFlags? {
                guard let v = try t.strings(key) else { return nil }
                var flags: RiskFlags = []
                for name in v {
                    guard let f = RiskFlags(name: name) else {
                        throw ConfigError(
                            t.keyPath(key),
                            "\"\(name)\" is not a risk flag (\(RiskPolicy.flagNames.joined(separator: ", ")))")
                    }
                    flags.insert(f)
                }
                return flags
            }
            c.risk.enabled = try k.bool("enabled") ?? true
            if let v = k.value("max_speed_kmh").map({ $0.double ?? $0.int.map(Double.init) }) {
                guard let v, v > 0 else { throw ConfigError("risk.max_speed_kmh", "must be a positive number") }
                c.risk.maxSpeedKmh = v
            }
            if let v = try k.int("burst_threshold") { c.risk.burstThreshold = max(1, v) }
            if let v = try k.duration("burst_window") { c.risk.burstWindow = v }
            if let v = try k.duration("checkpoint_interval") { c.risk.checkpointInterval = v }
            if let v = try k.int("max_users") { c.risk.maxUsers = max(1000, v) }
            if let v = try k.int("max_addresses") { c.risk.maxAddresses = max(1000, v) }
            if let v = try policyList(&k, "block") { c.risk.policy.block = v }
            if let v = try policyList(&k, "challenge") { c.risk.policy.challenge = v }
            if var accounts = try k.table("account") {
                for name in accounts.table.keys.sorted() {
                    guard var a = try accounts.table(name) else { continue }
                    var p = c.risk.policy
                    if let v = try policyList(&a, "block") { p.block = v }
                    if let v = try policyList(&a, "challenge") { p.challenge = v }
                    c.risk.accounts[name] = p
                    c.unknownKeys += a.unknown()
                }
            }
            c.unknownKeys += k.unknown()
        }
        if var a = try r.table("api") {
            if let v = try a.string("listen") {
                guard let hp = HostPort(v) else { throw ConfigError("api.listen", "\"\(v)\" is not host:port") }
                c.api.listen = hp
            }
            c.api.record = try a.bool("record") ?? false
            if let v = try a.size("max_body") { c.api.maxBodyBytes = max(256, v) }
            for var t in try a.tables("token") {
                guard let name = try t.string("name") else { throw ConfigError(t.path + ".name", "required") }
                guard let hex = try t.string("sha256") else { throw ConfigError(t.path + ".sha256", "required") }
                guard let digest = Hex.decode(hex), digest.count == 32 else {
                    throw ConfigError(t.path + ".sha256", "must be 64 hex digits (printf %s TOKEN | sha256sum)")
                }
                c.api.tokens.append(APIToken(name: name, sha256: digest, accounts: try t.strings("accounts") ?? []))
                c.unknownKeys += t.unknown()
            }
            if c.api.listen != nil && c.api.tokens.isEmpty {
                throw ConfigError("api.token", "at least one token is required when api.listen is set")
            }
            c.unknownKeys += a.unknown()
        }
        if var w = try r.table("web") {
            c.web = try parseWeb(&w)
            c.unknownKeys += c.web.unknownKeys
        }
        if var n = try r.table("normalize") {
            if let name = try n.string("timezone") {
                // Parsed here, once: a zone the system does not know is a configuration error, not a start failure.
                guard let zone = TimeZone(identifier: name) else {
                    throw ConfigError(
                        "normalize.timezone", "unknown time zone \"\(name)\" (an IANA name such as \"Europe/Berlin\")")
                }
                c.normalize.timezone = zone
            }
            c.normalize.keepRaw = try n.bool("keep_raw") ?? false
            c.unknownKeys += n.unknown()
        }
        c.unknownKeys += r.unknown()
        return c
    }
}

extension DaemonConfiguration {
    static func parseWeb(_ w: inout TableReader) throws(ConfigError) -> WebConfiguration {
        var c = WebConfiguration()
        if let v = try w.string("listen") {
            guard let hp = HostPort(v) else {
                throw ConfigError("web.listen", "\"\(v)\" is not host:port (IPv6 as [addr]:port)")
            }
            c.listen = hp
        }
        c.tlsCertificate = try w.path("tls_certificate")
        c.tlsKey = try w.path("tls_key")
        if (c.tlsCertificate == nil) != (c.tlsKey == nil) {
            throw ConfigError("web.tls_key", "tls_certificate and tls_key go together")
        }
        if let problem = c.listenProblem(c.listen) { throw ConfigError("web.listen", problem) }
        c.sessionKey = try w.path("session_key")
        if let v = try w.duration("session_ttl") { c.sessionTTL = v }
        if let v = try w.string("timezone") {
            guard TimeZone(identifier: v) != nil else {
                throw ConfigError("web.timezone", "unknown time zone \"\(v)\" (an IANA name such as \"Europe/Berlin\")")
            }
            c.timezone = v
        }
        if let v = try w.int("login_failures") {
            guard v >= 1 else { throw ConfigError("web.login_failures", "must be at least 1") }
            c.loginFailures = v
        }
        if let v = try w.duration("login_failure_window") { c.loginFailureWindow = v }
        if let v = try w.int("page_size") {
            guard (1...10_000).contains(v) else { throw ConfigError("web.page_size", "must be between 1 and 10000") }
            c.pageSize = v
        }
        if let v = try w.string("audit_to") {
            guard let endpoint = IPEndpoint(v) else {
                throw ConfigError("web.audit_to", "\"\(v)\" is not address:port")
            }
            c.auditTo = endpoint
        }
        c.auditApp = try w.string("audit_app")
        c.auditKey = try w.path("audit_key")
        if (c.auditApp == nil) != (c.auditKey == nil) {
            throw ConfigError("web.audit_key", "audit_app and audit_key go together")
        }
        func roles(_ t: inout TableReader) throws(ConfigError) -> Set<WebRole> {
            guard let names = try t.strings("roles"), !names.isEmpty else {
                throw ConfigError(t.keyPath("roles"), "required: one or more of security, activity, admin")
            }
            var out = Set<WebRole>()
            for n in names {
                guard let r = WebRole(rawValue: n) else {
                    throw ConfigError(t.keyPath("roles"), "\"\(n)\" is not a role (security, activity, admin)")
                }
                out.insert(r)
            }
            return out
        }
        var names = Set<String>()
        for var u in try w.tables("user") {
            guard let name = try u.string("name"), !name.isEmpty else {
                throw ConfigError(u.keyPath("name"), "required")
            }
            guard let hash = try u.string("bcrypt") else {
                throw ConfigError(u.keyPath("bcrypt"), "required (activity-web --hash-password)")
            }
            guard hash.utf8.count == 60, hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$")
            else {
                throw ConfigError(
                    u.keyPath("bcrypt"), "must be a bcrypt hash ($2b$..., 60 characters), never a password")
            }
            guard names.insert(name).inserted else {
                throw ConfigError(u.keyPath("name"), "\"\(name)\" is configured twice")
            }
            c.users.append(
                WebPrincipalConfiguration(
                    name: name, bcrypt: hash, roles: try roles(&u), accounts: try u.strings("accounts") ?? []))
            w.unknownKeys(into: &c, from: u)
        }
        for var t in try w.tables("token") {
            guard let name = try t.string("name"), !name.isEmpty else {
                throw ConfigError(t.keyPath("name"), "required")
            }
            guard let hex = try t.string("sha256") else { throw ConfigError(t.keyPath("sha256"), "required") }
            guard let digest = Hex.decode(hex), digest.count == 32 else {
                throw ConfigError(t.keyPath("sha256"), "must be 64 hex digits (printf %s TOKEN | sha256sum)")
            }
            c.tokens.append(
                WebPrincipalConfiguration(
                    name: name, sha256: digest, roles: try roles(&t), accounts: try t.strings("accounts") ?? []))
            w.unknownKeys(into: &c, from: t)
        }
        w.unknownKeys(into: &c, from: w)
        return c
    }
}

extension WebConfiguration {
    /// Why activity-web may not listen at `address` (nil: it may): a non-loopback address needs TLS.
    public func listenProblem(_ address: HostPort) -> String? {
        guard !address.isLoopback, !hasTLS else { return nil }
        return
            "\"\(address)\" is not a loopback address: activity-web listens beyond loopback only over TLS (set web.tls_certificate and web.tls_key)"
    }
}

/// Typed access to one TOML table that remembers which keys were read, so the rest can be reported.
struct TableReader {
    let table: TOMLTable
    let path: String
    let base: String
    var seen: Set<String> = []

    init(table: TOMLTable, path: String, base: String) {
        self.table = table; self.path = path; self.base = base
    }

    func keyPath(_ k: String) -> String { path.isEmpty ? k : path + "." + k }

    mutating func value(_ k: String) -> (any TOMLValueConvertible)? {
        seen.insert(k)
        return table[k]
    }

    mutating func string(_ k: String) throws(ConfigError) -> String? {
        guard let v = value(k) else { return nil }
        guard let s = v.string else { throw ConfigError(keyPath(k), "must be a string") }
        return s
    }

    mutating func bool(_ k: String) throws(ConfigError) -> Bool? {
        guard let v = value(k) else { return nil }
        guard let b = v.bool else { throw ConfigError(keyPath(k), "must be true or false") }
        return b
    }

    mutating func int(_ k: String) throws(ConfigError) -> Int? {
        guard let v = value(k) else { return nil }
        guard let i = v.int else { throw ConfigError(keyPath(k), "must be an integer") }
        return i
    }

    mutating func size(_ k: String) throws(ConfigError) -> Int? {
        guard let v = value(k) else { return nil }
        if let i = v.int, i >= 0 { return i }
        guard let s = v.string, let n = parseByteCount(s) else {
            throw ConfigError(keyPath(k), "must be a size such as \"64MiB\"")
        }
        return n
    }

    mutating func duration(_ k: String) throws(ConfigError) -> Int64? {
        guard let v = value(k) else { return nil }
        if let i = v.int, i >= 0 { return Int64(i) * 1_000_000_000 }
        guard let s = v.string, let n = parseDuration(s), n > 0 else {
            throw ConfigError(keyPath(k), "must be a duration such as \"1h\" or \"30s\"")
        }
        return n
    }

    func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base + "/" + p }

    mutating func path(_ k: String) throws(ConfigError) -> String? {
        try string(k).map(resolve)
    }

    mutating func strings(_ k: String) throws(ConfigError) -> [String]? {
        guard let v = value(k) else { return nil }
        if let s = v.string { return [s] }
        guard let a = v.array else { throw ConfigError(keyPath(k), "must be a list of strings") }
        var out: [String] = []
        for item in a {
            guard let s = item.string else { throw ConfigError(keyPath(k), "must be a list of strings") }
            out.append(s)
        }
        return out
    }

    mutating func paths(_ k: String) throws(ConfigError) -> [String]? {
        try strings(k).map { $0.map(resolve) }
    }

    mutating func table(_ k: String) throws(ConfigError) -> TableReader? {
        guard let v = value(k) else { return nil }
        guard let t = v.table else { throw ConfigError(keyPath(k), "must be a table") }
        return TableReader(table: t, path: keyPath(k), base: base)
    }

    /// `[[k]]` arrays of tables; a single `[k]` table is accepted too.
    mutating func tables(_ k: String) throws(ConfigError) -> [TableReader] {
        guard let v = value(k) else { return [] }
        if let t = v.table { return [TableReader(table: t, path: keyPath(k), base: base)] }
        guard let a = v.array else { throw ConfigError(keyPath(k), "must be [[\(keyPath(k))]] tables") }
        var out: [TableReader] = []
        for (i, item) in a.enumerated() {
            guard let t = item.table else { throw ConfigError(keyPath(k), "must be [[\(keyPath(k))]] tables") }
            out.append(TableReader(table: t, path: keyPath(k) + "[\(i)]", base: base))
        }
        return out
    }

    func unknown() -> [String] {
        table.keys.filter { !seen.contains($0) }.map(keyPath)
    }

    /// Collects `from`'s unread keys into the web configuration's list (merged into the daemon's by the caller).
    func unknownKeys(into c: inout WebConfiguration, from t: TableReader) {
        c.unknownKeys += t.unknown()
    }
}
