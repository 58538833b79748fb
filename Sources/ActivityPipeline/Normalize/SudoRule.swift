import ActivityModel

/// sudo (1.8 and 1.9; the leading spaces of 1.9.x lines are tolerated).
///
/// | message | event |
/// | --- | --- |
/// | `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id` | privilege_escalation success |
/// | `alice : 3 incorrect password attempts ; TTY=… ; COMMAND=…` | privilege_escalation failure `invalid_password`, attrs `attempts` |
/// | `bob : user NOT in sudoers ; …` | privilege_escalation failure `not_in_sudoers` |
/// | `alice : command not allowed ; …` | privilege_escalation failure `command_not_allowed` |
/// | `alice : a password is required ; …` | privilege_escalation failure `password_required` |
/// | `pam_unix(sudo:auth): authentication failure; … ruser=alice … user=alice` | privilege_escalation failure `auth_failure` |
/// | `pam_unix(sudo:session): session opened/closed …` | no event (the command line is the event) |
///
/// The event's `user` and `actor` are the invoking account, `entry` is `sudo`, `device` the tty; attrs
/// `runas` (USER=), `runas_group` (GROUP=), `tty`, `pwd`, `command`.
enum SudoRule: Rule {
    static let programs = ["sudo"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        line.skipSpaces()
        if line.hasPrefix("pam_") {
            guard let pam = PAMLine.parse(&line) else { return nil }
            switch pam.kind {
            case .authFailure(let user, let ruser, let logname, _, let tty):
                var e = ctx.event(.activity, .privilegeEscalation, .failure)
                let who = nonEmpty(ruser) ?? nonEmpty(logname) ?? user
                e.user = who
                e.actor = who
                e.entry = "sudo"
                e.reason = "auth_failure"
                if let t = nonEmpty(tty) {
                    e.device = t.ttyName
                    e.attrs["tty"] = t.ttyName
                }
                if let u = nonEmpty(user) { e.attrs["target_user"] = u }
                return [e]
            case .sessionOpened, .sessionClosed:
                return []
            default:
                return nil
            }
        }
        guard let user = line.upTo(" : "), !user.isEmpty, !user.contains(" ") else { return nil }
        var outcome = Outcome.success
        var reason: String?
        var attrs: [String: String] = [:]
        var device: String?
        var sawCommand = false
        while !line.atEnd {
            if line.skip("COMMAND=") {
                attrs["command"] = line.rest()
                sawCommand = true
                break
            }
            let segEnd = line.find(" ; ") ?? line.end
            var seg = ByteView(UnsafeBufferPointer(rebasing: line.base[line.i..<segEnd]))
            if seg.skip("TTY=") {
                let t = seg.rest()
                attrs["tty"] = t
                if t != "unknown" { device = t }
            } else if seg.skip("PWD=") {
                attrs["pwd"] = seg.rest()
            } else if seg.skip("USER=") {
                attrs["runas"] = seg.rest()
            } else if seg.skip("GROUP=") {
                attrs["runas_group"] = seg.rest()
            } else if seg.hasPrefix("user NOT in sudoers") {
                outcome = .failure; reason = "not_in_sudoers"
            } else if seg.hasPrefix("command not allowed") {
                outcome = .failure; reason = "command_not_allowed"
            } else if seg.hasPrefix("a password is required") {
                outcome = .failure; reason = "password_required"
            } else if let n = seg.int(), seg.skip(" incorrect password attempt") {
                outcome = .failure; reason = "invalid_password"
                attrs["attempts"] = String(n)
            } else if seg.hasPrefix("user NOT authorized on host") {
                outcome = .failure; reason = "not_authorized_on_host"
            }
            line.i = min(segEnd + 3, line.end)
        }
        guard sawCommand else { return nil }
        var e = ctx.event(.activity, .privilegeEscalation, outcome)
        e.user = user
        e.actor = user
        e.entry = "sudo"
        e.device = device
        e.reason = reason
        e.attrs = Attributes(attrs)
        return [e]
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }
}
