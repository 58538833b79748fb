import ActivityModel

/// su (util-linux on Debian/Ubuntu/RHEL; the older shadow-utils forms too).
///
/// | message | event |
/// | --- | --- |
/// | `(to root) alice on pts/0` / `Successful su for root by alice` / `+ pts/0 alice:root` | login success, entry `su`, user = target, actor = invoker, device = tty |
/// | `FAILED SU (to root) alice on pts/0` / `- pts/0 alice:root` | login_failed `invalid_password` |
/// | `pam_unix(su[-l]:auth): authentication failure; … ruser=alice … user=root` | login_failed `invalid_password` |
/// | `pam_unix(su[-l]:session): session opened for user root(uid=0) by alice(uid=1000)` | login (unless `(to root)` of the same process came first) |
/// | `pam_unix(su[-l]:session): session closed for user root` | logout, paired by pid |
///
/// A PAM failure and the `FAILED SU` line of the same process are one failure: the first one seen emits.
enum SuRule: Rule {
    static let programs = ["su"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let c = line.peek() else { return nil }
        switch c {
        case UInt8(ascii: "("):
            guard line.skip("(to "), let target = line.upTo(") "), let (actor, tty) = actorOnTTY(&line) else {
                return nil
            }
            return PAMSessions.opened(ctx, &state, user: target, actor: actor, entry: "su", device: tty)
        case UInt8(ascii: "S"):
            guard line.skip("Successful su for "), let target = line.upTo(" by ") else { return nil }
            let actor = line.rest()
            return PAMSessions.opened(ctx, &state, user: target, actor: actor, entry: "su")
        case UInt8(ascii: "F"):
            guard line.skip("FAILED SU (to "), let target = line.upTo(") "), let (actor, tty) = actorOnTTY(&line) else {
                return nil
            }
            return failure(ctx, &state, target: target, actor: actor, tty: tty)
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            // shadow su: `+ pts/0 alice:root` (success) / `- pts/0 alice:root` (failure).
            let ok = c == UInt8(ascii: "+")
            line.i += 1
            guard line.skip(byte: 0x20), let tty = line.word(), line.skip(byte: 0x20),
                let actor = line.upTo(byte: UInt8(ascii: ":"))
            else { return nil }
            let target = line.rest()
            guard !target.isEmpty, !actor.isEmpty else { return nil }
            if ok { return PAMSessions.opened(ctx, &state, user: target, actor: actor, entry: "su", device: tty) }
            return failure(ctx, &state, target: target, actor: actor, tty: tty)
        case UInt8(ascii: "p"):
            guard let pam = PAMLine.parse(&line) else { return nil }
            switch pam.kind {
            case .sessionOpened(let user, let actor):
                return PAMSessions.opened(ctx, &state, user: user, actor: actor, entry: "su")
            case .sessionClosed(let user):
                return PAMSessions.closed(ctx, &state, user: user, entry: "su")
            case .authFailure(let user, let ruser, let logname, _, let tty):
                let actor = SudoRule.nonEmpty(ruser) ?? SudoRule.nonEmpty(logname)
                return failure(
                    ctx, &state, target: SudoRule.nonEmpty(user) ?? "root", actor: actor,
                    tty: SudoRule.nonEmpty(tty)?.ttyName)
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// `alice on pts/0` → (actor, tty).
    static func actorOnTTY(_ line: inout ByteView) -> (String, String?)? {
        if let at = line.find(" on ") {
            let actor = line.string(line.i, at)
            line.i = at + 4
            let tty = line.rest()
            return actor.isEmpty ? nil : (actor, tty.isEmpty || tty == "none" ? nil : tty)
        }
        let actor = line.rest()
        return actor.isEmpty ? nil : (actor, nil)
    }

    static func failure(
        _ ctx: RuleContext, _ state: inout NormalizerState, target: String, actor: String?, tty: String?
    ) -> [ActivityEvent] {
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if s.failureReported { return [] }
        s.failureReported = true
        state.store(key, s)
        var e = ctx.event(.login, .loginFailed, .failure)
        e.user = target
        e.actor = actor
        e.entry = "su"
        e.device = tty
        e.reason = "invalid_password"
        return [e]
    }
}
