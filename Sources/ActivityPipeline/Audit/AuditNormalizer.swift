import ActivityModel

/// Turns Linux audit records (`/var/log/audit/audit.log`) into normalized events: logins and logouts, failed
/// logins, password changes, account and group administration, sudo commands (the table is in
/// docs/normalization.md, "Linux audit log").
///
/// The events are the ones the auth-log rules emit for the same facts (`login`, `logout`, `login_failed`,
/// `password_changed`/`password_set`, `user_created`, `user_modified`, `user_deleted`, `group_changed`,
/// `privilege_escalation`), so reports treat both sources alike; every audit event carries `attrs.audit_type`
/// and `attrs.audit_serial`.
///
/// Events of several records (kernel records: `SYSCALL`, `PATH`, `CWD`, `PROCTITLE`…, sharing
/// `msg=audit(TIME:SERIAL)` and ended by `EOE`) are gathered by serial: an event is complete when its `EOE`
/// arrives, when a record of another serial arrives, or when a user-space record (`USER_*`, `ADD_USER`…,
/// always a single record) joins it. A user-space record is interpreted at once, with the kernel records of
/// its serial, if any came before it, filling fields it lacks (`tty`, `comm`, `exe`). Kernel records alone
/// map to nothing: each is ``NormalizeResult/unmatched(program:)`` with program `audit`.
///
/// Bounded state, by (host, pid) as in ``Normalizer``: one login (and one logout) per process, though sshd
/// reports a login as `USER_START` and `USER_LOGIN` and a logout as `USER_END` and `USER_LOGOUT`; a
/// `USER_LOGIN res=failed` that follows the `USER_AUTH`/`USER_ACCT` failure of the same process is that
/// failure again; two `USER_CHAUTHTOK` of one `passwd` run are one change. At most ``maxTracked`` processes
/// (the older half dropped when full) and one pending group of at most ``maxGroupRecords`` records.
///
/// Use one normalizer per input stream (one audit log).
public struct AuditNormalizer: Sendable {
    /// Upper bound of tracked processes.
    public static let maxTracked = 4096
    /// Records kept of one pending multi-record event; further records of it are ignored.
    public static let maxGroupRecords = 64

    /// The event host for records without `node=` (the machine whose log this is).
    public var defaultHost: String?

    var pending: [AuditRecord] = []
    /// The last group completed by a user-space record: its `EOE` (if the kernel wrote one) adds nothing.
    var closed: (node: String?, serial: UInt64)?
    var processes: [AuditProcessKey: AuditProcess] = [:]

    /// Makes a normalizer with empty state.
    ///
    /// - Parameter host: the event host for records that carry no `node=`.
    public init(host: String? = nil) { self.defaultHost = host }

    /// Parses and normalizes one line of the audit log.
    ///
    /// - Returns: nil when the line is not an audit record (count it as unparsable); else the events of
    ///   what the line completed (maybe none: `.events([])` while a multi-record event is pending, or for a
    ///   record that only repeats what another said), or `.unmatched(program: "audit")` for records that
    ///   map to nothing.
    public mutating func normalize(line: Substring) -> NormalizeResult? {
        guard let r = AuditParser.parse(line) else { return nil }
        return normalize(r)
    }

    /// Normalizes one parsed record (see ``normalize(line:)``).
    ///
    /// Kernel records (`SYSCALL`, `PATH`, `EOE`…) are `.unmatched(program: "audit")` each; they are kept until
    /// a record of another serial arrives, in case a user-space record of their event follows.
    public mutating func normalize(_ record: AuditRecord) -> NormalizeResult {
        let sameEvent = pending.first.map { $0.serial == record.serial && $0.node == record.node } ?? false
        if !sameEvent { pending.removeAll(keepingCapacity: true) }
        if let c = closed, c.serial == record.serial, c.node == record.node {
            // The rest (usually `EOE`) of an event already interpreted.
            return .events([])
        }
        if record.type == "EOE" {
            pending.removeAll(keepingCapacity: true)
            return .unmatched(program: "audit")
        }
        if AuditNormalizer.isUserSpace(record.type) {
            let kernel = sameEvent ? pending : []
            pending.removeAll(keepingCapacity: true)
            closed = (record.node, record.serial)
            guard let events = interpret(record, kernel: kernel) else { return .unmatched(program: "audit") }
            return .events(events)
        }
        if pending.count < AuditNormalizer.maxGroupRecords { pending.append(record) }
        return .unmatched(program: "audit")
    }

    /// Types written by user space (PAM, shadow-utils, sudo, auditd itself) and the kernel's `LOGIN`:
    /// always one record per event.
    static func isUserSpace(_ type: String) -> Bool {
        if mapped[type] != nil { return true }
        for p in userSpacePrefixes where type.hasPrefix(p) { return true }
        return type == "LOGIN"
    }

    static let userSpacePrefixes = [
        "USER_", "CRED_", "ACCT_", "ADD_", "DEL_", "GRP_", "ROLE_", "DAEMON_", "SERVICE_",
        "SYSTEM_", "CRYPTO_", "ANOM_LOGIN", "RESP_", "VIRT_", "SOFTWARE_UPDATE",
    ]

    /// What each mapped type becomes.
    enum Kind {
        case auth, acct, login, start, end, logout, chauthtok, addUser, delUser, userMgmt, addGroup, delGroup,
            groupMgmt, lock, unlock, roleAssign, roleRemove, command
    }

    static let mapped: [String: Kind] = [
        "USER_AUTH": .auth, "USER_ACCT": .acct, "USER_LOGIN": .login, "USER_START": .start, "USER_END": .end,
        "USER_LOGOUT": .logout, "USER_CHAUTHTOK": .chauthtok, "ADD_USER": .addUser, "DEL_USER": .delUser,
        "USER_MGMT": .userMgmt, "ADD_GROUP": .addGroup, "DEL_GROUP": .delGroup, "GRP_MGMT": .groupMgmt,
        "ACCT_LOCK": .lock, "ACCT_UNLOCK": .unlock, "ROLE_ASSIGN": .roleAssign, "ROLE_REMOVE": .roleRemove,
        "USER_CMD": .command,
    ]

    /// Processes currently tracked (at most ``maxTracked``).
    public var trackedProcesses: Int { processes.count }

    /// The record types that can become events, sorted (for docs and tests).
    public static var mappedTypes: [String] { mapped.keys.sorted() }

    /// Programs whose PAM session (`USER_START`/`USER_END`) is a login, with their entry method. cron, sudo,
    /// systemd's user manager, polkit… open PAM sessions that are not logins (as in the auth-log rules).
    static let sessionPrograms: [String: String] = [
        "sshd": "ssh", "sshd-session": "ssh", "login": "console", "su": "su",
        "gdm-session-worker": "desktop", "lightdm": "desktop", "sddm-helper": "desktop",
    ]

    /// The record's events; nil when it maps to nothing.
    mutating func interpret(_ r: AuditRecord, kernel: [AuditRecord]) -> [ActivityEvent]? {
        guard let kind = AuditNormalizer.mapped[r.type] else { return nil }
        var ctx = AuditContext(record: r, kernel: kernel, host: r.node ?? defaultHost)
        switch kind {
        case .auth, .acct:
            guard ctx.failed else {
                // Remember who authenticated: sshd's later USER_LOGIN names the account only by uid.
                let key = ctx.processKey
                var p = processes[key] ?? AuditProcess(started: ctx.record.time)
                if let u = ctx.subject { p.user = u }
                store(key, p)
                return []
            }
            return failure(&ctx, reason: kind == .auth ? "invalid_password" : "not_allowed", pairable: true)
        case .login:
            if ctx.failed { return failure(&ctx, reason: "authentication_failed", pairable: false) }
            return login(&ctx)
        case .start:
            guard ctx.entry.map({ ["ssh", "console", "su", "desktop"].contains($0) }) == true,
                AuditNormalizer.sessionPrograms[ctx.program] != nil || ctx.terminal == "ssh"
            else { return [] }
            if ctx.failed { return [] }
            return login(&ctx)
        case .end, .logout:
            if kind == .end, AuditNormalizer.sessionPrograms[ctx.program] == nil, ctx.terminal != "ssh" { return [] }
            return logout(&ctx)
        case .chauthtok:
            return chauthtok(&ctx)
        case .addUser: return [admin(&ctx, .userCreated, user: ctx.subject)]
        case .delUser: return [admin(&ctx, .userDeleted, user: ctx.subject)]
        case .userMgmt:
            // usermod -aG: `op=add-user-to-group grp="sudo" acct="frank"`.
            if ctx.value("grp") != nil { return [group(&ctx, .groupMgmt)] }
            var e = admin(&ctx, .userModified, user: ctx.subject)
            if let op = ctx.value("op") { e.attrs["change"] = op }
            return [e]
        case .lock, .unlock:
            var e = admin(&ctx, .userModified, user: ctx.subject)
            e.attrs["change"] = kind == .lock ? "lock" : "unlock"
            return [e]
        case .addGroup, .delGroup, .groupMgmt:
            // useradd's and userdel's own group of the new or deleted user: part of that user's event (as the
            // auth-log rule reads `new group` from useradd and `removed group … owned by`).
            if (kind == .addGroup && ctx.program == "useradd") || (kind == .delGroup && ctx.program == "userdel") {
                return []
            }
            return [group(&ctx, kind)]
        case .roleAssign, .roleRemove:
            var e = admin(
                &ctx, kind == .roleAssign ? Action(rawValue: "access_granted") : Action(rawValue: "access_revoked"),
                user: ctx.subject)
            for (k, a) in [
                ("role", "role"), ("new-role", "new_role"), ("new-seuser", "new_seuser"), ("new-level", "new_level"),
                ("new-range", "new_range"),
            ] {
                if let v = ctx.value(k) { e.attrs[a] = v }
            }
            return [e]
        case .command:
            return [command(&ctx)]
        }
    }

    // MARK: - Logins

    mutating func login(_ ctx: inout AuditContext) -> [ActivityEvent] {
        let key = ctx.processKey
        var p = processes[key] ?? AuditProcess(started: ctx.record.time)
        let user = ctx.subject ?? p.user
        if p.loginEmitted && !p.logoutEmitted {
            // The second announcement of this login (sshd: USER_START then USER_LOGIN); after a logout the
            // pid may have been reused, so a new login counts.
            if p.user == nil { p.user = user }
            store(key, p)
            return []
        }
        p.loginEmitted = true
        p.logoutEmitted = false
        p.user = user
        p.ip = ctx.ip
        p.entry = ctx.entry
        p.started = ctx.record.time
        store(key, p)
        var e = ctx.event(.login, .login, .success)
        e.user = user
        e.actor = ctx.entry == "su" ? (ctx.loginUser ?? user) : user
        return [e]
    }

    mutating func logout(_ ctx: inout AuditContext) -> [ActivityEvent] {
        let key = ctx.processKey
        var p = processes[key] ?? AuditProcess(started: ctx.record.time)
        if p.logoutEmitted { return [] }
        p.logoutEmitted = true
        let user = ctx.subject ?? p.user
        p.user = user
        store(key, p)
        var e = ctx.event(.login, .logout, .success)
        e.user = user
        e.actor = ctx.entry == "su" ? (ctx.loginUser ?? user) : user
        if e.ip == nil { e.ip = p.ip }
        if p.loginEmitted {
            let d = (ctx.record.time.nanoseconds - p.started.nanoseconds) / 1_000_000_000
            if d >= 0 { e.attrs["duration_s"] = String(d) }
        }
        return [e]
    }

    mutating func failure(_ ctx: inout AuditContext, reason: String, pairable: Bool) -> [ActivityEvent] {
        let key = ctx.processKey
        var p = processes[key] ?? AuditProcess(started: ctx.record.time)
        if !pairable, p.pendingFailure {
            // sshd's USER_LOGIN res=failed after the PAM failure of the same attempt.
            p.pendingFailure = false
            store(key, p)
            return []
        }
        p.pendingFailure = pairable
        store(key, p)
        let acct = ctx.value("acct")
        let invalid =
            acct.map { $0 == "(invalid user)" || $0 == "(unknown user)" || $0 == "(unknown)" || $0 == "?" } ?? false
        if ctx.program == "sudo" {
            var e = ctx.event(.activity, .privilegeEscalation, .failure)
            e.reason = "auth_failure"
            e.user = ctx.loginUser ?? ctx.subject
            e.actor = e.user
            return [e]
        }
        var e = ctx.event(.login, .loginFailed, .failure)
        e.reason = invalid ? "invalid_user" : reason
        let user = invalid ? nil : ctx.subject
        e.user = user
        e.actor = ctx.entry == "su" ? (ctx.loginUser ?? user) : user
        if invalid, let acct { e.attrs["acct"] = acct }
        return [e]
    }

    // MARK: - Accounts

    mutating func chauthtok(_ ctx: inout AuditContext) -> [ActivityEvent] {
        let key = ctx.processKey
        let user = ctx.subject
        var p = processes[key] ?? AuditProcess(started: ctx.record.time)
        // passwd reports one change twice (PAM's `op=PAM:chauthtok acct="alice"`, then its own `op=change
        // password id=1000`); chpasswd changes several accounts in one process.
        if p.passwordChanged, p.user == user || user?.hasPrefix("uid:") == true || user == nil { return [] }
        p.passwordChanged = true
        p.user = user
        store(key, p)
        let actor = ctx.loginUser
        let outcome: Outcome = ctx.failed ? .failure : .success
        if ctx.program == "chpasswd" || (actor != nil && user != nil && actor != user) {
            var e = admin(&ctx, .passwordSet, user: user)
            e.outcome = outcome
            return [e]
        }
        var e = ctx.event(.login, .passwordChanged, outcome)
        e.user = user
        e.actor = user
        e.actorRole = "user"
        if ctx.failed { e.reason = "failed" }
        return [e]
    }

    func admin(_ ctx: inout AuditContext, _ action: Action, user: String?) -> ActivityEvent {
        var e = ctx.event(.admin, action, ctx.failed ? .failure : .success)
        e.user = user
        e.actor = ctx.loginUser
        e.actorRole = "admin"
        if ctx.failed { e.reason = "failed" }
        if let op = ctx.value("op") { e.attrs["op"] = op }
        if let id = ctx.value("id"), !AuditContext.isUnset(id) { e.attrs["id"] = id }
        return e
    }

    func group(_ ctx: inout AuditContext, _ kind: Kind) -> ActivityEvent {
        // groupadd/groupdel name the group in `acct` (or `grp`); usermod -aG and gpasswd name the user in
        // `acct` and the group in `grp`.
        let grp = ctx.value("grp")
        let acct = ctx.value("acct")
        let groupName = grp ?? acct ?? ctx.enrichedID
        let member = grp != nil ? acct : nil
        var e = admin(&ctx, .groupChanged, user: member)
        if let groupName { e.attrs["group"] = groupName }
        let op = (ctx.value("op") ?? "").lowercased()
        let change: String
        switch kind {
        case .addGroup: change = "created"
        case .delGroup: change = "deleted"
        default:
            if member != nil && (op.contains("add") || op.contains("member")) && !op.contains("delet")
                && !op.contains("remov")
            {
                change = "added"
            } else if member != nil && (op.contains("delet") || op.contains("remov")) {
                change = "removed"
            } else {
                change = "modified"
            }
        }
        e.attrs["change"] = change
        return e
    }

    func command(_ ctx: inout AuditContext) -> ActivityEvent {
        var e = ctx.event(.activity, .privilegeEscalation, ctx.failed ? .failure : .success)
        e.user = ctx.loginUser
        e.actor = e.user
        if ctx.failed { e.reason = "command_not_allowed" }
        if let c = ctx.value("cmd") { e.attrs["command"] = c }
        if let c = ctx.value("cwd") { e.attrs["pwd"] = c }
        return e
    }

    // MARK: - State

    mutating func store(_ key: AuditProcessKey, _ p: AuditProcess) {
        if processes[key] == nil, processes.count >= AuditNormalizer.maxTracked {
            NormalizerState.evictOldest(&processes) { $0.started }
        }
        processes[key] = p
    }
}

/// A process on a host, as audit records name it.
struct AuditProcessKey: Hashable {
    var host: String
    var pid: Int
}

/// What the audit normalizer remembers about one process.
struct AuditProcess {
    var started: Timestamp
    var user: String?
    var ip: IPAddress?
    var entry: String?
    var loginEmitted = false
    var logoutEmitted = false
    /// A USER_AUTH/USER_ACCT failure was reported and no USER_LOGIN failure has repeated it yet.
    var pendingFailure = false
    var passwordChanged = false
}

/// One record being interpreted, with the lookups every mapping needs.
struct AuditContext {
    let record: AuditRecord
    let kernel: [AuditRecord]
    let host: String?

    /// The value of `key`, in the record or else its event's kernel records; nil when absent or unset (`?`,
    /// `(none)`, empty).
    func value(_ key: String) -> String? {
        if let v = record[key] { return AuditContext.isBlank(v) ? nil : v }
        for k in kernel { if let v = k[key] { return AuditContext.isBlank(v) ? nil : v } }
        return nil
    }

    static func isBlank(_ v: String) -> Bool { v.isEmpty || v == "?" || v == "(none)" || v == "(null)" }
    /// `4294967295` (`(uid_t)-1`) and `-1` mean "not set" for auid, ses and ids; ENRICHED writes `unset`.
    static func isUnset(_ v: String) -> Bool { v == "4294967295" || v == "-1" || v == "unset" }

    var failed: Bool {
        switch record["res"] ?? record["result"] {
        case "failed", "fail", "failure", "no", "0": true
        default: false
        }
    }

    /// The executable's file name (`sshd`), the event's service.
    var program: String {
        guard let exe = value("exe") ?? value("comm") else { return "" }
        if let slash = exe.lastIndex(of: "/") { return String(exe[exe.index(after: slash)...]) }
        return exe
    }

    var terminal: String? { value("terminal") ?? value("tty") }

    /// `ssh`, `console`, `su`, `sudo`, `desktop`, as the auth-log rules set it.
    var entry: String? {
        let p = program
        if let e = AuditNormalizer.sessionPrograms[p] {
            if e == "console", let t = terminal, t == "ssh" { return "ssh" }
            return e
        }
        if p == "sudo" { return "sudo" }
        if let t = terminal {
            if t == "ssh" { return "ssh" }
            if t.hasPrefix("tty") || t.hasPrefix("/dev/tty") || t == "console" { return "console" }
        }
        return nil
    }

    var ip: IPAddress? {
        guard let a = value("addr") else { return nil }
        return IPAddress(a)
    }

    /// The account acted on: `acct`, else the ENRICHED name of `id`, else `uid:ID`.
    var subject: String? {
        if let a = value("acct") { return a }
        if let n = enrichedID { return n }
        if let id = value("id"), !AuditContext.isUnset(id) { return "uid:" + id }
        return nil
    }

    var enrichedID: String? {
        guard let n = record.enriched("ID"), !AuditContext.isBlank(n), !AuditContext.isUnset(n),
            !n.hasPrefix("unknown(")
        else { return nil }
        return n
    }

    /// The login user behind the event (the actor of administration): ENRICHED `AUID`, else `uid:AUID`;
    /// nil when unset.
    var loginUser: String? {
        if let n = record.enriched("AUID"), !AuditContext.isBlank(n), !AuditContext.isUnset(n), !n.hasPrefix("unknown(")
        {
            return n
        }
        if let a = value("auid"), !AuditContext.isUnset(a) { return "uid:" + a }
        return nil
    }

    var processKey: AuditProcessKey {
        AuditProcessKey(host: host ?? "", pid: value("pid").flatMap { Int($0) } ?? -1)
    }

    /// An event with the fields every audit event has.
    func event(_ category: EventCategory, _ action: Action, _ outcome: Outcome) -> ActivityEvent {
        var e = ActivityEvent(time: record.time, category: category, action: action, outcome: outcome)
        e.host = host
        let p = program
        if !p.isEmpty { e.service = p }
        e.entry = entry
        if let t = terminal { e.device = t.ttyName }
        e.ip = ip
        var a = Attributes()
        a["audit_type"] = record.type
        a["audit_serial"] = String(record.serial)
        for k in ["pid", "ses", "auid", "uid"] {
            if let v = value(k), !AuditContext.isUnset(v) { a[k] = v }
        }
        for k in ["exe", "terminal", "hostname"] {
            if let v = value(k) { a[k] = v }
        }
        e.attrs = a
        return e
    }
}
