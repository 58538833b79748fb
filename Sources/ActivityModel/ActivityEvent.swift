/// One normalized event: a login, an activity or an administrative action (DESIGN.md, "The normalized event").
///
/// Every part of the product speaks this type: inputs are normalized into it, enrichment fills ``geo``, ``net``
/// and ``risk``, the store encodes it, and `activityctl` prints it. Required are ``time``, ``category``,
/// ``action`` and ``outcome``; everything else is optional and omitted from the export when absent.
public struct ActivityEvent: Hashable, Sendable {
    /// The stored fields. They live behind one reference (``Box``, copied on write), so passing an event
    /// between stages, into arrays and out of them costs one reference count instead of one per string: the
    /// pipeline, the store and the reports copy events several times each (measured: copies were a quarter of
    /// a report's decoding thread).
    @usableFromInline
    package struct Fields: Hashable, Sendable {
        @usableFromInline package var seq: UInt64 = 0
        @usableFromInline package var time: Timestamp
        @usableFromInline package var ingested: Timestamp? = nil
        @usableFromInline package var category: EventCategory
        @usableFromInline package var action: Action
        @usableFromInline package var outcome: Outcome
        @usableFromInline package var reason: String? = nil
        @usableFromInline package var user: String? = nil
        @usableFromInline package var actor: String? = nil
        @usableFromInline package var actorRole: String? = nil
        @usableFromInline package var account: String? = nil
        @usableFromInline package var session: ShortText? = nil
        @usableFromInline package var entry: String? = nil
        @usableFromInline package var device: String? = nil
        @usableFromInline package var ip: IPAddress? = nil
        @usableFromInline package var port: UInt16? = nil
        @usableFromInline package var host: String? = nil
        @usableFromInline package var service: String? = nil
        @usableFromInline package var geo: Geo? = nil
        @usableFromInline package var net: NetFlags? = nil
        @usableFromInline package var commerce: Commerce? = nil
        @usableFromInline package var comment: String? = nil
        @usableFromInline package var attrs: Attributes
        @usableFromInline package var origin: Origin? = nil
        @usableFromInline package var risk: RiskFlags
    }

    @usableFromInline
    package final class Box: @unchecked Sendable {
        // @unchecked Sendable: `fields` is only written through ``ActivityEvent/fields``'s modify accessor, which
        // first makes this box unique to the writing value (copy on write), so a shared box is never written.
        // Unchecked exclusivity: the runtime check on every field access of a class property cost ~4 % of a
        // report; the copy-on-write accessor is the only writer.
        @usableFromInline @exclusivity(unchecked) package var fields: Fields
        @inlinable init(_ fields: Fields) { self.fields = fields }
    }

    /// The storage, for the store's encoder in this package: it reads fields in place through it (`box.fields.origin?.input`)
    /// where the public getters would copy a whole `Origin`, `Geo` or `Commerce` out first.
    @usableFromInline package var box: Box

    /// The write path of every property: copies the box first when another value shares it.
    @usableFromInline
    var fields: Fields {
        @inlinable get { box.fields }
        @inlinable _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            yield &box.fields
        }
    }

    /// The stored fields, written in place by this package's decoders, which fill a new event field by field:
    /// one uniqueness check for all of them, where each property's setter checks once per field. (Writing
    /// `box.fields` from another module costs a runtime exclusivity check per access, ~75 instructions: the
    /// box's `@exclusivity(unchecked)` holds only for code compiled or inlined from this module.)
    @inlinable package var storedFields: Fields {
        _read { yield box.fields }
        _modify { yield &fields }
    }

    /// Equal when every field is equal; two values sharing one storage box compare without reading it.
    public static func == (a: ActivityEvent, b: ActivityEvent) -> Bool {
        a.box === b.box || a.box.fields == b.box.fields
    }
    /// Hashes every field, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(box.fields) }

    /// Store-assigned sequence number: strictly increasing, never reused. Zero until the store assigns it.
    public var seq: UInt64 {
        @inlinable get { box.fields.seq }
        @inlinable _modify { yield &fields.seq }
    }
    /// When it happened.
    public var time: Timestamp {
        @inlinable get { box.fields.time }
        @inlinable _modify { yield &fields.time }
    }
    /// When activityd received it.
    public var ingested: Timestamp? {
        @inlinable get { box.fields.ingested }
        @inlinable _modify { yield &fields.ingested }
    }
    /// Which of the three kinds of event this is. A known ``action`` implies it (``Action/knownCategory``).
    public var category: EventCategory {
        @inlinable get { box.fields.category }
        @inlinable _modify { yield &fields.category }
    }
    /// The normalized verb in snake_case (`login`, `password_changed`...): see ``Action``.
    public var action: Action {
        @inlinable get { box.fields.action }
        @inlinable _modify { yield &fields.action }
    }
    /// Whether the action succeeded; ``Outcome/unknown`` when the source did not say.
    public var outcome: Outcome {
        @inlinable get { box.fields.outcome }
        @inlinable _modify { yield &fields.outcome }
    }
    /// Detail of a failure or status, snake_case (`invalid_password`, `idle_timeout`...).
    public var reason: String? {
        @inlinable get { box.fields.reason }
        @inlinable _modify { yield &fields.reason }
    }
    /// The account the event is about.
    public var user: String? {
        @inlinable get { box.fields.user }
        @inlinable _modify { yield &fields.user }
    }
    /// Who did it; for self-service `actor == user`.
    public var actor: String? {
        @inlinable get { box.fields.actor }
        @inlinable _modify { yield &fields.actor }
    }
    /// `user`, `admin`, `support`, `system`.
    public var actorRole: String? {
        @inlinable get { box.fields.actorRole }
        @inlinable _modify { yield &fields.actorRole }
    }
    /// Tenant or organisation, where the source has one.
    public var account: String? {
        @inlinable get { box.fields.account }
        @inlinable _modify { yield &fields.account }
    }
    /// The source's session identifier (a logind session number, an application's session id). Stored inline,
    /// not in the frame's string table, because it rarely repeats (docs/segment-format.md §4).
    ///
    /// Held as a ``ShortText`` (up to 16 ASCII bytes without an allocation); reading it builds the `String`.
    public var session: String? {
        @inlinable get { box.fields.session?.string }
        @inlinable set { fields.session = newValue.map(ShortText.init) }
    }

    /// ``session``'s UTF-8 bytes passed to `body` without building a `String`; nil when there is no session.
    @inlinable package func withSessionUTF8<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R? {
        box.fields.session?.withUTF8(body)
    }

    /// Sets ``session`` to the text of the UTF-8 bytes `b` (invalid sequences repaired, as `String(decoding:)`),
    /// without building a `String` when it is short ASCII.
    @inlinable package mutating func setSession(utf8 b: UnsafeRawBufferPointer) {
        fields.session = ShortText(utf8: b)
    }

    /// Whether ``session`` is set, without building it.
    @inlinable package var hasSession: Bool { box.fields.session != nil }
    /// Entry method: `web`, `mobile`, `api`, `ssh`, `console`, `su`, `sudo`, `desktop`, `batch`, `report`...
    public var entry: String? {
        @inlinable get { box.fields.entry }
        @inlinable _modify { yield &fields.entry }
    }
    /// Device type, user agent or tty.
    public var device: String? {
        @inlinable get { box.fields.device }
        @inlinable _modify { yield &fields.device }
    }
    /// Remote address.
    public var ip: IPAddress? {
        @inlinable get { box.fields.ip }
        @inlinable _modify { yield &fields.ip }
    }
    /// Remote (client) port of the connection from ``ip``, when the source gives one.
    public var port: UInt16? {
        @inlinable get { box.fields.port }
        @inlinable _modify { yield &fields.port }
    }
    /// The host it happened on.
    public var host: String? {
        @inlinable get { box.fields.host }
        @inlinable _modify { yield &fields.host }
    }
    /// Program or application (`sshd`, `sudo`, `billing-api`).
    public var service: String? {
        @inlinable get { box.fields.service }
        @inlinable _modify { yield &fields.service }
    }
    /// Where ``ip`` is, filled by enrichment from the GeoIP databases; nil when not enriched or nothing was found.
    public var geo: Geo? {
        @inlinable get { box.fields.geo }
        @inlinable _modify { yield &fields.geo }
    }
    /// What ``ip`` is known to be (VPN, proxy, Tor, hosting, matching IP lists), filled by enrichment; nil when
    /// enrichment set nothing.
    public var net: NetFlags? {
        @inlinable get { box.fields.net }
        @inlinable _modify { yield &fields.net }
    }
    /// Money facts of subscription and order events; nil for other events.
    public var commerce: Commerce? {
        @inlinable get { box.fields.commerce }
        @inlinable _modify { yield &fields.commerce }
    }
    /// Free text the sender attached to the event (the application event's `comment` field); not interpreted.
    public var comment: String? {
        @inlinable get { box.fields.comment }
        @inlinable _modify { yield &fields.comment }
    }
    /// Any other string key/values the source gave, kept in key order.
    public var attrs: Attributes {
        // Read in place: the pairs are held inline (``Attributes/inlineCapacity``), so a copy would retain each.
        @inlinable _read { yield box.fields.attrs }
        @inlinable _modify { yield &fields.attrs }
    }
    /// Which input produced the event and where in it; nil when the event was built without one.
    public var origin: Origin? {
        @inlinable get { box.fields.origin }
        @inlinable _modify { yield &fields.origin }
    }
    /// Risk flags. The daemon's risk engine sets them on successful logins as they are stored, together with the
    /// ``RiskFlags/assessed`` mark and its reasons in `attrs.risk_why`; empty for every other event.
    public var risk: RiskFlags {
        @inlinable get { box.fields.risk }
        @inlinable _modify { yield &fields.risk }
    }

    /// An event with the required fields, and optionally a user and attributes. Every other field starts nil,
    /// ``seq`` at 0 (the store assigns it) and ``risk`` empty; set them through their properties.
    public init(
        time: Timestamp, category: EventCategory, action: Action, outcome: Outcome = .unknown,
        user: String? = nil, attrs: Attributes = Attributes()
    ) {
        box = Box(
            Fields(time: time, category: category, action: action, outcome: outcome, user: user, attrs: attrs, risk: [])
        )
    }
}

extension ActivityEvent {
    /// An event with the required fields and `seq`, no attributes (a decoder's start). The empty attributes are
    /// built here, in place: passed in from another module they were copied pair by pair (six empty pairs held
    /// inline: ~300 instructions per event decoded, callgrind).
    package init(seq: UInt64, time: Timestamp, category: EventCategory, action: Action, outcome: Outcome) {
        box = Box(
            Fields(
                seq: seq, time: time, category: category, action: action, outcome: outcome, attrs: Attributes(),
                risk: []))
    }
}

extension ActivityEvent {
    /// An event from fields a decoder built as a local value: one allocation, and no field written through the
    /// storage box (from another module, each such write checked exclusivity at run time; callgrind,
    /// `activity-bench decode`).
    package init(fields: consuming Fields) { box = Box(fields) }
}

extension ActivityEvent.Fields {
    /// The required fields; every other field nil, `seq` 0, no attributes, no risk flags (a decoder's start).
    package init(time: Timestamp, category: EventCategory, action: Action, outcome: Outcome) {
        self.init(time: time, category: category, action: action, outcome: outcome, attrs: Attributes(), risk: [])
    }
}

/// Where an address is, from the GeoIP databases.
public struct Geo: Hashable, Sendable {
    /// ISO 3166-1 alpha-2.
    public var country: String?
    /// Country name, in English as the GeoIP database gives it.
    public var countryName: String?
    /// First-level subdivision (state, province, region), as the database names it.
    public var region: String?
    /// City name.
    public var city: String?
    /// Latitude in degrees (WGS 84), −90 to 90.
    public var lat: Double?
    /// Longitude in degrees (WGS 84), −180 to 180.
    public var lon: Double?
    /// Accuracy radius of ``lat``/``lon``.
    public var radiusKm: Int?
    /// IANA time zone of the location.
    public var tz: String?
    /// Number of the autonomous system that announces the address.
    public var asn: UInt32?
    /// Name of the organisation that holds ``asn``.
    public var asOrg: String?

    /// An empty location: every field nil.
    public init() {}

    /// True when no field is set. (Field by field: comparing with `Geo()` built an empty location and compared
    /// ten optionals, twice per stored event — measured with callgrind on `activity-bench pipeline`.)
    public var isEmpty: Bool {
        country == nil && countryName == nil && region == nil && city == nil && lat == nil && lon == nil
            && radiusKm == nil && tz == nil && asn == nil && asOrg == nil
    }
}

/// What the address is known to be: an anonymizer, a hosting network, and the lists that matched it.
public struct NetFlags: Hashable, Sendable {
    /// The address is a known VPN exit.
    public var vpn = false
    /// The address is a known proxy.
    public var proxy = false
    /// The address is a Tor exit node.
    public var tor = false
    /// The address belongs to a hosting or data-centre network.
    public var hosting = false
    /// Names of the IP lists (and database tags such as `residential_proxy`) that matched, in match order.
    public var lists: [String] = []

    /// Flags as given; by default none set and no list matched.
    public init(vpn: Bool = false, proxy: Bool = false, tor: Bool = false, hosting: Bool = false, lists: [String] = [])
    {
        self.vpn = vpn; self.proxy = proxy; self.tor = tor; self.hosting = hosting; self.lists = lists
    }

    /// True when no flag is set and no list matched.
    public var isEmpty: Bool { !vpn && !proxy && !tor && !hosting && lists.isEmpty }
    /// True when the address hides who is behind it.
    public var isAnonymizer: Bool { vpn || proxy || tor }
}

/// Money facts for subscription and order events (the payments seed's columns).
public struct Commerce: Hashable, Sendable {
    /// Subscription identifier.
    public var subscription: String?
    /// Order identifier (stored inline: it rarely repeats).
    public var order: String?
    /// A decimal string, kept exactly as the sender wrote it (`"19.99"`): never a binary float.
    public var amount: String?
    /// ISO 4217.
    public var currency: String?
    /// Billing cycles, as the sender gave them (the application event's `billing_cycles`).
    public var billingCycles: Int?

    /// Empty: every field nil.
    public init() {}
    /// True when no field is set.
    public var isEmpty: Bool { self == Commerce() }
}

/// Which input produced the event, and where in it.
public struct Origin: Hashable, Sendable {
    /// `udp`, `journald` or `file`.
    public var input: String
    /// The input's position: a journal cursor, `path:inode:offset` for files; nil for UDP.
    public var position: String?
    /// Where it came from: the sender's address for UDP, the file path, the journal.
    public var source: String?
    /// The raw message, when configured to keep it.
    public var raw: String?

    /// An origin for input `input` (`udp`, `journald`, `file`), with the position, source and raw message when known.
    @inlinable
    public init(input: String, position: String? = nil, source: String? = nil, raw: String? = nil) {
        self.input = input; self.position = position; self.source = source; self.raw = raw
    }
}

/// Derived risk flags (`docs/segment-format.md` §4: the `risk` byte).
public struct RiskFlags: OptionSet, Hashable, Sendable {
    /// The `risk` byte as stored: bits 0–4 the flags, bit 7 ``assessed``; bits 5 and 6 are reserved.
    public let rawValue: UInt8
    /// Wraps a stored `risk` byte as is (reserved bits included).
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A successful login from a country that is not among the user's earlier successful logins; the user's first
    /// located login is never flagged.
    public static let newCountry = RiskFlags(rawValue: 1 << 0)
    /// A successful login too far from the user's previous located login for the time between them (faster than
    /// the configured speed, 1000 km/h by default).
    public static let impossibleTravel = RiskFlags(rawValue: 1 << 1)
    /// A successful login through a VPN, proxy, Tor or hosting network (see ``ActivityEvent/net``).
    public static let anonymizer = RiskFlags(rawValue: 1 << 2)
    /// The first successful login after a burst of failures of the same user or from the same address.
    public static let failedBurst = RiskFlags(rawValue: 1 << 3)
    /// A successful login from a device the user has not logged in from before.
    public static let newDevice = RiskFlags(rawValue: 1 << 4)
    /// Not a flag but a mark: the daemon's risk engine assessed this event at ingest, so the other bits are
    /// its verdict (and `attrs.risk_why` its reasons) and a report reads them instead of recomputing. Events
    /// stored before risk at ingest never carry it. Not exported as a name.
    public static let assessed = RiskFlags(rawValue: 1 << 7)

    /// Export names, in a fixed order.
    public static let names: [(RiskFlags, String)] = [
        (.newCountry, "new_country"), (.impossibleTravel, "impossible_travel"),
        (.anonymizer, "anonymizer"), (.failedBurst, "failed_burst"), (.newDevice, "new_device"),
    ]

    /// The flags without the ``assessed`` mark.
    public var flagsOnly: RiskFlags { subtracting(.assessed) }

    /// The export names of the flags set, joined with `,` (`new_country,anonymizer`).
    public var nameList: String { RiskFlags.names.filter { contains($0.0) }.map(\.1).joined(separator: ",") }

    /// The flag whose export name is `name` (`new_country`...); nil for any other text, `assessed` included.
    public init?(name: String) {
        guard let f = RiskFlags.names.first(where: { $0.1 == name }) else { return nil }
        self = f.0
    }
}
