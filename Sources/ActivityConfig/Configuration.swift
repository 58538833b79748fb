import ActivityModel
import ActivityStore
import Foundation
import TOMLKit
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's whole configuration, decoded and validated from TOML (`etc/activityd.toml`).
///
/// Relative paths are resolved against the directory of the configuration file, so a config kept beside its
/// data (as the repository's `etc/activityd.dev.toml` is) works from any working directory.
public struct DaemonConfiguration: Sendable, Hashable {
    public var dataDir = "/var/lib/activityd"
    public var store = StoreConfiguration()
    public var udp: [UDPInputConfiguration] = []
    public var files: [FileInputConfiguration] = []
    public var journald: JournaldConfiguration?
    public var geoip = GeoIPConfiguration()
    public var iplists: [IPListConfiguration] = []
    public var metrics = MetricsConfiguration()
    public var normalize = NormalizeConfiguration()
    public var risk = RiskConfiguration()
    public var api = APIConfiguration()
    /// `[web]`: activity-web, the read-only console and JSON API (the daemon ignores it).
    public var web = WebConfiguration()
    /// `[forward.nats]`: publish the stored events to a NATS JetStream stream.
    public var forwardNATS: NATSForwardConfiguration?
    /// `[input.nats]`: collect events from a NATS JetStream stream.
    public var natsInput: NATSInputConfiguration?
    /// Keys the file holds that this version does not know (reported as warnings).
    public var unknownKeys: [String] = []

    public init() {}
}

public struct StoreConfiguration: Sendable, Hashable {
    public var segmentMaxBytes = 32 * 1024 * 1024
    public var segmentMaxAge: Int64 = 3_600_000_000_000
    /// When the store fdatasyncs: the store's own type, decoded once here (no string reaches the writer).
    public var fsync = FsyncPolicy.interval
    public var fsyncInterval: Int64 = 1_000_000_000
    public var retainBytes: Int? = nil
    public var retainAge: Int64? = nil
    /// The sealing key file written by `activityctl setup-keys`; nil: the store is not sealed.
    public var seal: String? = nil
    public init() {}
}

public struct UDPInputConfiguration: Sendable, Hashable {
    public var listen: [HostPort] = [HostPort("127.0.0.1:5514")!, HostPort("[::1]:5514")!]
    public var allow: [CIDR] = [CIDR("127.0.0.0/8")!, CIDR("::1/128")!]
    /// Application id → path of its HMAC-SHA256 key file.
    public var keys: [String: String] = [:]
    public var receiveBufferBytes = 64 * 1024 * 1024
    /// Datagrams waiting for the pipeline; beyond it new datagrams are dropped and counted.
    public var queueCapacity = 65_536
    public init() {}
}

public struct FileInputConfiguration: Sendable, Hashable {
    public var paths: [String] = []
    /// Where to start in a file seen for the first time.
    public var startAt = FileStartPosition.end
    /// How the files' lines are read.
    public var format: FileInputFormat = .syslog
    public init() {}
}

/// Where a file input starts in a file it has no stored position for (`input.file[].start_at`).
public enum FileStartPosition: String, Sendable, Hashable, CaseIterable {
    /// At its end: only lines written from now on.
    case end
    /// At its first line.
    case beginning
}

/// The layout of a tailed file's lines (`input.file[].format`).
public enum FileInputFormat: String, Sendable, Hashable, CaseIterable {
    /// Syslog lines (RFC 3164/5424, rsyslog's ISO stamps) through the auth-log rules.
    case syslog
    /// The Linux audit log (`/var/log/audit/audit.log`, RAW or ENRICHED) through the audit normalizer.
    case audit
}

public struct JournaldConfiguration: Sendable, Hashable {
    public var enabled = true
    public var directory: String?
    public var files: [String] = []
    public var matches: [String] = []
    public init() {}
}

/// Where a NATS JetStream stream is and how to reach it (shared by `[forward.nats]` and `[input.nats]`).
public struct NATSConnectionConfiguration: Sendable, Hashable {
    public var servers: [String] = ["nats://127.0.0.1:4222"]
    public var stream = "ACTIVITY"
    /// The stream's subjects when this daemon has to create it.
    public var streamSubjects = ["activity.>"]
    /// Replicas of the stream when this daemon has to create it.
    public var replicas = 3
    public var credentials: String?
    public var token: String?
    public var tlsCA: String?
    public var tlsCert: String?
    public var tlsKey: String?
    /// Connect and request timeout.
    public var timeout: Int64 = 5_000_000_000
    public init() {}
}

/// `[forward.nats]`: this host's stored events go to `subject` on the stream, each with the message id
/// `<host_id>:<seq>`.
public struct NATSForwardConfiguration: Sendable, Hashable {
    public var connection = NATSConnectionConfiguration()
    /// This host's id: part of every message id; default: the host name.
    public var hostID = ""
    /// Default `activity.<host_id>`.
    public var subject = ""
    /// Let retention delete segments not yet forwarded (what is lost is counted as
    /// `dropped.unforwarded_deleted`); by default retention waits for the forwarder.
    public var retentionDropsUnforwarded = false
    public init() {}
}

/// `[input.nats]`: a durable pull consumer on the stream; the stream sequence is this input's position.
public struct NATSInputConfiguration: Sendable, Hashable {
    public var connection = NATSConnectionConfiguration()
    /// The durable consumer's name (one per collector).
    public var consumer = "activityd"
    /// Subject filter: `activity.>` for every host, `activity.web*`... no: a NATS filter such as `activity.web1`.
    public var subjects = "activity.>"
    /// Messages per fetch (and per store write at most).
    public var batch = 256
    public init() {}
}

public struct GeoIPConfiguration: Sendable, Hashable {
    public var city: String?
    public var country: String?
    public var asn: String?
    public var anonymous: String?
    /// Flatten the IPv4 search trees at load: faster lookups for ~25–35 MB per City database.
    public var indexIPv4 = false
    public init() {}
}

public struct IPListConfiguration: Sendable, Hashable {
    public var name: String
    public var tag: String
    public var path: String
    public init(name: String, tag: String, path: String) { self.name = name; self.tag = tag; self.path = path }
}

public struct MetricsConfiguration: Sendable, Hashable {
    /// Where the Prometheus endpoint listens; nil: off.
    public var listen: HostPort?
    public init() {}
}

public struct NormalizeConfiguration: Sendable, Hashable {
    /// IANA zone for syslog stamps without an offset; nil = the host's zone.
    public var timezone: TimeZone?
    /// Keep each event's raw message in `origin.raw`.
    public var keepRaw = false
    public init() {}
}

/// `[risk]`: the checks the daemon runs on every login as it is stored, and the check API's policy.
public struct RiskConfiguration: Sendable, Hashable {
    /// Assess logins at ingest (and answer checks).
    public var enabled = true
    public var maxSpeedKmh = 1000.0
    public var burstThreshold = 5
    /// Nanoseconds.
    public var burstWindow: Int64 = 600_000_000_000
    public var maxUsers = 2_000_000
    public var maxAddresses = 1_000_000
    /// Nanoseconds between checkpoints of the risk state (`risk.checkpoint` in the data directory), from which a
    /// start after a crash replays only the login attempts stored since; 0: none (a crash then refolds the store).
    public var checkpointInterval: Int64 = 300_000_000_000
    /// The flag names (`new_country`...) that make a check `block` / `challenge`.
    public var policy = RiskPolicy(block: [], challenge: [.newCountry, .impossibleTravel, .anonymizer, .failedBurst])
    /// Per `account`: a policy replacing the default one for checks naming that account.
    public var accounts: [String: RiskPolicy] = [:]
    public init() {}
}

/// Which flags block and which challenge; any other flag allows.
public struct RiskPolicy: Sendable, Hashable {
    public var block: RiskFlags
    public var challenge: RiskFlags
    public init(block: RiskFlags, challenge: RiskFlags) { self.block = block; self.challenge = challenge }

    /// What a check with `flags` answers: `block` when any flag blocks, else `challenge` when any challenges,
    /// else `allow`.
    public func decision(for flags: RiskFlags) -> String {
        if !flags.intersection(block).isEmpty { return "block" }
        if !flags.intersection(challenge).isEmpty { return "challenge" }
        return "allow"
    }

    /// The risk flag names a policy may list.
    public static let flagNames = RiskFlags.names.map(\.1)
    /// The names of `flags`, in the order of ``flagNames``.
    public static func names(_ flags: RiskFlags) -> [String] { RiskFlags.names.filter { flags.contains($0.0) }.map(\.1) }
}

/// `[api]`: the check API applications call before letting a login through.
public struct APIConfiguration: Sendable, Hashable {
    /// Where the check API listens; nil: no API.
    public var listen: HostPort?
    /// Accepted bearer tokens, by name.
    public var tokens: [APIToken] = []
    /// Store each check as a `login_check` event.
    public var record = false
    /// Largest request body accepted.
    public var maxBodyBytes = 16 * 1024
    public init() {}
}

/// One bearer token: its SHA-256 (hex) and the accounts it may ask about (empty: any).
public struct APIToken: Sendable, Hashable {
    public var name: String
    public var sha256: [UInt8]
    public var accounts: [String]
    public init(name: String, sha256: [UInt8], accounts: [String]) { self.name = name; self.sha256 = sha256; self.accounts = accounts }
}

/// `[web]`: the read-only web console and JSON API (`activity-web`).
public struct WebConfiguration: Sendable, Hashable {
    /// A non-loopback address only with TLS (`tlsCertificate` and `tlsKey`).
    public var listen = HostPort("127.0.0.1:8089")!
    /// PEM certificate chain and private key: serve HTTPS.
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var hasTLS: Bool { tlsCertificate != nil && tlsKey != nil }
    /// File holding the HMAC key that signs session cookies; nil: a random key per start (sessions end at restart).
    public var sessionKey: String?
    /// Nanoseconds a session cookie stays valid.
    public var sessionTTL: Int64 = 8 * 3_600_000_000_000
    /// IANA zone pages show times in unless the viewer picks another: its name (links carry it), checked here
    /// to be a zone the system knows.
    public var timezone = "UTC"
    /// Failed logins from one source address within `loginFailureWindow` after which it is refused (429).
    public var loginFailures = 5
    public var loginFailureWindow: Int64 = 15 * 60_000_000_000
    /// Rows per page.
    public var pageSize = 100
    /// Where audit events (who viewed or exported what) are sent over UDP (an address, never a name); nil: not sent.
    public var auditTo: IPEndpoint?
    /// Application id and key file for HMAC-signed audit datagrams (as configured in input.udp.keys).
    public var auditApp: String?
    public var auditKey: String?
    public var users: [WebPrincipalConfiguration] = []
    public var tokens: [WebPrincipalConfiguration] = []
    /// Unknown keys under `[web]`.
    public var unknownKeys: [String] = []
    public init() {}
}

/// What a principal may see: pages and API by role, events by account.
public enum WebRole: String, Sendable, Hashable, CaseIterable {
    /// The security page, users, login history, event details, login reports.
    case security
    /// The users activity report and its CSV export.
    case activity
    /// Everything.
    case admin
}

/// A person (bcrypt password hash) or an API token (SHA-256 of the token) allowed into activity-web.
public struct WebPrincipalConfiguration: Sendable, Hashable {
    public var name: String
    /// A bcrypt hash (`$2b$...`) for people; the token's SHA-256 for tokens.
    public var bcrypt: String?
    public var sha256: [UInt8]?
    public var roles: Set<WebRole>
    /// Accounts this principal may see; empty: all.
    public var accounts: [String]
    public init(name: String, bcrypt: String? = nil, sha256: [UInt8]? = nil, roles: Set<WebRole>, accounts: [String] = []) {
        self.name = name; self.bcrypt = bcrypt; self.sha256 = sha256; self.roles = roles; self.accounts = accounts
    }
}

/// A configuration problem, with the TOML key path it concerns.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Hashable {
    public var keyPath: String
    public var message: String
    public var file: String?
    public init(_ keyPath: String, _ message: String, file: String? = nil) {
        self.keyPath = keyPath; self.message = message; self.file = file
    }
    public var description: String {
        let place = file.map { "\($0): " } ?? ""
        return keyPath.isEmpty ? "\(place)\(message)" : "\(place)\(keyPath): \(message)"
    }
}

/// One configuration key: the single table used for unknown-key warnings, `--check-config` and the README.
public struct ConfigKey: Sendable {
    public var path: String
    public var type: String
    public var defaultValue: String
    public var summary: String
}

extension DaemonConfiguration {
    /// Every key the daemon reads (fluent-bit's `config_map` idea): path, type, default, meaning.
    public static let keys: [ConfigKey] = [
        .init(path: "data_dir", type: "path", defaultValue: "/var/lib/activityd", summary: "Where segments/ and the LOCK file live."),
        .init(path: "store.segment_max_bytes", type: "size", defaultValue: "32MiB", summary: "Seal the active segment when it reaches this size (its in-memory index grows with it: ~80 bytes per event)."),
        .init(path: "store.segment_max_age", type: "duration", defaultValue: "1h", summary: "Seal the active segment when it is this old (and holds events)."),
        .init(path: "store.fsync", type: "batch|interval|rotation", defaultValue: "interval", summary: "When to fdatasync: after every append, every fsync_interval, or only at rotation/shutdown."),
        .init(path: "store.fsync_interval", type: "duration", defaultValue: "1s", summary: "Longest time written events wait for fdatasync with fsync = \"interval\"."),
        .init(path: "store.retain_bytes", type: "size", defaultValue: "(none)", summary: "Delete the oldest sealed segments beyond this total size."),
        .init(path: "store.retain_age", type: "duration", defaultValue: "(none)", summary: "Delete sealed segments whose newest event is older than this."),
        .init(path: "store.seal", type: "path", defaultValue: "(none)", summary: "Seal the history with this forward-secure key file (made by `activityctl setup-keys`); see README, Tamper-evident history."),
        .init(path: "input.udp[].listen", type: "[host:port]", defaultValue: "[\"127.0.0.1:5514\", \"[::1]:5514\"]", summary: "UDP addresses to bind (IPv4 and IPv6)."),
        .init(path: "input.udp[].allow", type: "[CIDR]", defaultValue: "[\"127.0.0.0/8\", \"::1/128\"]", summary: "Source networks accepted; others are counted and dropped."),
        .init(path: "input.udp[].keys", type: "{app = path}", defaultValue: "{}", summary: "HMAC-SHA256 key file per sending application; when set, unsigned datagrams are rejected."),
        .init(path: "input.udp[].receive_buffer", type: "size", defaultValue: "64MiB", summary: "SO_RCVBUF requested (a warning is logged when the kernel caps it: raise net.core.rmem_max)."),
        .init(path: "input.udp[].queue_capacity", type: "int", defaultValue: "65536", summary: "Bounds the pipeline queue (with 4 MiB of raw input); when it is full, UDP reading pauses and datagrams wait in the receive buffer."),
        .init(path: "input.file[].paths", type: "[glob]", defaultValue: "[]", summary: "Syslog files to tail (globs; compressed rotations are ignored)."),
        .init(path: "input.file[].start_at", type: "end|beginning", defaultValue: "end", summary: "Where to start in a file seen for the first time."),
        .init(path: "input.file[].format", type: "syslog|audit", defaultValue: "syslog", summary: "How lines are read: syslog (auth logs) or audit (the Linux audit log, /var/log/audit/audit.log*, RAW or ENRICHED)."),
        .init(path: "input.journald.enabled", type: "bool", defaultValue: "false (absent)", summary: "Read the systemd journal."),
        .init(path: "input.journald.directory", type: "path", defaultValue: "(system journal)", summary: "Read journal files from this directory instead."),
        .init(path: "input.journald.files", type: "[path]", defaultValue: "[]", summary: "Read these journal files instead."),
        .init(path: "input.journald.matches", type: "[FIELD=value]", defaultValue: "[]", summary: "Journal matches (sd_journal_add_match)."),
        .init(path: "input.nats.servers", type: "[url]", defaultValue: "[\"nats://127.0.0.1:4222\"]", summary: "NATS servers (nats:// or tls://); any one of a cluster is enough, more survive its loss."),
        .init(path: "input.nats.stream", type: "string", defaultValue: "ACTIVITY", summary: "The JetStream stream the forwarders publish to."),
        .init(path: "input.nats.stream_subjects", type: "[subject]", defaultValue: "[\"activity.>\"]", summary: "The stream's subjects, used only when this daemon creates the stream."),
        .init(path: "input.nats.replicas", type: "int", defaultValue: "3", summary: "The stream's replicas, used only when this daemon creates the stream (3 in production: docs/multi-host.md)."),
        .init(path: "input.nats.consumer", type: "string", defaultValue: "activityd", summary: "Durable pull consumer name; one per collector. Its position (the stream sequence) is committed with the events."),
        .init(path: "input.nats.subjects", type: "subject", defaultValue: "activity.>", summary: "Subject filter of this collector: several collectors split the hosts between them by subject."),
        .init(path: "input.nats.batch", type: "int", defaultValue: "256", summary: "Messages per fetch (one store write at most)."),
        .init(path: "input.nats.credentials", type: "path", defaultValue: "(none)", summary: "NATS .creds file (user JWT and NKey seed)."),
        .init(path: "input.nats.token", type: "string", defaultValue: "(none)", summary: "NATS authentication token."),
        .init(path: "input.nats.tls_ca", type: "path", defaultValue: "(none)", summary: "CA bundle of the servers' certificates; requires TLS."),
        .init(path: "input.nats.tls_cert", type: "path", defaultValue: "(none)", summary: "Client certificate for mutual TLS (with tls_key)."),
        .init(path: "input.nats.tls_key", type: "path", defaultValue: "(none)", summary: "Client key for mutual TLS (with tls_cert)."),
        .init(path: "input.nats.timeout", type: "duration", defaultValue: "5s", summary: "Connect and JetStream request timeout."),
        .init(path: "forward.nats.servers", type: "[url]", defaultValue: "[\"nats://127.0.0.1:4222\"]", summary: "NATS servers to publish this host's stored events to."),
        .init(path: "forward.nats.stream", type: "string", defaultValue: "ACTIVITY", summary: "The JetStream stream (created when missing, with stream_subjects and replicas)."),
        .init(path: "forward.nats.stream_subjects", type: "[subject]", defaultValue: "[\"activity.>\"]", summary: "The stream's subjects, used only when this daemon creates the stream."),
        .init(path: "forward.nats.replicas", type: "int", defaultValue: "3", summary: "The stream's replicas, used only when this daemon creates the stream."),
        .init(path: "forward.nats.host_id", type: "string", defaultValue: "(host name before its first dot)", summary: "This host's id: every message id is <host_id>:<seq>. Letters, digits, - and _."),
        .init(path: "forward.nats.subject", type: "subject", defaultValue: "activity.<host_id>", summary: "Where this host publishes; one subject per host."),
        .init(path: "forward.nats.retention_drops_unforwarded", type: "bool", defaultValue: "false", summary: "Let store retention delete segments not yet forwarded (counted as dropped.unforwarded_deleted); by default retention waits for the forwarder."),
        .init(path: "forward.nats.credentials", type: "path", defaultValue: "(none)", summary: "NATS .creds file (user JWT and NKey seed)."),
        .init(path: "forward.nats.token", type: "string", defaultValue: "(none)", summary: "NATS authentication token."),
        .init(path: "forward.nats.tls_ca", type: "path", defaultValue: "(none)", summary: "CA bundle of the servers' certificates; requires TLS."),
        .init(path: "forward.nats.tls_cert", type: "path", defaultValue: "(none)", summary: "Client certificate for mutual TLS (with tls_key)."),
        .init(path: "forward.nats.tls_key", type: "path", defaultValue: "(none)", summary: "Client key for mutual TLS (with tls_cert)."),
        .init(path: "forward.nats.timeout", type: "duration", defaultValue: "5s", summary: "Connect and publish-acknowledgement timeout."),
        .init(path: "enrich.geoip.city", type: "path", defaultValue: "(none)", summary: "MaxMind City database (.mmdb)."),
        .init(path: "enrich.geoip.country", type: "path", defaultValue: "(none)", summary: "MaxMind Country database (used when no city database is set)."),
        .init(path: "enrich.geoip.asn", type: "path", defaultValue: "(none)", summary: "MaxMind ASN database."),
        .init(path: "enrich.geoip.anonymous", type: "path", defaultValue: "(none)", summary: "MaxMind Anonymous-IP database."),
        .init(path: "enrich.geoip.index_ipv4", type: "bool", defaultValue: "false", summary: "Flatten each database's IPv4 tree into a table at load: faster IPv4 lookups in isolation for ~25–35 MB of memory per City database (through the whole daemon the difference was within noise)."),
        .init(path: "enrich.iplist[].name", type: "string", defaultValue: "(required)", summary: "List name, added to net.lists on a match."),
        .init(path: "enrich.iplist[].tag", type: "string", defaultValue: "(required)", summary: "vpn | proxy | tor | hosting sets that net flag; any other word is added to net.lists."),
        .init(path: "enrich.iplist[].path", type: "path", defaultValue: "(required)", summary: "File of CIDRs or addresses, one per line, # comments."),
        .init(path: "metrics.listen", type: "host:port", defaultValue: "(off)", summary: "Serve Prometheus text metrics over HTTP here."),
        .init(path: "normalize.timezone", type: "IANA zone", defaultValue: "(host zone)", summary: "Zone for syslog time stamps that carry no offset."),
        .init(path: "normalize.keep_raw", type: "bool", defaultValue: "false", summary: "Keep every event's raw message in origin.raw."),
        .init(path: "risk.enabled", type: "bool", defaultValue: "true", summary: "Set risk flags on every successful login as it is stored (new_country, impossible_travel, anonymizer, failed_burst, new_device; reasons in attrs.risk_why)."),
        .init(path: "risk.max_speed_kmh", type: "number", defaultValue: "1000", summary: "Travel faster than this between two located logins is impossible."),
        .init(path: "risk.burst_threshold", type: "int", defaultValue: "5", summary: "Failed attempts within burst_window that make a burst (per user and per address)."),
        .init(path: "risk.burst_window", type: "duration", defaultValue: "10m", summary: "The failure-burst window."),
        .init(path: "risk.checkpoint_interval", type: "duration", defaultValue: "5m", summary: "How often the risk state is checkpointed to risk.checkpoint, so that a start after a crash replays only the login attempts stored since (0: never; a crash then refolds every stored attempt)."),
        .init(path: "risk.max_users", type: "int", defaultValue: "2000000", summary: "Users whose history is kept in memory; beyond it the least recently seen eighth is forgotten (~370 bytes per user, BENCHMARKS.md)."),
        .init(path: "risk.max_addresses", type: "int", defaultValue: "1000000", summary: "Addresses whose recent failures are kept; beyond it the least recently seen eighth is forgotten."),
        .init(path: "risk.block", type: "[flag]", defaultValue: "[]", summary: "Flags that make POST /v1/check answer block."),
        .init(path: "risk.challenge", type: "[flag]", defaultValue: "[\"new_country\", \"impossible_travel\", \"anonymizer\", \"failed_burst\"]", summary: "Flags that make POST /v1/check answer challenge (block wins)."),
        .init(path: "risk.account.<name>.block", type: "[flag]", defaultValue: "(risk.block)", summary: "The block list for checks naming this account."),
        .init(path: "risk.account.<name>.challenge", type: "[flag]", defaultValue: "(risk.challenge)", summary: "The challenge list for checks naming this account."),
        .init(path: "api.listen", type: "host:port", defaultValue: "(off)", summary: "Serve the check API (POST /v1/check) over HTTP here; loopback only unless you put TLS in front."),
        .init(path: "api.token[].name", type: "string", defaultValue: "(required)", summary: "Name of an application's bearer token (in logs and counters)."),
        .init(path: "api.token[].sha256", type: "hex", defaultValue: "(required)", summary: "SHA-256 of the token, 64 hex digits (`printf %s TOKEN | sha256sum`); the token itself is never stored."),
        .init(path: "api.token[].accounts", type: "[string]", defaultValue: "[] (any)", summary: "Accounts the token may ask about; when set, every check must name one of them."),
        .init(path: "api.record", type: "bool", defaultValue: "false", summary: "Store every check as a login_check event (attrs check_id, verdict, risk) so the later login can be linked to it."),
        .init(path: "api.max_body", type: "size", defaultValue: "16KiB", summary: "Larger request bodies are refused with 413."),
        .init(path: "web.listen", type: "host:port", defaultValue: "127.0.0.1:8089", summary: "Where activity-web serves the console and /api/v1/; an address beyond loopback is refused unless TLS is configured."),
        .init(path: "web.tls_certificate", type: "path", defaultValue: "(none: plain HTTP)", summary: "PEM certificate chain: serve HTTPS (with tls_key; TLS 1.2 or later, session cookies Secure, HSTS sent)."),
        .init(path: "web.tls_key", type: "path", defaultValue: "(none)", summary: "PEM private key of tls_certificate."),
        .init(path: "web.session_key", type: "path", defaultValue: "(random per start)", summary: "File with the HMAC-SHA256 key that signs session cookies (at least 32 bytes); without it sessions end when activity-web restarts."),
        .init(path: "web.session_ttl", type: "duration", defaultValue: "8h", summary: "How long a login form session lasts."),
        .init(path: "web.timezone", type: "IANA zone", defaultValue: "UTC", summary: "Zone pages show times in unless the viewer picks another (?tz=)."),
        .init(path: "web.login_failures", type: "int", defaultValue: "5", summary: "Failed logins (form, Basic or token) from one address within login_failure_window after which that address is refused with 429 (counted)."),
        .init(path: "web.login_failure_window", type: "duration", defaultValue: "15m", summary: "The failed-login window."),
        .init(path: "web.page_size", type: "int", defaultValue: "100", summary: "Rows per page (pages are cursors by seq)."),
        .init(path: "web.audit_to", type: "host:port", defaultValue: "(off)", summary: "Send an admin event for every view of a user's data and every export to activityd's UDP input here."),
        .init(path: "web.audit_app", type: "string", defaultValue: "(unsigned)", summary: "Application id for HMAC-signed audit datagrams (with audit_key; as in input.udp.keys)."),
        .init(path: "web.audit_key", type: "path", defaultValue: "(unsigned)", summary: "HMAC-SHA256 key file of audit_app (at least 16 bytes, as input.udp.keys)."),
        .init(path: "web.user[].name", type: "string", defaultValue: "(required)", summary: "A person's login name."),
        .init(path: "web.user[].bcrypt", type: "string", defaultValue: "(required)", summary: "The bcrypt hash of the password (`activity-web --hash-password`); never the password."),
        .init(path: "web.user[].roles", type: "[security|activity|admin]", defaultValue: "(required)", summary: "security: security page, users, histories, login reports; activity: activity report and CSV export; admin: everything."),
        .init(path: "web.user[].accounts", type: "[string]", defaultValue: "[] (all)", summary: "Only events, users and rows of these accounts are shown (in lists, counts, CSV and errors)."),
        .init(path: "web.token[].name", type: "string", defaultValue: "(required)", summary: "An API token's name (Authorization: Bearer)."),
        .init(path: "web.token[].sha256", type: "hex", defaultValue: "(required)", summary: "SHA-256 of the token, 64 hex digits (`printf %s TOKEN | sha256sum`)."),
        .init(path: "web.token[].roles", type: "[security|activity|admin]", defaultValue: "(required)", summary: "As web.user[].roles."),
        .init(path: "web.token[].accounts", type: "[string]", defaultValue: "[] (all)", summary: "As web.user[].accounts."),
    ]

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
            throw ConfigError("", "TOML syntax error at line \(e.source.begin.line), column \(e.source.begin.column): \(e.description)")
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
                guard let m = FsyncPolicy(rawValue: v) else { throw ConfigError("store.fsync", "must be \"batch\", \"interval\" or \"rotation\", not \"\(v)\"") }
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
                        guard let hp = HostPort(a) else { throw ConfigError(u.path + ".listen", "\"\(a)\" is not host:port (IPv6 as [addr]:port)") }
                        return hp
                    }
                }
                if let v = try u.strings("allow") {
                    cfg.allow = try v.map { (s) throws(ConfigError) -> CIDR in
                        guard let c = CIDR(s[...]) else { throw ConfigError(u.path + ".allow", "\"\(s)\" is not a CIDR or address") }
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
                for m in cfg.matches where !m.contains("=") { throw ConfigError(j.path + ".matches", "\"\(m)\" is not FIELD=value") }
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
                guard !cfg.hostID.isEmpty, cfg.hostID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw ConfigError(t.keyPath("host_id"), "\"\(cfg.hostID)\" must be letters, digits, - and _ (it is a NATS subject token)")
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
                        throw ConfigError(t.keyPath(key), "\"\(name)\" is not a risk flag (\(RiskPolicy.flagNames.joined(separator: ", ")))")
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
                    throw ConfigError("normalize.timezone", "unknown time zone \"\(name)\" (an IANA name such as \"Europe/Berlin\")")
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
            guard let hp = HostPort(v) else { throw ConfigError("web.listen", "\"\(v)\" is not host:port (IPv6 as [addr]:port)") }
            c.listen = hp
        }
        c.tlsCertificate = try w.path("tls_certificate")
        c.tlsKey = try w.path("tls_key")
        if (c.tlsCertificate == nil) != (c.tlsKey == nil) { throw ConfigError("web.tls_key", "tls_certificate and tls_key go together") }
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
            guard let endpoint = IPEndpoint(v) else { throw ConfigError("web.audit_to", "\"\(v)\" is not address:port") }
            c.auditTo = endpoint
        }
        c.auditApp = try w.string("audit_app")
        c.auditKey = try w.path("audit_key")
        if (c.auditApp == nil) != (c.auditKey == nil) { throw ConfigError("web.audit_key", "audit_app and audit_key go together") }
        func roles(_ t: inout TableReader) throws(ConfigError) -> Set<WebRole> {
            guard let names = try t.strings("roles"), !names.isEmpty else { throw ConfigError(t.keyPath("roles"), "required: one or more of security, activity, admin") }
            var out = Set<WebRole>()
            for n in names {
                guard let r = WebRole(rawValue: n) else { throw ConfigError(t.keyPath("roles"), "\"\(n)\" is not a role (security, activity, admin)") }
                out.insert(r)
            }
            return out
        }
        var names = Set<String>()
        for var u in try w.tables("user") {
            guard let name = try u.string("name"), !name.isEmpty else { throw ConfigError(u.keyPath("name"), "required") }
            guard let hash = try u.string("bcrypt") else { throw ConfigError(u.keyPath("bcrypt"), "required (activity-web --hash-password)") }
            guard hash.utf8.count == 60, hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$") else {
                throw ConfigError(u.keyPath("bcrypt"), "must be a bcrypt hash ($2b$..., 60 characters), never a password")
            }
            guard names.insert(name).inserted else { throw ConfigError(u.keyPath("name"), "\"\(name)\" is configured twice") }
            c.users.append(WebPrincipalConfiguration(name: name, bcrypt: hash, roles: try roles(&u), accounts: try u.strings("accounts") ?? []))
            w.unknownKeys(into: &c, from: u)
        }
        for var t in try w.tables("token") {
            guard let name = try t.string("name"), !name.isEmpty else { throw ConfigError(t.keyPath("name"), "required") }
            guard let hex = try t.string("sha256") else { throw ConfigError(t.keyPath("sha256"), "required") }
            guard let digest = Hex.decode(hex), digest.count == 32 else {
                throw ConfigError(t.keyPath("sha256"), "must be 64 hex digits (printf %s TOKEN | sha256sum)")
            }
            c.tokens.append(WebPrincipalConfiguration(name: name, sha256: digest, roles: try roles(&t), accounts: try t.strings("accounts") ?? []))
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
        return "\"\(address)\" is not a loopback address: activity-web listens beyond loopback only over TLS (set web.tls_certificate and web.tls_key)"
    }
}

extension HostPort {
    /// 127.0.0.0/8, ::1 or localhost.
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        guard let a = IPAddress(host) else { return false }
        return CIDR("127.0.0.0/8")!.contains(a) || a == IPAddress("::1")!
    }
}

/// The keys `[forward.nats]` and `[input.nats]` share.
func natsConnection(_ t: inout TableReader) throws(ConfigError) -> NATSConnectionConfiguration {
    var c = NATSConnectionConfiguration()
    if let v = try t.strings("servers") {
        guard !v.isEmpty else { throw ConfigError(t.keyPath("servers"), "at least one server is required") }
        for u in v where !(u.hasPrefix("nats://") || u.hasPrefix("tls://")) {
            throw ConfigError(t.keyPath("servers"), "\"\(u)\" is not a nats:// or tls:// URL")
        }
        c.servers = v
    }
    if let v = try t.string("stream") {
        guard !v.isEmpty, v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ConfigError(t.keyPath("stream"), "must be letters, digits, - and _")
        }
        c.stream = v
    }
    if let v = try t.strings("stream_subjects") {
        guard !v.isEmpty else { throw ConfigError(t.keyPath("stream_subjects"), "at least one subject is required") }
        c.streamSubjects = v
    }
    if let v = try t.int("replicas") {
        guard (1...5).contains(v) else { throw ConfigError(t.keyPath("replicas"), "must be 1 to 5") }
        c.replicas = v
    }
    c.credentials = try t.path("credentials")
    c.token = try t.string("token")
    c.tlsCA = try t.path("tls_ca")
    c.tlsCert = try t.path("tls_cert")
    c.tlsKey = try t.path("tls_key")
    if (c.tlsCert == nil) != (c.tlsKey == nil) { throw ConfigError(t.keyPath("tls_cert"), "tls_cert and tls_key go together") }
    if let v = try t.duration("timeout") { c.timeout = max(100_000_000, v) }
    return c
}

/// `host:port` with IPv6 hosts in brackets.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (0...65535).contains(p) else { return nil }
            port = p
        } else {
            guard let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]), (0...65535).contains(p) else { return nil }
            host = String(text[..<colon])
            guard !host.isEmpty, !host.contains(":") else { return nil }
            port = p
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An IP address and a port (`192.0.2.1:5514`, `[2001:db8::1]:5514`): a UDP destination given as an address.
public struct IPEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    /// Parses `address:port` (IPv6 in brackets); nil for a host name or anything else.
    public init?(_ text: String) {
        guard let hp = HostPort(text), let a = IPAddress(hp.host) else { return nil }
        address = a
        port = UInt16(hp.port)
    }

    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
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
        guard let s = v.string, let n = parseByteCount(s) else { throw ConfigError(keyPath(k), "must be a size such as \"64MiB\"") }
        return n
    }

    mutating func duration(_ k: String) throws(ConfigError) -> Int64? {
        guard let v = value(k) else { return nil }
        if let i = v.int, i >= 0 { return Int64(i) * 1_000_000_000 }
        guard let s = v.string, let n = parseDuration(s), n > 0 else { throw ConfigError(keyPath(k), "must be a duration such as \"1h\" or \"30s\"") }
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

