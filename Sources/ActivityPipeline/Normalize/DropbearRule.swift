import ActivityModel

/// Dropbear, the small SSH server of OpenWrt, BusyBox systems, BMCs and initramfs unlockers. The forms are
/// dropbear's own format strings (`svr-auth.c`, `svr-authpasswd.c`, `svr-authpubkey.c`, `svr-authpam.c`,
/// `svr-session.c`); older releases write some of them in lower case (`pubkey auth succeeded`).
///
/// | message | event |
/// | --- | --- |
/// | `Password auth succeeded for 'U' from ADDR` (also `PAM password auth …`) | login success, entry `ssh`, method `password` |
/// | `Pubkey auth succeeded for 'U' with ssh-ed25519 key SHA256:… from ADDR` | login success, method `publickey`, `key_type`, `key_fingerprint` |
/// | `Auth succeeded with blank password for 'U' from ADDR` | login success, method `none` |
/// | `Bad password attempt for 'U' from ADDR` (also `Bad PAM password attempt`, `Too-long password attempt`) | login_failed `invalid_password` (`invalid_user` for PAM's `'<invalid username>'`) |
/// | `Pubkey auth bad signature for 'U' with key FP from ADDR` | login_failed `invalid_key` |
/// | `Login attempt for nonexistent user [from ADDR]` | login_failed `invalid_user` |
/// | `Login attempt with wrong user U from ADDR`, `User 'U' has invalid shell, rejected`, `root login rejected`, `Logins are restricted to the group G but user 'U' is not a member` | login_failed `not_allowed`, attrs `detail` |
/// | `User account 'U' is locked` | login_failed `account_locked` |
/// | `Exit before auth from <ADDR>: [(user 'U', N fails): ]Max auth tries reached - user 'U'` | login_failed `too_many_attempts` |
/// | `Exit (U) from <ADDR>: REASON` | logout (paired with the login by pid: duration_s) |
/// | `Child connection from ADDR`, other `Exit before auth`, `Early exit`, PAM lines | no event (the address is remembered for the connection) |
///
/// ADDR is `host:port` as dropbear prints it: `192.0.2.1:51234`, `2001:db8::1:51234` (no brackets; the
/// port is after the last colon), `::ffff:192.0.2.1:51234`; `[2001:db8::1]:51234` is read too.
///
/// A quoted user name is whatever the client sent and may contain `'`, spaces or ` from 10.0.0.1:1`: the
/// address is taken after the **last** ` from ` of the line and the name runs from the first quote to the
/// quote just before that ` from ` (or before `' with ` for public keys), so nothing inside a name can move
/// the address.
enum DropbearRule: Rule {
    static let programs = ["dropbear"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let c = line.peek() else { return nil }
        switch c {
        case UInt8(ascii: "P"), UInt8(ascii: "p"):
            if skipFolded(&line, "assword auth succeeded for '")
                || skipFolded(&line, "AM password auth succeeded for '")
                || skipFolded(&line, "am password auth succeeded for '")
            {
                return succeeded(&line, ctx, &state, method: "password")
            }
            if skipFolded(&line, "ubkey auth succeeded for '") {
                return succeeded(&line, ctx, &state, method: "publickey")
            }
            if skipFolded(&line, "ubkey auth bad signature for '") {
                return failed(&line, ctx, &state, reason: "invalid_key", method: "publickey")
            }
            // `pam_unix(dropbear:auth): authentication failure; …`, `pam_authenticate() failed, rc=7, …`:
            // a `Bad PAM password attempt` line follows.
            return line.hasPrefix("pam_") ? [] : nil
        case UInt8(ascii: "B"), UInt8(ascii: "b"):
            if skipFolded(&line, "ad password attempt for '") || skipFolded(&line, "ad PAM password attempt for '")
                || skipFolded(&line, "ad pam password attempt for '")
            {
                return failed(&line, ctx, &state, reason: "invalid_password", method: "password")
            }
            return nil
        case UInt8(ascii: "T"):
            guard line.skip("Too-long password attempt for '") else { return nil }
            return failed(&line, ctx, &state, reason: "invalid_password", method: "password")
        case UInt8(ascii: "A"):
            guard line.skip("Auth succeeded with blank password for '") else { return nil }
            return succeeded(&line, ctx, &state, method: "none")
        case UInt8(ascii: "L"):
            if line.skip("Login attempt for nonexistent user") { return nonexistent(&line, ctx, &state) }
            if line.skip("Login attempt with wrong user ") { return wrongUser(&line, ctx, &state) }
            if line.skip("Logins are restricted to the group ") { return restrictedGroup(&line, ctx, &state) }
            return nil
        case UInt8(ascii: "U"):
            if line.skip("User account '") {
                guard line.hasSuffix("' is locked") else { return nil }
                let user = line.string(line.i, line.end - 11)
                return [rejection(ctx, &state, user: user, reason: "account_locked", detail: nil)]
            }
            if line.skip("User '") {
                // `User 'U' has invalid shell, rejected` / `User 'U' has blank password, rejected`
                guard let at = line.findLast("' has "), line.hasSuffix(", rejected") else { return nil }
                let user = line.string(line.i, at)
                let detail = line.string(at + 2, line.end)
                return [rejection(ctx, &state, user: user, reason: "not_allowed", detail: detail)]
            }
            return nil
        case UInt8(ascii: "r"):
            guard line.skip("root login rejected") else { return nil }
            return [rejection(ctx, &state, user: "root", reason: "not_allowed", detail: "root login rejected")]
        case UInt8(ascii: "E"):
            if line.skip("Exit before auth") { return exitBeforeAuth(&line, ctx, &state) }
            if line.skip("Exit (") { return exitSession(&line, ctx, &state) }
            return line.hasPrefix("Early exit") ? [] : nil
        case UInt8(ascii: "C"):
            guard line.skip("Child connection from ") else { return nil }
            // A new connection of a new process: whatever was kept under a reused pid is stale.
            let (ip, port) = address(line, from: line.i, to: line.end)
            state.store(ctx.pidKey, TrackedSession(ip: ip, port: port, entry: "ssh", started: ctx.time))
            return []
        default:
            return nil
        }
    }

    /// Skips `rest` after the first byte (already known to be one of two cases of the same letter).
    static func skipFolded(_ line: inout ByteView, _ rest: StaticString) -> Bool {
        guard line.matches(rest, at: line.i + 1) else { return false }
        line.i += 1 + rest.utf8CodeUnitCount
        return true
    }

    /// `host:port` (port after the last colon; brackets around the host are dropped) in `from..<to`.
    static func address(_ line: ByteView, from: Int, to: Int) -> (IPAddress?, UInt16?) {
        var colon = to - 1
        while colon > from, line.base[colon] != UInt8(ascii: ":") { colon -= 1 }
        guard colon > from, colon < to - 1, to - colon <= 6 else { return (nil, nil) }
        var port = 0
        for k in (colon + 1)..<to {
            let b = line.base[k]
            guard b >= 0x30, b <= 0x39 else { return (nil, nil) }
            port = port * 10 + Int(b - 0x30)
        }
        guard port <= 65_535 else { return (nil, nil) }
        var hs = from, he = colon
        if he - hs > 2, line.base[hs] == UInt8(ascii: "["), line.base[he - 1] == UInt8(ascii: "]") { hs += 1; he -= 1 }
        let ip = IPAddress(UnsafeBufferPointer(rebasing: line.base[hs..<he]))
        return (ip, ip == nil ? nil : UInt16(port))
    }

    /// `… from ADDR[, extra auth required]` at the end of the line: the start of that last ` from ` and the
    /// address. Nil when the line has no ` from `.
    static func trailingFrom(_ line: ByteView) -> (at: Int, ip: IPAddress?, port: UInt16?, partial: Bool)? {
        guard let at = line.findLast(" from ") else { return nil }
        let s = at + 6
        var e = s
        while e < line.end, line.base[e] != 0x20, line.base[e] != UInt8(ascii: ",") { e += 1 }
        let (ip, port) = address(line, from: s, to: e)
        let partial = line.matches(", extra auth required", at: e)
        return (at, ip, port, partial)
    }

    static func loginEvent(
        _ ctx: RuleContext, _ action: Action, _ outcome: Outcome, user: String?, ip: IPAddress?, port: UInt16?
    ) -> ActivityEvent {
        var e = ctx.event(.login, action, outcome)
        e.user = user
        e.actor = user
        e.entry = "ssh"
        e.ip = ip
        e.port = port
        return e
    }

    /// After `… succeeded for '`: `U' from ADDR` or `U' with TYPE key FP from ADDR`.
    static func succeeded(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState, method: String)
        -> [ActivityEvent]?
    {
        guard let from = trailingFrom(line), from.at > line.i else { return nil }
        var userEnd = from.at - 1
        var keyType: String?, fingerprint: String?
        if method == "publickey",
            let with = ByteView(UnsafeBufferPointer(rebasing: line.base[0..<from.at]), from: line.i).findLast("' with ")
        {
            // `with ssh-ed25519 key SHA256:…` (2020+), `with key md5 12:34:…` (older)
            userEnd = with
            var k = ByteView(UnsafeBufferPointer(rebasing: line.base[0..<from.at]), from: with + 7)
            if !k.skip("key ") {
                keyType = k.word()
                _ = k.skip(" key ")
            }
            if k.i < from.at { fingerprint = k.string(k.i, from.at) }
        } else {
            guard line.base[userEnd] == UInt8(ascii: "'") else { return nil }
        }
        guard userEnd >= line.i else { return nil }
        let user = line.string(line.i, userEnd)
        // `…, extra auth required`: one factor of two passed; the login comes with the second.
        if from.partial { return [] }
        var e = loginEvent(ctx, .login, .success, user: user, ip: from.ip, port: from.port)
        e.attrs["method"] = method
        if let keyType { e.attrs["key_type"] = keyType }
        if let fingerprint { e.attrs["key_fingerprint"] = fingerprint }
        var s = TrackedSession(user: user, actor: user, ip: from.ip, port: from.port, entry: "ssh", started: ctx.time)
        s.loginEmitted = true
        state.store(ctx.pidKey, s)
        return [e]
    }

    /// After `… attempt for '` / `… bad signature for '`: `U' from ADDR` or `U' with key FP from ADDR`.
    static func failed(
        _ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState, reason: String, method: String
    ) -> [ActivityEvent]? {
        guard let from = trailingFrom(line), from.at > line.i else { return nil }
        var userEnd = from.at - 1
        if method == "publickey",
            let with = ByteView(UnsafeBufferPointer(rebasing: line.base[0..<from.at]), from: line.i).findLast("' with ")
        {
            userEnd = with
        } else {
            guard line.base[userEnd] == UInt8(ascii: "'") else { return nil }
        }
        guard userEnd >= line.i else { return nil }
        var user: String? = line.string(line.i, userEnd)
        var why = reason
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        // dropbear's PAM path names an unknown account `<invalid username>`.
        if user == "<invalid username>" {
            user = nil
            why = "invalid_user"
            if s.invalidUserPending {
                // `Login attempt for nonexistent user` already counted this connection's first attempt.
                s.invalidUserPending = false
                state.store(key, s)
                return []
            }
        }
        s.failureReported = true
        if s.ip == nil { s.ip = from.ip; s.port = from.port }
        state.store(key, s)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: from.ip ?? s.ip, port: from.port ?? s.port)
        e.reason = why
        e.attrs["method"] = method
        return [e]
    }

    /// After `Login attempt for nonexistent user`: nothing, ` from ADDR`, or ` 'U' from ADDR`.
    static func nonexistent(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        var ip = s.ip, port = s.port
        var user: String?
        if let from = trailingFrom(line) {
            ip = from.ip ?? ip
            port = from.port ?? port
            if line.skip(" '"), from.at > line.i, line.base[from.at - 1] == UInt8(ascii: "'") {
                user = line.string(line.i, from.at - 1)
            }
        } else if !line.atEnd {
            return nil
        }
        s.invalidUserPending = true
        s.failureReported = true
        s.ip = ip
        s.port = port
        state.store(key, s)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: ip, port: port)
        e.reason = "invalid_user"
        return [e]
    }

    /// After `Login attempt with wrong user `: `U from ADDR` (dropbear not running as root).
    static func wrongUser(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        guard let from = trailingFrom(line), from.at > line.i else { return nil }
        let user = line.string(line.i, from.at)
        return [
            rejection(
                ctx, &state, user: user, reason: "not_allowed", detail: "wrong user", ip: from.ip, port: from.port)
        ]
    }

    /// After `Logins are restricted to the group `: `G but user 'U' is not a member`.
    static func restrictedGroup(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        guard let but = line.find(" but user '"), line.hasSuffix("' is not a member"), line.end - 17 >= but + 11 else {
            return nil
        }
        let group = line.string(line.i, but)
        let user = line.string(but + 11, line.end - 17)
        var e = rejection(ctx, &state, user: user, reason: "not_allowed", detail: "not a member of group " + group)
        e.attrs["group"] = group
        return [e]
    }

    /// A refusal without an address in the line: the connection's address, if an earlier line gave it.
    static func rejection(
        _ ctx: RuleContext, _ state: inout NormalizerState, user: String, reason: String, detail: String?,
        ip: IPAddress? = nil, port: UInt16? = nil
    ) -> ActivityEvent {
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        s.failureReported = true
        if s.ip == nil { s.ip = ip; s.port = port }
        state.store(key, s)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: ip ?? s.ip, port: port ?? s.port)
        e.reason = reason
        if let detail { e.attrs["detail"] = detail }
        return e
    }

    /// After `Exit before auth`: ` from <ADDR>: …`, `: …` or ` (user 'U', N fails): …` (older, no address).
    /// Only `Max auth tries reached - user 'U'` (or `'is invalid'`) is an event.
    static func exitBeforeAuth(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        var ip: IPAddress?, port: UInt16?
        // The address comes before anything the client chose, so it is read forwards.
        if line.skip(" from <") {
            guard let close = line.find(byte: UInt8(ascii: ">")) else { return nil }
            (ip, port) = address(line, from: line.i, to: close)
            line.i = close + 1
        }
        let marker: StaticString = "Max auth tries reached - user '"
        guard let max = line.find(marker) else { return [] }
        let us = max + marker.utf8CodeUnitCount
        guard line.hasSuffix("'"), line.end - 1 >= us else { return [] }
        var user: String? = line.string(us, line.end - 1)
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        var e = loginEvent(ctx, .loginFailed, .failure, user: nil, ip: ip ?? s.ip, port: port ?? s.port)
        if user == "is invalid" {
            user = nil
            e.attrs["invalid_user"] = "true"
        }
        e.user = user
        e.actor = user
        e.reason = "too_many_attempts"
        s.failureReported = true
        state.store(key, s)
        return [e]
    }

    /// After `Exit (`: `U) from <ADDR>: REASON` or `U): REASON` (older): the end of an authenticated session.
    static func exitSession(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        var ip: IPAddress?, port: UInt16?
        let user: String
        if let at = line.find(") from <"), let close = line.find(byte: UInt8(ascii: ">"), from: at + 8) {
            user = line.string(line.i, at)
            (ip, port) = address(line, from: at + 8, to: close)
            line.i = close + 1
        } else if let at = line.find("): ") {
            user = line.string(line.i, at)
            line.i = at + 1
        } else {
            return nil
        }
        guard !user.isEmpty else { return nil }
        let key = ctx.pidKey
        let known = state.sessions.removeValue(forKey: key)
        var e = loginEvent(ctx, .logout, .success, user: user, ip: ip ?? known?.ip, port: port ?? known?.port)
        if let known, known.loginEmitted, known.user == user {
            let d = (ctx.time.nanoseconds - known.started.nanoseconds) / 1_000_000_000
            if d >= 0 { e.attrs["duration_s"] = String(d) }
        }
        if line.skip(": ") { e.attrs["detail"] = line.rest() }
        return [e]
    }
}
