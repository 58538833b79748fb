import ActivityModel

/// passwd, chpasswd and chage.
///
/// | program | message | event |
/// | --- | --- | --- |
/// | passwd | `pam_unix(passwd:chauthtok): password changed for alice` | login password_changed (self), or admin password_set when `SUDO_USER` names another account |
/// | passwd | `password for 'bob' changed by 'root'` (shadow, non-PAM) | admin password_set actor root; password_changed when both names are equal |
/// | chpasswd | `pam_unix(chpasswd:chauthtok): password changed for bob` | admin password_set (actor from `SUDO_USER` / `_AUDIT_LOGINUID`) |
/// | chage | `changed password expiry for bob` | admin user_modified, attrs `change=password_expiry` |
///
/// The syslog line of passwd does not say who ran it: without journald fields a root-run `passwd bob`
/// reads as bob's own change. Two lines of one process report one change (the first seen emits).
enum PasswordRule: Rule {
    static let programs = ["passwd", "chpasswd", "chage"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        if line.hasPrefix("pam_") {
            guard let pam = PAMLine.parse(&line) else { return nil }
            guard case .passwordChanged(let user) = pam.kind else { return pam.type == "chauthtok" ? [] : nil }
            if ctx.program == "chpasswd" { return changed(ctx, &state, user: user, actor: ctx.fieldActor, batch: true) }
            // Only a name can be compared with the user; an audit uid alone cannot tell self from admin.
            let sudoUser = SudoRule.nonEmpty(ctx.record.fields["SUDO_USER"])
            return changed(ctx, &state, user: user, actor: sudoUser, batch: false)
        }
        if line.skip("password for '") {
            guard let user = line.upTo("' changed by '"), let actor = line.upTo(byte: UInt8(ascii: "'")) else {
                return nil
            }
            return changed(ctx, &state, user: user, actor: actor, batch: false)
        }
        if line.skip("changed password expiry for ") {
            guard let user = line.word() else { return nil }
            var e = ctx.event(.admin, .userModified, .success)
            e.user = user
            e.actor = ctx.fieldActor
            e.actorRole = "admin"
            e.attrs["change"] = "password_expiry"
            return [e]
        }
        return nil
    }

    static func changed(_ ctx: RuleContext, _ state: inout NormalizerState, user: String, actor: String?, batch: Bool)
        -> [ActivityEvent]
    {
        let key = ctx.pidKey
        var s = state.session(key, now: ctx.time)
        if s.loginEmitted, s.user == user { return [] }
        s.user = user
        s.loginEmitted = true
        state.store(key, s)
        if batch || (actor != nil && actor != user) {
            var e = ctx.event(.admin, .passwordSet, .success)
            e.user = user
            e.actor = actor
            e.actorRole = "admin"
            return [e]
        }
        var e = ctx.event(.login, .passwordChanged, .success)
        e.user = user
        e.actor = user
        e.actorRole = "user"
        return [e]
    }
}
