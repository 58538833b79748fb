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
    public static func names(_ flags: RiskFlags) -> [String] {
        RiskFlags.names.filter { flags.contains($0.0) }.map(\.1)
    }
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
    public init(name: String, sha256: [UInt8], accounts: [String]) {
        self.name = name; self.sha256 = sha256; self.accounts = accounts
    }
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
    public init(
        name: String, bcrypt: String? = nil, sha256: [UInt8]? = nil, roles: Set<WebRole>, accounts: [String] = []
    ) {
        self.name = name; self.bcrypt = bcrypt; self.sha256 = sha256; self.roles = roles; self.accounts = accounts
    }
}
