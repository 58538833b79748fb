import ActivityModel
import ActivityStore
import Foundation
import TOMLKit
#if canImport(Glibc)
import Glibc
#endif

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
        .init(
            path: "data_dir", type: "path", defaultValue: "/var/lib/activityd",
            summary: "Where segments/ and the LOCK file live."),
        .init(
            path: "store.segment_max_bytes", type: "size", defaultValue: "32MiB",
            summary:
                "Seal the active segment when it reaches this size (its in-memory index grows with it: ~80 bytes per event)."
        ),
        .init(
            path: "store.segment_max_age", type: "duration", defaultValue: "1h",
            summary: "Seal the active segment when it is this old (and holds events)."),
        .init(
            path: "store.fsync", type: "batch|interval|rotation", defaultValue: "interval",
            summary: "When to fdatasync: after every append, every fsync_interval, or only at rotation/shutdown."),
        .init(
            path: "store.fsync_interval", type: "duration", defaultValue: "1s",
            summary: "Longest time written events wait for fdatasync with fsync = \"interval\"."),
        .init(
            path: "store.retain_bytes", type: "size", defaultValue: "(none)",
            summary: "Delete the oldest sealed segments beyond this total size."),
        .init(
            path: "store.retain_age", type: "duration", defaultValue: "(none)",
            summary: "Delete sealed segments whose newest event is older than this."),
        .init(
            path: "store.seal", type: "path", defaultValue: "(none)",
            summary:
                "Seal the history with this forward-secure key file (made by `activityctl setup-keys`); see README, Tamper-evident history."
        ),
        .init(
            path: "input.udp[].listen", type: "[host:port]", defaultValue: "[\"127.0.0.1:5514\", \"[::1]:5514\"]",
            summary: "UDP addresses to bind (IPv4 and IPv6)."),
        .init(
            path: "input.udp[].allow", type: "[CIDR]", defaultValue: "[\"127.0.0.0/8\", \"::1/128\"]",
            summary: "Source networks accepted; others are counted and dropped."),
        .init(
            path: "input.udp[].keys", type: "{app = path}", defaultValue: "{}",
            summary: "HMAC-SHA256 key file per sending application; when set, unsigned datagrams are rejected."),
        .init(
            path: "input.udp[].receive_buffer", type: "size", defaultValue: "64MiB",
            summary: "SO_RCVBUF requested (a warning is logged when the kernel caps it: raise net.core.rmem_max)."),
        .init(
            path: "input.udp[].queue_capacity", type: "int", defaultValue: "65536",
            summary:
                "Bounds the pipeline queue (with 4 MiB of raw input); when it is full, UDP reading pauses and datagrams wait in the receive buffer."
        ),
        .init(
            path: "input.file[].paths", type: "[glob]", defaultValue: "[]",
            summary: "Syslog files to tail (globs; compressed rotations are ignored)."),
        .init(
            path: "input.file[].start_at", type: "end|beginning", defaultValue: "end",
            summary: "Where to start in a file seen for the first time."),
        .init(
            path: "input.file[].format", type: "syslog|audit", defaultValue: "syslog",
            summary:
                "How lines are read: syslog (auth logs) or audit (the Linux audit log, /var/log/audit/audit.log*, RAW or ENRICHED)."
        ),
        .init(
            path: "input.journald.enabled", type: "bool", defaultValue: "false (absent)",
            summary: "Read the systemd journal."),
        .init(
            path: "input.journald.directory", type: "path", defaultValue: "(system journal)",
            summary: "Read journal files from this directory instead."),
        .init(
            path: "input.journald.files", type: "[path]", defaultValue: "[]",
            summary: "Read these journal files instead."),
        .init(
            path: "input.journald.matches", type: "[FIELD=value]", defaultValue: "[]",
            summary: "Journal matches (sd_journal_add_match)."),
        .init(
            path: "input.nats.servers", type: "[url]", defaultValue: "[\"nats://127.0.0.1:4222\"]",
            summary: "NATS servers (nats:// or tls://); any one of a cluster is enough, more survive its loss."),
        .init(
            path: "input.nats.stream", type: "string", defaultValue: "ACTIVITY",
            summary: "The JetStream stream the forwarders publish to."),
        .init(
            path: "input.nats.stream_subjects", type: "[subject]", defaultValue: "[\"activity.>\"]",
            summary: "The stream's subjects, used only when this daemon creates the stream."),
        .init(
            path: "input.nats.replicas", type: "int", defaultValue: "3",
            summary:
                "The stream's replicas, used only when this daemon creates the stream (3 in production: docs/multi-host.md)."
        ),
        .init(
            path: "input.nats.consumer", type: "string", defaultValue: "activityd",
            summary:
                "Durable pull consumer name; one per collector. Its position (the stream sequence) is committed with the events."
        ),
        .init(
            path: "input.nats.subjects", type: "subject", defaultValue: "activity.>",
            summary: "Subject filter of this collector: several collectors split the hosts between them by subject."),
        .init(
            path: "input.nats.batch", type: "int", defaultValue: "256",
            summary: "Messages per fetch (one store write at most)."),
        .init(
            path: "input.nats.credentials", type: "path", defaultValue: "(none)",
            summary: "NATS .creds file (user JWT and NKey seed)."),
        .init(path: "input.nats.token", type: "string", defaultValue: "(none)", summary: "NATS authentication token."),
        .init(
            path: "input.nats.tls_ca", type: "path", defaultValue: "(none)",
            summary: "CA bundle of the servers' certificates; requires TLS."),
        .init(
            path: "input.nats.tls_cert", type: "path", defaultValue: "(none)",
            summary: "Client certificate for mutual TLS (with tls_key)."),
        .init(
            path: "input.nats.tls_key", type: "path", defaultValue: "(none)",
            summary: "Client key for mutual TLS (with tls_cert)."),
        .init(
            path: "input.nats.timeout", type: "duration", defaultValue: "5s",
            summary: "Connect and JetStream request timeout."),
        .init(
            path: "forward.nats.servers", type: "[url]", defaultValue: "[\"nats://127.0.0.1:4222\"]",
            summary: "NATS servers to publish this host's stored events to."),
        .init(
            path: "forward.nats.stream", type: "string", defaultValue: "ACTIVITY",
            summary: "The JetStream stream (created when missing, with stream_subjects and replicas)."),
        .init(
            path: "forward.nats.stream_subjects", type: "[subject]", defaultValue: "[\"activity.>\"]",
            summary: "The stream's subjects, used only when this daemon creates the stream."),
        .init(
            path: "forward.nats.replicas", type: "int", defaultValue: "3",
            summary: "The stream's replicas, used only when this daemon creates the stream."),
        .init(
            path: "forward.nats.host_id", type: "string", defaultValue: "(host name before its first dot)",
            summary: "This host's id: every message id is <host_id>:<seq>. Letters, digits, - and _."),
        .init(
            path: "forward.nats.subject", type: "subject", defaultValue: "activity.<host_id>",
            summary: "Where this host publishes; one subject per host."),
        .init(
            path: "forward.nats.retention_drops_unforwarded", type: "bool", defaultValue: "false",
            summary:
                "Let store retention delete segments not yet forwarded (counted as dropped.unforwarded_deleted); by default retention waits for the forwarder."
        ),
        .init(
            path: "forward.nats.credentials", type: "path", defaultValue: "(none)",
            summary: "NATS .creds file (user JWT and NKey seed)."),
        .init(
            path: "forward.nats.token", type: "string", defaultValue: "(none)", summary: "NATS authentication token."),
        .init(
            path: "forward.nats.tls_ca", type: "path", defaultValue: "(none)",
            summary: "CA bundle of the servers' certificates; requires TLS."),
        .init(
            path: "forward.nats.tls_cert", type: "path", defaultValue: "(none)",
            summary: "Client certificate for mutual TLS (with tls_key)."),
        .init(
            path: "forward.nats.tls_key", type: "path", defaultValue: "(none)",
            summary: "Client key for mutual TLS (with tls_cert)."),
        .init(
            path: "forward.nats.timeout", type: "duration", defaultValue: "5s",
            summary: "Connect and publish-acknowledgement timeout."),
        .init(
            path: "enrich.geoip.city", type: "path", defaultValue: "(none)", summary: "MaxMind City database (.mmdb)."),
        .init(
            path: "enrich.geoip.country", type: "path", defaultValue: "(none)",
            summary: "MaxMind Country database (used when no city database is set)."),
        .init(path: "enrich.geoip.asn", type: "path", defaultValue: "(none)", summary: "MaxMind ASN database."),
        .init(
            path: "enrich.geoip.anonymous", type: "path", defaultValue: "(none)",
            summary: "MaxMind Anonymous-IP database."),
        .init(
            path: "enrich.geoip.index_ipv4", type: "bool", defaultValue: "false",
            summary:
                "Flatten each database's IPv4 tree into a table at load: faster IPv4 lookups in isolation for ~25–35 MB of memory per City database (through the whole daemon the difference was within noise)."
        ),
        .init(
            path: "enrich.iplist[].name", type: "string", defaultValue: "(required)",
            summary: "List name, added to net.lists on a match."),
        .init(
            path: "enrich.iplist[].tag", type: "string", defaultValue: "(required)",
            summary: "vpn | proxy | tor | hosting sets that net flag; any other word is added to net.lists."),
        .init(
            path: "enrich.iplist[].path", type: "path", defaultValue: "(required)",
            summary: "File of CIDRs or addresses, one per line, # comments."),
        .init(
            path: "metrics.listen", type: "host:port", defaultValue: "(off)",
            summary: "Serve Prometheus text metrics over HTTP here."),
        .init(
            path: "normalize.timezone", type: "IANA zone", defaultValue: "(host zone)",
            summary: "Zone for syslog time stamps that carry no offset."),
        .init(
            path: "normalize.keep_raw", type: "bool", defaultValue: "false",
            summary: "Keep every event's raw message in origin.raw."),
        .init(
            path: "risk.enabled", type: "bool", defaultValue: "true",
            summary:
                "Set risk flags on every successful login as it is stored (new_country, impossible_travel, anonymizer, failed_burst, new_device; reasons in attrs.risk_why)."
        ),
        .init(
            path: "risk.max_speed_kmh", type: "number", defaultValue: "1000",
            summary: "Travel faster than this between two located logins is impossible."),
        .init(
            path: "risk.burst_threshold", type: "int", defaultValue: "5",
            summary: "Failed attempts within burst_window that make a burst (per user and per address)."),
        .init(path: "risk.burst_window", type: "duration", defaultValue: "10m", summary: "The failure-burst window."),
        .init(
            path: "risk.checkpoint_interval", type: "duration", defaultValue: "5m",
            summary:
                "How often the risk state is checkpointed to risk.checkpoint, so that a start after a crash replays only the login attempts stored since (0: never; a crash then refolds every stored attempt)."
        ),
        .init(
            path: "risk.max_users", type: "int", defaultValue: "2000000",
            summary:
                "Users whose history is kept in memory; beyond it the least recently seen eighth is forgotten (~370 bytes per user, BENCHMARKS.md)."
        ),
        .init(
            path: "risk.max_addresses", type: "int", defaultValue: "1000000",
            summary: "Addresses whose recent failures are kept; beyond it the least recently seen eighth is forgotten."),
        .init(
            path: "risk.block", type: "[flag]", defaultValue: "[]",
            summary: "Flags that make POST /v1/check answer block."),
        .init(
            path: "risk.challenge", type: "[flag]",
            defaultValue: "[\"new_country\", \"impossible_travel\", \"anonymizer\", \"failed_burst\"]",
            summary: "Flags that make POST /v1/check answer challenge (block wins)."),
        .init(
            path: "risk.account.<name>.block", type: "[flag]", defaultValue: "(risk.block)",
            summary: "The block list for checks naming this account."),
        .init(
            path: "risk.account.<name>.challenge", type: "[flag]", defaultValue: "(risk.challenge)",
            summary: "The challenge list for checks naming this account."),
        .init(
            path: "api.listen", type: "host:port", defaultValue: "(off)",
            summary: "Serve the check API (POST /v1/check) over HTTP here; loopback only unless you put TLS in front."),
        .init(
            path: "api.token[].name", type: "string", defaultValue: "(required)",
            summary: "Name of an application's bearer token (in logs and counters)."),
        .init(
            path: "api.token[].sha256", type: "hex", defaultValue: "(required)",
            summary:
                "SHA-256 of the token, 64 hex digits (`printf %s TOKEN | sha256sum`); the token itself is never stored."
        ),
        .init(
            path: "api.token[].accounts", type: "[string]", defaultValue: "[] (any)",
            summary: "Accounts the token may ask about; when set, every check must name one of them."),
        .init(
            path: "api.record", type: "bool", defaultValue: "false",
            summary:
                "Store every check as a login_check event (attrs check_id, verdict, risk) so the later login can be linked to it."
        ),
        .init(
            path: "api.max_body", type: "size", defaultValue: "16KiB",
            summary: "Larger request bodies are refused with 413."),
        .init(
            path: "web.listen", type: "host:port", defaultValue: "127.0.0.1:8089",
            summary:
                "Where activity-web serves the console and /api/v1/; an address beyond loopback is refused unless TLS is configured."
        ),
        .init(
            path: "web.tls_certificate", type: "path", defaultValue: "(none: plain HTTP)",
            summary:
                "PEM certificate chain: serve HTTPS (with tls_key; TLS 1.2 or later, session cookies Secure, HSTS sent)."
        ),
        .init(
            path: "web.tls_key", type: "path", defaultValue: "(none)", summary: "PEM private key of tls_certificate."),
        .init(
            path: "web.session_key", type: "path", defaultValue: "(random per start)",
            summary:
                "File with the HMAC-SHA256 key that signs session cookies (at least 32 bytes); without it sessions end when activity-web restarts."
        ),
        .init(
            path: "web.session_ttl", type: "duration", defaultValue: "8h",
            summary: "How long a login form session lasts."),
        .init(
            path: "web.timezone", type: "IANA zone", defaultValue: "UTC",
            summary: "Zone pages show times in unless the viewer picks another (?tz=)."),
        .init(
            path: "web.login_failures", type: "int", defaultValue: "5",
            summary:
                "Failed logins (form, Basic or token) from one address within login_failure_window after which that address is refused with 429 (counted)."
        ),
        .init(
            path: "web.login_failure_window", type: "duration", defaultValue: "15m", summary: "The failed-login window."
        ),
        .init(
            path: "web.page_size", type: "int", defaultValue: "100",
            summary: "Rows per page (pages are cursors by seq)."),
        .init(
            path: "web.audit_to", type: "host:port", defaultValue: "(off)",
            summary:
                "Send an admin event for every view of a user's data and every export to activityd's UDP input here."),
        .init(
            path: "web.audit_app", type: "string", defaultValue: "(unsigned)",
            summary: "Application id for HMAC-signed audit datagrams (with audit_key; as in input.udp.keys)."),
        .init(
            path: "web.audit_key", type: "path", defaultValue: "(unsigned)",
            summary: "HMAC-SHA256 key file of audit_app (at least 16 bytes, as input.udp.keys)."),
        .init(path: "web.user[].name", type: "string", defaultValue: "(required)", summary: "A person's login name."),
        .init(
            path: "web.user[].bcrypt", type: "string", defaultValue: "(required)",
            summary: "The bcrypt hash of the password (`activity-web --hash-password`); never the password."),
        .init(
            path: "web.user[].roles", type: "[security|activity|admin]", defaultValue: "(required)",
            summary:
                "security: security page, users, histories, login reports; activity: activity report and CSV export; admin: everything."
        ),
        .init(
            path: "web.user[].accounts", type: "[string]", defaultValue: "[] (all)",
            summary: "Only events, users and rows of these accounts are shown (in lists, counts, CSV and errors)."),
        .init(
            path: "web.token[].name", type: "string", defaultValue: "(required)",
            summary: "An API token's name (Authorization: Bearer)."),
        .init(
            path: "web.token[].sha256", type: "hex", defaultValue: "(required)",
            summary: "SHA-256 of the token, 64 hex digits (`printf %s TOKEN | sha256sum`)."),
        .init(
            path: "web.token[].roles", type: "[security|activity|admin]", defaultValue: "(required)",
            summary: "As web.user[].roles."),
        .init(
            path: "web.token[].accounts", type: "[string]", defaultValue: "[] (all)", summary: "As web.user[].accounts."
        ),
    ]
}
