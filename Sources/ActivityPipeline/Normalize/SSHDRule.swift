import ActivityModel

/// OpenSSH's sshd (and `sshd-session`, which logs for sshd since OpenSSH 9.8).
///
/// | message | event |
/// | --- | --- |
/// | `Accepted METHOD for U from IP port P ssh2[: KEYTYPE FP]` | login success, entry `ssh`; attrs `method`, `key_type`, `key_fingerprint` |
/// | `Failed METHOD for [invalid user] U from IP port P ssh2` | login_failed: `invalid_user`, `invalid_password`, `invalid_key`, else `authentication_failed` |
/// | `Invalid user U from IP port P` | login_failed `invalid_user` (the following first `Failed … invalid user` of the same process adds none) |
/// | `[error: ]maximum authentication attempts exceeded for [invalid user] U from IP port P ssh2 [preauth]` | login_failed `too_many_attempts` |
/// | `User U from IP not allowed because REASON` | login_failed `not_allowed` (`account_locked` for a locked account), attrs `detail`; counts as the first attempt like `Invalid user` |
/// | `Connection closed by / Connection reset by / Disconnected from authenticating/invalid user U IP port P [preauth]` | login_failed `aborted`, only if no failure of that process was reported yet |
/// | `Disconnected from user U IP port P` | logout (paired with the login by pid) |
/// | `pam_unix(sshd:session): session opened/closed` | login (only without a prior `Accepted`), logout (only without a prior `Disconnected`) |
/// | `pam_unix(sshd:auth): authentication failure` / `PAM n more authentication failures` | no event: each is followed by a `Failed …` line |
enum SSHDRule: Rule {
    static let programs = ["sshd", "sshd-session"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let c = line.peek() else { return nil }
        switch c {
        case UInt8(ascii: "A"):
            guard line.skip("Accepted ") else { return nil }
            return accepted(&line, ctx, &state)
        case UInt8(ascii: "F"):
            guard line.skip("Failed ") else { return nil }
            return failed(&line, ctx, &state)
        case UInt8(ascii: "I"):
            guard line.skip("Invalid user ") else { return nil }
            return invalidUser(&line, ctx, &state)
        case UInt8(ascii: "e"), UInt8(ascii: "m"):
            _ = line.skip("error: ")
            // `error: PAM: Authentication failure for alice from …`: a `Failed …/pam` line follows.
            if line.hasPrefix("PAM: Authentication failure for ") { return [] }
            guard line.skip("maximum authentication attempts exceeded for ") else { return nil }
            return maxAttempts(&line, ctx, &state)
        case UInt8(ascii: "C"), UInt8(ascii: "D"):
            if line.skip("Disconnected from user ") { return disconnectedUser(&line, ctx, &state) }
            if line.skip("Connection closed by ") || line.skip("Connection reset by ") || line.skip("Disconnected from ") {
                return abandoned(&line, ctx, &state)
            }
            return nil
        case UInt8(ascii: "U"):
            guard line.skip("User ") else { return nil }
            return notAllowed(&line, ctx, &state)
        case UInt8(ascii: "p"):
            guard let pam = PAMLine.parse(&line) else { return nil }
            return pamLine(pam, ctx, &state)
        case UInt8(ascii: "P"):
            // `PAM 2 more authentication failures; ...`: summarises lines already counted.
            return line.hasPrefix("PAM ") && line.find(" more authentication failure") != nil ? [] : nil
        default:
            return nil
        }
    }

    /// `U from IP port P` → (user, ip, port), the cursor after the port.
    static func userFromIPPort(_ line: inout ByteView, separator: StaticString = " from ") -> (String, IPAddress?, UInt16?)? {
        guard let at = line.find(separator) else { return nil }
        let user = line.string(line.i, at)
        guard !user.isEmpty else { return nil }
        line.i = at + separator.utf8CodeUnitCount
        let (ip, port) = ipPort(&line)
        return (user, ip, port)
    }

    /// `IP port P` (the cursor after it).
    static func ipPort(_ line: inout ByteView) -> (IPAddress?, UInt16?) {
        let s = line.i
        while let c = line.peek(), c != 0x20 { line.i += 1 }
        let ip = IPAddress(UnsafeBufferPointer(rebasing: line.base[s..<line.i]))
        var port: UInt16?
        if line.skip(" port "), let n = line.int(), n <= 65_535 { port = UInt16(n) }
        return (ip, port)
    }

    static func loginEvent(_ ctx: RuleContext, _ action: Action, _ outcome: Outcome, user: String, ip: IPAddress?, port: UInt16?) -> ActivityEvent {
        var e = ctx.event(.login, action, outcome)
        e.user = user
        e.actor = user
        e.entry = "ssh"
        e.ip = ip
        e.port = port
        return e
    }

    static func accepted(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let method = line.upTo(" for "), let (user, ip, port) = userFromIPPort(&line) else { return nil }
        var e = loginEvent(ctx, .login, .success, user: user, ip: ip, port: port)
        e.attrs["method"] = method
        if line.skip(" ssh2: ") || line.skip(": ") {
            if let kt = line.word() { e.attrs["key_type"] = kt }
            line.skipSpaces()
            if let fp = line.word() { e.attrs["key_fingerprint"] = fp }
        }
        var s = TrackedSession(user: user, actor: user, ip: ip, port: port, entry: "ssh", started: ctx.time)
        s.loginEmitted = true
        state.store(ctx.pidKey, s)
        return [e]
    }

    static func reason(method: String, invalidUser: Bool) -> String {
        if invalidUser { return "invalid_user" }
        switch method {
        case "password", "keyboard-interactive/pam", "keyboard-interactive": return "invalid_password"
        case "publickey", "hostbased": return "invalid_key"
        default: return "authentication_failed"
        }
    }

    static func failed(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let method = line.upTo(" for ") else { return nil }
        let invalid = line.skip("invalid user ")
        guard let (user, ip, port) = userFromIPPort(&line) else { return nil }
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if invalid && s.invalidUserPending {
            // The `Invalid user` line of this connection already counted this first attempt.
            s.invalidUserPending = false
            state.store(key, s)
            return []
        }
        s.failureReported = true
        state.store(key, s)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: ip, port: port)
        e.reason = reason(method: method, invalidUser: invalid)
        e.attrs["method"] = method
        return [e]
    }

    static func invalidUser(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let (user, ip, port) = userFromIPPort(&line) else { return nil }
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        s.invalidUserPending = true
        s.failureReported = true
        state.store(key, s)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: ip, port: port)
        e.reason = "invalid_user"
        return [e]
    }

    /// `U from HOST not allowed because REASON` (AllowUsers/DenyUsers/AllowGroups, locked account, bad shell).
    /// sshd then treats the user as invalid, so like `Invalid user` it counts as the first attempt.
    static func notAllowed(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let user = line.upTo(" from "), !user.isEmpty, let host = line.upTo(" not allowed because ") else { return nil }
        let why = line.rest()
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        s.invalidUserPending = true
        s.failureReported = true
        state.store(key, s)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: IPAddress(host), port: nil)
        if e.ip == nil { e.attrs["remote_host"] = host }
        e.reason = why.hasPrefix("account is locked") ? "account_locked" : "not_allowed"
        e.attrs["detail"] = why
        return [e]
    }

    static func maxAttempts(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        let invalid = line.skip("invalid user ")
        guard let (user, ip, port) = userFromIPPort(&line) else { return nil }
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        s.failureReported = true
        state.store(key, s)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: ip, port: port)
        e.reason = "too_many_attempts"
        if invalid { e.attrs["invalid_user"] = "true" }
        return [e]
    }

    /// `authenticating user U IP port P [preauth]` / `invalid user U IP port P [preauth]`: the client gave up.
    static func abandoned(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        let invalid: Bool
        if line.skip("authenticating user ") {
            invalid = false
        } else if line.skip("invalid user ") {
            invalid = true
        } else {
            // `Connection closed by IP port P [preauth]`, `Disconnected from IP port P`: no user, no event.
            return line.hasSuffix("[preauth]") || line.find(" port ") != nil ? [] : nil
        }
        // The user name may contain no space; the address follows it.
        guard let sp = line.find(byte: 0x20), sp > line.i else { return nil }
        let user = line.string(line.i, sp)
        line.i = sp + 1
        let (ip, port) = ipPort(&line)
        let key = ctx.pidKey
        let s = state.sessions.removeValue(forKey: key)
        if let s, s.failureReported { return [] }
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, ip: ip, port: port)
        e.reason = invalid ? "invalid_user" : "aborted"
        return [e]
    }

    static func disconnectedUser(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let sp = line.find(byte: 0x20), sp > line.i else { return nil }
        let user = line.string(line.i, sp)
        line.i = sp + 1
        let (ip, port) = ipPort(&line)
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if s.logoutEmitted { return [] }
        var e = loginEvent(ctx, .logout, .success, user: user, ip: ip ?? s.ip, port: port ?? s.port)
        if s.loginEmitted, s.user == user {
            let d = (ctx.time.nanoseconds - s.started.nanoseconds) / 1_000_000_000
            if d >= 0 { e.attrs["duration_s"] = String(d) }
        }
        s.logoutEmitted = true
        state.store(key, s)
        return [e]
    }

    static func pamLine(_ pam: PAMLine, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        switch pam.kind {
        case .sessionOpened(let user, _):
            let key = ctx.pidKey
            let s = state.session(key, now: ctx.time)
            if s.loginEmitted && !s.logoutEmitted && s.user == user { return [] }
            return PAMSessions.opened(ctx, &state, user: user, actor: nil, entry: "ssh")
        case .sessionClosed(let user):
            return PAMSessions.closed(ctx, &state, user: user, entry: "ssh")
        case .authFailure:
            return []
        case .passwordChanged, .other:
            return []
        }
    }
}
