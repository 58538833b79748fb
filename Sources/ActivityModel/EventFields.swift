extension ActivityEvent {
    /// The fields of an event, described once, in export order (DESIGN.md's table, `docs/segment-format.md` §4.1).
    ///
    /// Every other list of the event's fields is derived from this table or checked against it by a test
    /// (`EventFieldCoverageTests` and its neighbours fail when a list misses a field): the export writer
    /// (`ExportJSON.swift`), the segment codec's presence mask (`EventCodec`, `docs/segment-format.md` §4, the
    /// Python reader in `contrib/`), the application-event decoder's names (`AppEventDecoder.aliases`),
    /// `activityctl send`'s options, the `--output-fields` names and CSV columns (`ActivityReports`), and the
    /// indexed fields (`IndexedField`). The writers and decoders keep their own straight-line code: they are the
    /// hot paths, and a loop over this table would cost them a lookup per field per event.
    ///
    /// To add a field: ARCHITECTURE.md, "Where to change what".
    public enum Field: String, CaseIterable, Hashable, Sendable {
        /// ``ActivityEvent/seq``, ``ActivityEvent/time``, ``ActivityEvent/ingested``, ``ActivityEvent/category``,
        /// ``ActivityEvent/action``, ``ActivityEvent/outcome``, ``ActivityEvent/reason``, ``ActivityEvent/user``,
        /// ``ActivityEvent/actor``.
        case seq, time, ingested, category, action, outcome, reason, user, actor
        /// ``ActivityEvent/actorRole``.
        case actorRole = "actor_role"
        /// ``ActivityEvent/account``, ``ActivityEvent/session``, ``ActivityEvent/entry``, ``ActivityEvent/device``,
        /// ``ActivityEvent/ip``, ``ActivityEvent/port``, ``ActivityEvent/host``, ``ActivityEvent/service``,
        /// ``ActivityEvent/geo``, ``ActivityEvent/net``, ``ActivityEvent/commerce``, ``ActivityEvent/comment``,
        /// ``ActivityEvent/attrs``, ``ActivityEvent/origin``, ``ActivityEvent/risk``.
        case account, session, entry, device, ip, port, host, service, geo, net, commerce, comment, attrs, origin, risk

        /// The export JSON key (snake_case), which is also the application event's canonical name.
        public var key: String { rawValue }

        /// The field's bit in the segment codec's presence mask (`docs/segment-format.md` §4); nil for the fields
        /// in the fixed part of every stored event (`seq` is the frame's base plus the event's ordinal; `time`,
        /// `category`, `outcome` and `action` are always written).
        public var presenceBit: UInt64? {
            switch self {
            case .seq, .time, .category, .action, .outcome: nil
            case .ingested: 1 << 0
            case .reason: 1 << 1
            case .user: 1 << 2
            case .actor: 1 << 3
            case .actorRole: 1 << 4
            case .account: 1 << 5
            case .session: 1 << 6
            case .entry: 1 << 7
            case .device: 1 << 8
            case .ip: 1 << 9
            case .port: 1 << 10
            case .host: 1 << 11
            case .service: 1 << 12
            case .geo: 1 << 13
            case .net: 1 << 14
            case .commerce: 1 << 15
            case .comment: 1 << 16
            case .attrs: 1 << 17
            case .origin: 1 << 18
            case .risk: 1 << 19
            }
        }

        /// Every presence bit of format version 1: a mask with any other bit set is damage.
        public static let presenceMask: UInt64 = allCases.reduce(0) { $0 | ($1.presenceBit ?? 0) }

        /// The member keys of a nested object of the export form, in export order; empty for a single value.
        /// `attrs` has free keys (none listed); `risk`'s members are the flag names (``RiskFlags/names``).
        public var members: [String] {
            switch self {
            case .geo: ["country", "country_name", "region", "city", "lat", "lon", "radius_km", "tz", "asn", "as_org"]
            case .net: ["vpn", "proxy", "tor", "hosting", "lists"]
            case .commerce: ["subscription", "order", "amount", "currency", "billing_cycles"]
            case .origin: ["input", "position", "source", "raw"]
            case .risk: RiskFlags.names.map(\.1)
            default: []
            }
        }

        /// Every name a list of fields may use for this field: the key for a single value, `key.member` for each
        /// member of a nested object (`geo.country`), `attrs` for the free attributes.
        public var paths: [String] { members.isEmpty ? [key] : members.map { key + "." + $0 } }

        /// Every path of every field, in export order (``paths``).
        public static let allPaths: [String] = allCases.flatMap(\.paths)

        /// The field's property, for generic code and tests (`\ActivityEvent.actorRole`).
        public var keyPath: PartialKeyPath<ActivityEvent> {
            switch self {
            case .seq: \.seq
            case .time: \.time
            case .ingested: \.ingested
            case .category: \.category
            case .action: \.action
            case .outcome: \.outcome
            case .reason: \.reason
            case .user: \.user
            case .actor: \.actor
            case .actorRole: \.actorRole
            case .account: \.account
            case .session: \.session
            case .entry: \.entry
            case .device: \.device
            case .ip: \.ip
            case .port: \.port
            case .host: \.host
            case .service: \.service
            case .geo: \.geo
            case .net: \.net
            case .commerce: \.commerce
            case .comment: \.comment
            case .attrs: \.attrs
            case .origin: \.origin
            case .risk: \.risk
            }
        }

        /// Whether `e` has a value for this field: what the export writes and the codec marks present (an empty
        /// `geo`, `net`, `commerce`, `attrs` or `risk` counts as absent; `risk` only with a flag other than
        /// ``RiskFlags/assessed`` is exported, but the codec keeps the mark too).
        public func isPresent(in e: ActivityEvent) -> Bool {
            switch self {
            case .seq, .time, .category, .action, .outcome: true
            case .ingested: e.ingested != nil
            case .reason: e.reason != nil
            case .user: e.user != nil
            case .actor: e.actor != nil
            case .actorRole: e.actorRole != nil
            case .account: e.account != nil
            case .session: e.hasSession
            case .entry: e.entry != nil
            case .device: e.device != nil
            case .ip: e.ip != nil
            case .port: e.port != nil
            case .host: e.host != nil
            case .service: e.service != nil
            case .geo: e.geo.map { !$0.isEmpty } ?? false
            case .net: e.net.map { !$0.isEmpty } ?? false
            case .commerce: e.commerce.map { !$0.isEmpty } ?? false
            case .comment: e.comment != nil
            case .attrs: !e.attrs.isEmpty
            case .origin: e.origin != nil
            case .risk: !e.risk.isEmpty
            }
        }
    }
}
