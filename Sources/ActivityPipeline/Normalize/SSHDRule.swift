import ActivityModel

/// OpenSSH's sshd (and `sshd-session`, which logs for sshd since OpenSSH 9.8), and SunSSH's wording.
///
/// Every address is read from the end of the line, after the user name, so that a user name (the client's
/// text) cannot plant an address or hide the real one (``SSHDAddress``). The user name is everything between
/// the message's fixed prefix and the address: spaces, `from`, `port` and addresses included, or empty.
///
/// | message | event |
/// | --- | --- |
/// | `Accepted METHOD for U from IP port P ssh2[: KEYTYPE FP]` | login success, entry `ssh`; attrs `method`, `key_type`, `key_fingerprint` |
/// | `Failed METHOD for [invalid user] U from IP[ port P][ ssh2]` | login_failed: `invalid_user`, `invalid_password`, `invalid_key`, else `authentication_failed` |
/// | `Failed METHOD for <invalid username> from IP port P ssh2` (SunSSH) | login_failed `invalid_user`, no user |
/// | `Invalid user U from IP[ port P]` | login_failed `invalid_user` (the following first `Failed … invalid user` of the same process adds none) |
/// | `[error: ]maximum authentication attempts exceeded for [invalid user] U from IP port P ssh2 [preauth]` | login_failed `too_many_attempts` |
/// | `Disconnecting[ authenticating/invalid user U IP port P]: Too many authentication failures[ for U] [preauth]` | login_failed `too_many_attempts`, unless the connection reported it already |
/// | `User U from IP not allowed because REASON` | login_failed `not_allowed` (`account_locked` for a locked account), attrs `detail`; counts as the first attempt like `Invalid user` |
/// | `User U not allowed because account is locked` | login_failed `account_locked` (no address) |
/// | `ROOT LOGIN REFUSED FROM IP[ port P]` | login_failed `root_login_refused`, user root |
/// | `Connection closed by / Connection reset by / Disconnected from authenticating/invalid user U IP port P [preauth]` | login_failed `aborted` (`invalid_user`), only if no failure of that process was reported yet |
/// | `Disconnected from user U IP port P` | logout (paired with the login by pid) |
/// | `pam_unix(sshd:session): session opened/closed` | login (only without a prior `Accepted`), logout (only without a prior `Disconnected`) |
/// | `pam_unix(sshd:auth): authentication failure; … rhost=IP user=U`, `error: PAM: Authentication failure for U from HOST` | kept as the connection's pending failure: a later `Failed …` line reports it; if the connection ends without one, the close reports it (reason `invalid_password`, attrs `detail=pam`) |
/// | `Unable to negotiate with IP port P: no matching …`, `Did not receive identification string from IP`, `Bad protocol version identification '…' from IP`, `banner exchange: Connection from IP port P: …`, `refused connect from NAME (IP)` | `probe` failure with a reason, no user |
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
        case UInt8(ascii: "e"), UInt8(ascii: "m"), UInt8(ascii: "f"):
            if !line.skip("error: ") { _ = line.skip("fatal: ") }
            if line.skip("PAM: ") { return pamError(&line, ctx, &state) }
            if line.skip("maximum authentication attempts exceeded for ") { return maxAttempts(&line, ctx, &state) }
            if line.skip("Unable to negotiate with ") { return negotiation(&line, ctx) }
            if line.skip("Received disconnect from ") { return receivedDisconnect(&line, ctx) }
            if line.hasPrefix("kex_exchange_identification: ") { return [] }
            return nil
        case UInt8(ascii: "C"), UInt8(ascii: "D"):
            if line.skip("Disconnected from user ") { return disconnectedUser(&line, ctx, &state) }
            if line.skip("Disconnecting") { return disconnecting(&line, ctx, &state) }
            if line.skip("Did not receive identification string from ") {
                return probe(&line, ctx, reason: "no_identification")
            }
            if line.skip("Connection closed by ") || line.skip("Connection reset by ")
                || line.skip("Disconnected from ")
            {
                return abandoned(&line, ctx, &state)
            }
            return nil
        case UInt8(ascii: "U"):
            if line.skip("User ") { return notAllowed(&line, ctx, &state) }
            if line.skip("Unable to negotiate with ") { return negotiation(&line, ctx) }
            return nil
        case UInt8(ascii: "R"):
            if line.skip("ROOT LOGIN REFUSED FROM ") { return rootRefused(&line, ctx, &state) }
            if line.skip("Received disconnect from ") { return receivedDisconnect(&line, ctx) }
            return nil
        case UInt8(ascii: "B"):
            guard line.skip("Bad protocol version identification ") else { return nil }
            return badVersion(&line, ctx)
        case UInt8(ascii: "b"):
            guard line.skip("banner exchange: Connection from ") else { return nil }
            return bannerExchange(&line, ctx)
        case UInt8(ascii: "r"):
            guard line.skip("refused connect from ") else { return nil }
            return tcpWrappers(&line, ctx)
        case UInt8(ascii: "p"):
            guard let pam = PAMLine.parse(&line) else { return nil }
            return pamLine(pam, ctx, &state)
        case UInt8(ascii: "P"):
            // `PAM 2 more authentication failures; ...`: summarises lines already counted.
            if line.hasPrefix("PAM ") && line.find(" more authentication failure") != nil { return [] }
            // `Postponed publickey for U from …`: an authentication step in progress, not an outcome.
            if line.hasPrefix("Postponed ") { return [] }
            return nil
        default:
            return nil
        }
    }

    // MARK: shared

    static func loginEvent(_ ctx: RuleContext, _ action: Action, _ outcome: Outcome, user: String?, at a: SSHDAddress?)
        -> ActivityEvent
    {
        var e = ctx.event(.login, action, outcome)
        e.user = user
        e.actor = user
        e.entry = "ssh"
        e.ip = a?.ip
        e.port = a?.port
        if let host = a?.host { e.attrs["remote_host"] = host }
        return e
    }

    /// Records that the connection reported a failure (and where it came from, for a later close).
    static func noteFailure(
        _ ctx: RuleContext, _ state: inout NormalizerState, user: String?, at a: SSHDAddress?,
        invalidUserPending: Bool? = nil, tooMany: Bool = false
    ) -> TrackedSession {
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        s.failureReported = true
        s.pendingFailure = nil
        if let invalidUserPending { s.invalidUserPending = invalidUserPending }
        if tooMany { s.tooManyReported = true }
        if s.user == nil { s.user = user }
        if s.ip == nil { s.ip = a?.ip; s.port = a?.port }
        state.store(key, s)
        return s
    }

    static func userName(_ line: ByteView, _ a: SSHDAddress) -> String { line.string(line.i, a.userEnd) }

    // MARK: outcomes

    static func accepted(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]?
    {
        guard let method = line.upTo(" for "), !method.utf8.contains(UInt8(ascii: " ")),
            let a = SSHDAddress.withKeyInfo(line, userStart: line.i, method: method)
        else { return nil }
        let user = userName(line, a)
        guard !user.isEmpty else { return nil }
        var e = loginEvent(ctx, .login, .success, user: user, at: a)
        e.attrs["method"] = method
        if let info = a.infoStart {
            var k = ByteView(line.base, from: info)
            if let kt = k.word() { e.attrs["key_type"] = kt }
            k.skipSpaces()
            if let fp = k.word() { e.attrs["key_fingerprint"] = fp.hasSuffix(",") ? String(fp.dropLast()) : fp }
        }
        var s = TrackedSession(user: user, actor: user, ip: a.ip, port: a.port, entry: "ssh", started: ctx.time)
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
        guard let method = line.upTo(" for "), !method.isEmpty, !method.utf8.contains(UInt8(ascii: " ")) else {
            return nil
        }
        // SunSSH hides unknown names: `Failed keyboard-interactive for <invalid username> from …`.
        let hidden = line.hasPrefix("<invalid username> from ")
        let invalid = hidden || line.skip("invalid user ")
        guard let a = SSHDAddress.withKeyInfo(line, userStart: line.i, method: method) else { return nil }
        let user: String? = hidden ? nil : userName(line, a)
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if invalid && s.invalidUserPending {
            // The `Invalid user` line of this connection already counted this first attempt.
            s.invalidUserPending = false
            s.pendingFailure = nil
            state.store(key, s)
            return []
        }
        _ = noteFailure(ctx, &state, user: user, at: a)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, at: a)
        e.reason = reason(method: method, invalidUser: invalid)
        e.attrs["method"] = method
        return [e]
    }

    static func invalidUser(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        guard let a = SSHDAddress.trailingFrom(line, userStart: line.i) else { return nil }
        let user = userName(line, a)
        _ = noteFailure(ctx, &state, user: user, at: a, invalidUserPending: true)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, at: a)
        e.reason = "invalid_user"
        return [e]
    }

    /// `U from HOST not allowed because REASON` (AllowUsers/DenyUsers/AllowGroups/DenyGroups, no group,
    /// locked account, bad shell); `U not allowed because account is locked` (no address). sshd then treats
    /// the user as invalid, so like `Invalid user` it counts as the first attempt. REASON is sshd's own text
    /// (a shell path at most), so the last ` not allowed because ` ends the user-and-host part.
    static func notAllowed(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        guard let because = line.findLast(" not allowed because ") else { return nil }
        let why = line.string(because + 21, line.end)
        let a = SSHDAddress.trailingFrom(line, userStart: line.i, end: because)
        let user = line.string(line.i, a?.userEnd ?? because)
        _ = noteFailure(ctx, &state, user: user, at: a, invalidUserPending: true)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, at: a)
        e.reason = why.hasPrefix("account is locked") ? "account_locked" : "not_allowed"
        e.attrs["detail"] = why
        return [e]
    }

    static func maxAttempts(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        let invalid = line.skip("invalid user ")
        guard let a = SSHDAddress.trailingFrom(line, userStart: line.i) else { return nil }
        let user = userName(line, a)
        _ = noteFailure(ctx, &state, user: user, at: a, tooMany: true)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, at: a)
        e.reason = "too_many_attempts"
        if invalid { e.attrs["invalid_user"] = "true" }
        return [e]
    }

    /// `Disconnecting authenticating user U IP port P: Too many authentication failures [preauth]`,
    /// `Disconnecting invalid user U IP port P: …` (OpenSSH ≥ 7.5) and `Disconnecting: Too many
    /// authentication failures[ for U] [preauth]` (older). A too-many failure only when the connection's
    /// `maximum authentication attempts exceeded` line did not already report it.
    static func disconnecting(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        let end = SSHDAddress.trimSuffix(line, line.end)
        let key = ctx.pidKey
        var user: String?
        var a: SSHDAddress?
        var invalid = false
        if line.skip(": ") {
            guard line.skip("Too many authentication failures") else { return [] }
            if line.skip(" for ") {
                if line.skip("invalid user ") { invalid = true }
                user = line.string(line.i, end)
            }
        } else if line.skip(" authenticating user ") || line.skip(" invalid user ") {
            invalid = line.matches(" invalid user ", at: line.i - 14)
            guard let colon = line.findLast(": ") else { return nil }
            let why = line.string(colon + 2, end)
            guard why.hasPrefix("Too many authentication failures") else { return [] }
            a = SSHDAddress.trailingBare(line, userStart: line.i, end: colon)
            user = line.string(line.i, a?.userEnd ?? colon)
        } else {
            return nil
        }
        let s = state.session(key, now: ctx.time)
        if s.tooManyReported { return [] }
        let known = a ?? s.ip.map { SSHDAddress(userEnd: 0, ip: $0, port: s.port) }
        _ = noteFailure(ctx, &state, user: user ?? s.user, at: known, tooMany: true)
        var e = loginEvent(ctx, .loginFailed, .failure, user: user ?? s.user, at: known)
        e.reason = "too_many_attempts"
        if invalid { e.attrs["invalid_user"] = "true" }
        return [e]
    }

    /// `ROOT LOGIN REFUSED FROM IP[ port P][ [preauth]]` (`PermitRootLogin no`, older sshd).
    static func rootRefused(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        // The address is sshd's own text here (no user name precedes it): read it as the first word.
        var e0 = SSHDAddress.trimSuffix(line, line.end)
        var port: UInt16?
        if let (p, at) = SSHDAddress.trailingPort(line, e0, lowerBound: line.i) { port = p; e0 = at }
        let (ip, host) = SSHDAddress.address(line, line.i, e0)
        let a = SSHDAddress(userEnd: line.i, ip: ip, host: host, port: port)
        _ = noteFailure(ctx, &state, user: "root", at: a)
        var e = loginEvent(ctx, .loginFailed, .failure, user: "root", at: a)
        e.reason = "root_login_refused"
        return [e]
    }

    /// `authenticating user U IP port P [preauth]` / `invalid user U IP port P [preauth]`: the client gave up.
    static func abandoned(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        let invalid: Bool
        if line.skip("authenticating user ") {
            invalid = false
        } else if line.skip("invalid user ") {
            invalid = true
        } else {
            // `Connection closed by IP port P [preauth]`, `Disconnected from IP port P`: no user. An event only
            // when PAM reported a failure that no `Failed` line followed.
            guard
                line.hasSuffix("[preauth]") || line.find(" port ") != nil
                    || SSHDAddress.trailingBare(line, userStart: line.i) != nil
            else {
                return nil
            }
            let s = state.sessions.removeValue(forKey: ctx.pidKey)
            guard let s, !s.failureReported, let pending = s.pendingFailure else { return [] }
            var a = SSHDAddress.trailingBare(line, userStart: line.i)
            if a == nil || a?.ip == nil {
                a = SSHDAddress(
                    userEnd: 0,
                    ip: pending.ip ?? IPAddress(line.string(line.i, SSHDAddress.trimSuffix(line, line.end)))?.unmapped)
            }
            return [pamFailureEvent(ctx, pending, at: a)]
        }
        guard let a = SSHDAddress.trailingBare(line, userStart: line.i) else { return nil }
        let user = userName(line, a)
        let s = state.sessions.removeValue(forKey: ctx.pidKey)
        if let s, s.failureReported { return [] }
        if let pending = s?.pendingFailure { return [pamFailureEvent(ctx, pending, at: a, user: user)] }
        var e = loginEvent(ctx, .loginFailed, .failure, user: user, at: a)
        e.reason = invalid ? "invalid_user" : "aborted"
        return [e]
    }

    static func disconnectedUser(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState)
        -> [ActivityEvent]?
    {
        guard let a = SSHDAddress.trailingBare(line, userStart: line.i) else { return nil }
        let user = userName(line, a)
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if s.logoutEmitted { return [] }
        var e = loginEvent(ctx, .logout, .success, user: user, at: a)
        e.ip = a.ip ?? s.ip
        e.port = a.port ?? s.port
        if s.loginEmitted, s.user == user {
            let d = (ctx.time.nanoseconds - s.started.nanoseconds) / 1_000_000_000
            if d >= 0 { e.attrs["duration_s"] = String(d) }
        }
        s.logoutEmitted = true
        state.store(key, s)
        return [e]
    }

    // MARK: PAM

    /// A PAM failure waits for the connection's `Failed …` line; it is reported only if none comes.
    static func pamFailureEvent(_ ctx: RuleContext, _ p: PendingFailure, at a: SSHDAddress?, user: String? = nil)
        -> ActivityEvent
    {
        var e = loginEvent(ctx, .loginFailed, .failure, user: p.user ?? user, at: a)
        if e.ip == nil { e.ip = p.ip }
        if e.ip == nil, let h = p.host { e.attrs["remote_host"] = h }
        e.reason = p.invalidUser ? "invalid_user" : "invalid_password"
        e.attrs["detail"] = "pam"
        return e
    }

    static func notePending(_ ctx: RuleContext, _ state: inout NormalizerState, _ p: PendingFailure) -> [ActivityEvent]
    {
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if !s.failureReported, s.pendingFailure == nil { s.pendingFailure = p }
        state.store(key, s)
        return []
    }

    /// `error: PAM: Authentication failure for U from HOST` (also `authentication error`, `… for illegal
    /// user U from HOST`, `User not known to the underlying authentication module for illegal user U from HOST`).
    static func pamError(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]?
    {
        var invalid = false
        if line.skip("User not known to the underlying authentication module for ") {
            invalid = true
        } else if line.skip("Authentication failure for ") || line.skip("authentication failure for ")
            || line.skip("Authentication error for ") || line.skip("authentication error for ")
        {
        } else {
            return nil
        }
        if line.skip("illegal user ") || line.skip("invalid user ") { invalid = true }
        var end = SSHDAddress.trimSuffix(line, line.end)
        // macOS: `… from HOST via LOCALADDR`.
        if let via = line.findLast(" via "), via < end { end = via }
        guard let a = SSHDAddress.trailingFrom(line, userStart: line.i, end: end) else { return nil }
        let p = PendingFailure(user: userName(line, a), ip: a.ip, host: a.host, invalidUser: invalid)
        return notePending(ctx, &state, p)
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
        case .authFailure(let user, _, _, let rhost, _):
            let ip = rhost.flatMap { IPAddress($0) }?.unmapped
            let host = ip == nil ? rhost : nil
            return notePending(ctx, &state, PendingFailure(user: user, ip: ip, host: host, invalidUser: false))
        case .passwordChanged, .other:
            return []
        }
    }

    // MARK: probes

    /// A connection that never reached authentication: scanners, old clients, port probes.
    static func probeEvent(
        _ ctx: RuleContext, reason: String, ip: IPAddress?, port: UInt16?, host: String? = nil, detail: String? = nil
    ) -> ActivityEvent {
        var e = ctx.event(.login, .probe, .failure)
        e.entry = "ssh"
        e.reason = reason
        e.ip = ip
        e.port = port
        if let host { e.attrs["remote_host"] = host }
        if let detail, !detail.isEmpty { e.attrs["detail"] = detail }
        return e
    }

    /// `IP[ port P]` then anything (the cursor at the address).
    static func leadingAddress(_ line: inout ByteView) -> (IPAddress?, String?, UInt16?) {
        let s = line.i
        while let c = line.peek(), c != 0x20, c != UInt8(ascii: ":") || line.peek(1) != 0x20 { line.i += 1 }
        var (ip, host) = SSHDAddress.address(line, s, line.i)
        if ip == nil, let h = host, h.hasSuffix(":"), let v = IPAddress(String(h.dropLast())) {
            ip = v.unmapped; host = nil
        }
        var port: UInt16?
        if line.skip(" port "), let n = line.int(), n <= 65_535 { port = UInt16(n) }
        return (ip, host, port)
    }

    static func probe(_ line: inout ByteView, _ ctx: RuleContext, reason: String) -> [ActivityEvent] {
        let (ip, host, port) = leadingAddress(&line)
        return [probeEvent(ctx, reason: reason, ip: ip, port: port, host: ip == nil ? host : nil)]
    }

    /// `Unable to negotiate with IP port P: no matching key exchange method found. Their offer: …`
    /// (also host key type, cipher, MAC).
    static func negotiation(_ line: inout ByteView, _ ctx: RuleContext) -> [ActivityEvent]? {
        let (ip, host, port) = leadingAddress(&line)
        _ = line.skip(byte: UInt8(ascii: ":"))
        line.skipSpaces()
        var detail = line.rest()
        if let dot = detail.firstIndex(of: ".") { detail = String(detail[..<dot]) }
        return [
            probeEvent(
                ctx, reason: "negotiation_failed", ip: ip, port: port, host: ip == nil ? host : nil, detail: detail)
        ]
    }

    /// `Received disconnect from IP[ port P]:14: No supported authentication methods available [preauth]`: the
    /// client had no method the server offers (a probe); other disconnect reasons add nothing (the
    /// connection's other lines carry the facts).
    static func receivedDisconnect(_ line: inout ByteView, _ ctx: RuleContext) -> [ActivityEvent] {
        guard
            line.find("No supported authentication methods available") != nil
                || line.find("No authentication methods available") != nil
        else {
            return []
        }
        let (ip, host, port) = leadingAddress(&line)
        return [probeEvent(ctx, reason: "no_auth_methods", ip: ip, port: port, host: ip == nil ? host : nil)]
    }

    /// `Bad protocol version identification 'TEXT' from IP[ port P]`: TEXT is the client's, so the
    /// address is read from the end.
    static func badVersion(_ line: inout ByteView, _ ctx: RuleContext) -> [ActivityEvent]? {
        let a = SSHDAddress.trailingFrom(line, userStart: line.i)
        return [probeEvent(ctx, reason: "bad_protocol_version", ip: a?.ip, port: a?.port, host: a?.host)]
    }

    /// `banner exchange: Connection from IP port P: invalid format` (OpenSSH ≥ 8.2).
    static func bannerExchange(_ line: inout ByteView, _ ctx: RuleContext) -> [ActivityEvent]? {
        let (ip, host, port) = leadingAddress(&line)
        _ = line.skip(byte: UInt8(ascii: ":"))
        line.skipSpaces()
        return [
            probeEvent(
                ctx, reason: "banner_exchange", ip: ip, port: port, host: ip == nil ? host : nil, detail: line.rest())
        ]
    }

    /// tcp wrappers (libwrap): `refused connect from NAME (IP)`; NAME may be `user@host` from ident.
    static func tcpWrappers(_ line: inout ByteView, _ ctx: RuleContext) -> [ActivityEvent]? {
        let end = SSHDAddress.trimSuffix(line, line.end)
        var ip: IPAddress?
        var name = line.string(line.i, end)
        if end > line.i, line.base[end - 1] == UInt8(ascii: ")"), let open = line.findLast(" (") {
            ip = IPAddress(line.string(open + 2, end - 1))?.unmapped
            name = line.string(line.i, open)
        } else {
            ip = IPAddress(name)?.unmapped
        }
        return [probeEvent(ctx, reason: "tcp_wrappers_refused", ip: ip, port: nil, host: ip == nil ? name : nil)]
    }
}

/// A failure PAM reported for a connection before (or instead of) sshd's own `Failed …` line.
struct PendingFailure {
    var user: String?
    var ip: IPAddress?
    var host: String?
    var invalidUser: Bool
}
