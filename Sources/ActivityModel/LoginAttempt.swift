/// One login attempt as the reports read it (`report logins`, `report failures`, the fast path of
/// `report suspicious`): what they look at of an event whose action is one of
/// ``LoginEventKind/attemptActions``, and nothing else. Read from an index's `logins` section, or made from the
/// event itself (``LoginAttempts/append(_:)``) where no index covers it; both give the same attempt.
public struct LoginAttempt: Hashable, Sendable {
    /// The event's `time`.
    public var time: Timestamp
    /// The event's `seq` (where to read the whole event, and the tie-break of equal times).
    public var seq: UInt64
    /// ``LoginEventKind`` of the event: ``LoginEventKind/success``, ``LoginEventKind/mfaSuccess``,
    /// ``LoginEventKind/failure`` or ``LoginEventKind/other``.
    public var kind: LoginEventKind
    /// The user: an index into ``LoginAttempts/users``; −1 when the event has no user or an empty one (every
    /// report treats both alike).
    public var user: Int32
    /// The event's `ip`.
    public var ip: IPAddress?
    /// The event's `risk` byte (the daemon's flags and ``RiskFlags/assessed`` mark).
    public var risk: RiskFlags

    public init(time: Timestamp, seq: UInt64, kind: LoginEventKind, user: Int32, ip: IPAddress?, risk: RiskFlags) {
        self.time = time; self.seq = seq; self.kind = kind; self.user = user; self.ip = ip; self.risk = risk
    }
}

/// Login attempts whose users are ids (``LoginAttempt/user``) with their names at hand: what the reports over
/// attempts read.
public protocol LoginAttemptSequence: Sequence where Element == LoginAttempt {
    /// The name of user id `id`: any id of an attempt the sequence has handed out so far.
    func userName(_ id: Int32) -> String
}

/// Login attempts with their user names interned: ``LoginAttempt/user`` indexes ``users``.
public struct LoginAttempts: Sendable, LoginAttemptSequence {
    /// The user names, each once.
    public private(set) var users: [String] = []
    private var ids: [String: Int32] = [:]
    /// The attempts, in the order appended.
    public var rows: [LoginAttempt] = []

    public init() {}

    public func makeIterator() -> IndexingIterator<[LoginAttempt]> { rows.makeIterator() }
    public func userName(_ id: Int32) -> String { users[Int(id)] }

    /// The id of `name` (−1 for nil and the empty name), interning it on first sight.
    public mutating func id(_ name: String?) -> Int32 {
        guard let name, !name.isEmpty else { return -1 }
        if let id = ids[name] { return id }
        let id = Int32(users.count)
        users.append(name)
        ids[name] = id
        return id
    }

    /// Appends `e` when it is a login attempt (its action is one of ``LoginEventKind/attemptActions``).
    public mutating func append(_ e: ActivityEvent) {
        guard let a = attempt(e) else { return }
        rows.append(a)
    }

    /// `e` as an attempt (nil: its action is not a login attempt's), its user interned.
    public mutating func attempt(_ e: ActivityEvent) -> LoginAttempt? {
        guard LoginEventKind.attemptActions.contains(e.action.rawValue) else { return nil }
        return LoginAttempt(
            time: e.time, seq: e.seq, kind: LoginEventKind(e), user: id(e.user), ip: e.ip, risk: e.risk)
    }
}

extension LoginEventKind {
    /// The kind's code in an index's `logins` section (docs/segment-format.md): 0 success, 1 MFA success,
    /// 2 failure, 3 anything else.
    public var attemptCode: UInt8 {
        switch self {
        case .success: 0
        case .mfaSuccess: 1
        case .failure: 2
        default: 3
        }
    }

    /// The kind of an ``attemptCode``; nil for a code that is none.
    public init?(attemptCode: UInt8) {
        switch attemptCode {
        case 0: self = .success
        case 1: self = .mfaSuccess
        case 2: self = .failure
        case 3: self = .other
        default: return nil
        }
    }
}
