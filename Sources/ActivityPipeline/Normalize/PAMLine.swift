import ActivityModel

/// A PAM module's log line: `pam_unix(SERVICE:TYPE): TEXT`, as every PAM-using program writes it.
///
/// Read forms (Linux-PAM `pam_unix`, also `pam_sss`, `pam_ldap`... for the failure line):
/// - `session opened for user alice(uid=1000) by bob(uid=1000)` (Linux-PAM ≥ 1.5: uid after each name)
/// - `session opened for user alice by (uid=0)` (older RHEL/Debian: no uid after the user, empty actor)
/// - `session opened for user root(uid=0) by LOGIN(uid=0)` (login: the actor `LOGIN` means "nobody yet")
/// - `session closed for user alice`
/// - `authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=root`
/// - `password changed for alice`
struct PAMLine {
    enum Kind {
        case sessionOpened(user: String, actor: String?)
        case sessionClosed(user: String)
        case authFailure(user: String?, ruser: String?, logname: String?, rhost: String?, tty: String?)
        case passwordChanged(user: String)
        case other
    }

    /// The PAM service (`sshd`, `sudo`, `su-l`, `gdm-password`...).
    var service: String
    /// The PAM management group (`session`, `auth`, `chauthtok`, `account`).
    var type: String
    var kind: Kind

    /// Parses a PAM line at the cursor; nil when the message is not one.
    static func parse(_ line: inout ByteView) -> PAMLine? {
        guard line.hasPrefix("pam_") else { return nil }
        let save = line.i
        guard let open = line.find(byte: UInt8(ascii: "(")), open - line.i < 32 else { return nil }
        line.i = open + 1
        guard let service = line.upTo(byte: UInt8(ascii: ":")), let type = line.upTo(byte: UInt8(ascii: ")")),
            line.skip(": ")
        else {
            line.i = save
            return nil
        }
        var kind = Kind.other
        if line.skip("session opened for user ") {
            if let (user, actor) = readSessionOpened(&line) { kind = .sessionOpened(user: user, actor: actor) }
        } else if line.skip("session closed for user ") {
            let s = line.i
            while let c = line.peek(), c != 0x20, c != UInt8(ascii: "(") { line.i += 1 }
            let user = line.string(s, line.i)
            if !user.isEmpty { kind = .sessionClosed(user: user) }
        } else if line.skip("authentication failure;") {
            let kv = readKeyValues(&line)
            kind = .authFailure(
                user: kv["user"], ruser: kv["ruser"], logname: kv["logname"], rhost: kv["rhost"], tty: kv["tty"])
        } else if line.skip("password changed for ") {
            if let u = line.word() { kind = .passwordChanged(user: u) }
        }
        return PAMLine(service: service, type: type, kind: kind)
    }

    /// `alice(uid=1000) by bob(uid=1000)` / `alice by (uid=0)`.
    static func readSessionOpened(_ line: inout ByteView) -> (String, String?)? {
        let s = line.i
        while let c = line.peek(), c != 0x20, c != UInt8(ascii: "(") { line.i += 1 }
        let user = line.string(s, line.i)
        guard !user.isEmpty else { return nil }
        if line.peek() == UInt8(ascii: "(") { _ = line.upTo(byte: UInt8(ascii: ")")) }
        var actor: String?
        if line.skip(" by ") {
            let a = line.i
            while let c = line.peek(), c != 0x20, c != UInt8(ascii: "(") { line.i += 1 }
            let name = line.string(a, line.i)
            if !name.isEmpty, name != "LOGIN" { actor = name }
        }
        return (user, actor)
    }

    /// `k=v k2= k3=v3` pairs (values without spaces; empty values allowed).
    static func readKeyValues(_ line: inout ByteView) -> [String: String] {
        var out: [String: String] = [:]
        while !line.atEnd {
            line.skipSpaces()
            let ks = line.i
            while let c = line.peek(), c != UInt8(ascii: "="), c != 0x20 { line.i += 1 }
            let key = line.string(ks, line.i)
            guard line.skip(byte: UInt8(ascii: "=")) else {
                if line.i == ks { line.i += 1 }
                continue
            }
            let vs = line.i
            while let c = line.peek(), c != 0x20 { line.i += 1 }
            if vs < line.i, !key.isEmpty, out.count < 16 { out[key] = line.string(vs, line.i) }
        }
        return out
    }
}

extension String {
    /// `/dev/pts/0` → `pts/0`; tty names are kept without the `/dev/` prefix.
    var ttyName: String {
        hasPrefix("/dev/") ? String(dropFirst(5)) : self
    }
}

/// Shared steps of PAM-session-based rules (su, login, display managers, sshd).
enum PAMSessions {
    /// A `session opened`: emits a login unless another line of the same process already announced it.
    static func opened(
        _ ctx: RuleContext, _ state: inout NormalizerState, user: String, actor: String?, entry: String,
        device: String? = nil
    ) -> [ActivityEvent] {
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if s.loginEmitted && !s.logoutEmitted && s.user == user {
            s.device = s.device ?? device
            state.store(key, s)
            return []
        }
        s = TrackedSession(user: user, actor: actor, entry: entry, device: device, started: ctx.time)
        s.loginEmitted = true
        state.store(key, s)
        var e = ctx.event(.login, .login, .success)
        e.user = user
        e.actor = actor ?? user
        e.entry = entry
        e.device = device
        return [e]
    }

    /// A `session closed`: a logout with what the matching login knew (IP, port, duration).
    static func closed(_ ctx: RuleContext, _ state: inout NormalizerState, user: String, entry: String)
        -> [ActivityEvent]
    {
        let key = ctx.pidKey
        let known = state.sessions.removeValue(forKey: key)
        if let known, known.logoutEmitted { return [] }
        var e = ctx.event(.login, .logout, .success)
        e.user = user
        e.actor = known?.actor ?? user
        e.entry = known?.entry ?? entry
        e.device = known?.device
        e.ip = known?.ip
        e.port = known?.port
        if let known, known.user == user, known.loginEmitted {
            let d = (ctx.time.nanoseconds - known.started.nanoseconds) / 1_000_000_000
            if d >= 0 { e.attrs["duration_s"] = String(d) }
        }
        return [e]
    }
}
