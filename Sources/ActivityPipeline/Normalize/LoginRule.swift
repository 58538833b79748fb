import ActivityModel

/// login on a console or serial line (util-linux `login` on Debian/RHEL, shadow `login` wording too).
///
/// | message | event |
/// | --- | --- |
/// | `LOGIN ON tty1 BY alice` / `ROOT LOGIN ON tty1` / `ROOT LOGIN  on '/dev/tty1'` (`… FROM host`) | login success, entry `console`, device tty (ip or attrs `from`) |
/// | `FAILED LOGIN 1 FROM tty1 FOR alice, Authentication failure` | login_failed `invalid_password` (`invalid_user` for an unknown user) |
/// | `FAILED LOGIN (1) on '/dev/tty1' FOR 'alice', Authentication failure` (shadow) | same |
/// | `pam_unix(login:session): session opened for user alice(uid=1000) by LOGIN(uid=0)` | login (unless `LOGIN ON` came first) |
/// | `pam_unix(login:session): session closed for user alice` | logout, paired by pid |
/// | `pam_unix(login:auth): authentication failure; … tty=/dev/tty1 … user=alice` | no event (the `FAILED LOGIN` line follows) |
enum LoginRule: Rule {
    static let programs = ["login"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        if line.skip("LOGIN ON ") {
            guard let tty = line.word(), line.skip(" BY "), let user = line.word() else { return nil }
            return withRemote(
                &line, PAMSessions.opened(ctx, &state, user: user, actor: nil, entry: "console", device: tty.ttyName))
        }
        if line.skip("ROOT LOGIN ") {
            line.skipSpaces()
            guard line.skip("ON ") || line.skip("on ") else { return nil }
            let tty = unquote(line.word() ?? "").ttyName
            return withRemote(
                &line,
                PAMSessions.opened(
                    ctx, &state, user: "root", actor: nil, entry: "console", device: tty.isEmpty ? nil : tty))
        }
        if line.skip("FAILED LOGIN ") {
            // util-linux: `1 FROM tty1 FOR alice, reason`; shadow: `(1) on '/dev/tty1' FOR 'alice', reason`.
            _ = line.skip(byte: UInt8(ascii: "("))
            let attempts = line.int()
            _ = line.skip(byte: UInt8(ascii: ")"))
            var from: String?
            if line.skip(" FROM ") || line.skip(" on ") { from = line.word().map(unquote) }
            guard line.skip(" FOR ") else { return nil }
            let userEnd = line.find(", ") ?? line.end
            let user = unquote(line.string(line.i, userEnd))
            line.i = min(userEnd + 2, line.end)
            let why = line.rest()
            var e = ctx.event(.login, .loginFailed, .failure)
            e.user = user
            e.actor = user
            e.entry = "console"
            if let from {
                let t = from.ttyName
                // util-linux writes the remote host here for `login -h`; a tty name has no dot.
                if t.hasPrefix("tty") || t.hasPrefix("pts/") || t.hasPrefix("ttyS") || t.hasPrefix("console") {
                    e.device = t
                } else if let ip = IPAddress(t) {
                    e.ip = ip
                } else {
                    e.attrs["from"] = t
                }
            }
            e.reason = (user == "UNKNOWN" || why.contains("User not known")) ? "invalid_user" : "invalid_password"
            if !why.isEmpty { e.attrs["detail"] = why }
            if let attempts { e.attrs["attempts"] = String(attempts) }
            return [e]
        }
        if line.hasPrefix("pam_") {
            guard let pam = PAMLine.parse(&line) else { return nil }
            switch pam.kind {
            case .sessionOpened(let user, _):
                return PAMSessions.opened(ctx, &state, user: user, actor: nil, entry: "console")
            case .sessionClosed(let user):
                return PAMSessions.closed(ctx, &state, user: user, entry: "console")
            case .authFailure:
                return []
            default:
                return nil
            }
        }
        return nil
    }

    /// `… FROM host` (util-linux, `login -h` from telnetd/rlogind): the remote address or name.
    static func withRemote(_ line: inout ByteView, _ events: [ActivityEvent]) -> [ActivityEvent] {
        guard line.skip(" FROM "), let from = line.word() else { return events }
        var out = events
        for i in out.indices {
            if let ip = IPAddress(from) { out[i].ip = ip } else { out[i].attrs["from"] = from }
        }
        return out
    }

    static func unquote(_ s: String) -> String {
        var t = Substring(s)
        if t.hasSuffix(",") { t = t.dropLast() }
        if t.count >= 2, t.first == "'", t.last == "'" { t = t.dropFirst().dropLast() }
        return String(t)
    }
}
