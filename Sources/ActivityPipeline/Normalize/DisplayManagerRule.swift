import ActivityModel

/// Graphical logins through GDM, LightDM and SDDM, read from their PAM lines.
///
/// | message | event |
/// | --- | --- |
/// | `pam_unix(gdm-password:session): session opened for user alice(uid=1000) by (uid=0)` | login, entry `desktop` |
/// | `pam_unix(lightdm:session): session closed for user alice` | logout, paired by pid |
/// | `pam_unix(sddm:auth): authentication failure; … user=alice` | login_failed `invalid_password`, entry `desktop` |
///
/// Greeter sessions (`gdm-launch-environment`, `lightdm-greeter`, `sddm-greeter`, or the display
/// manager's own accounts `gdm`, `lightdm`, `sddm`) are recognised and yield no event.
enum DisplayManagerRule: Rule {
    /// gdm's PAM modules log under the identifier `gdm-password]` (a `]` too many); the syslog parser drops
    /// it, but journald keeps it in `SYSLOG_IDENTIFIER`, so both spellings are listed.
    static let programs: [String] = {
        let gdm = ["gdm-password", "gdm-autologin", "gdm-fingerprint", "gdm-smartcard", "gdm-launch-environment"]
        return gdm + gdm.map { $0 + "]" } + ["lightdm", "sddm", "sddm-helper"]
    }()
    static let systemAccounts: Set<String> = ["gdm", "lightdm", "sddm", "gdm-greeter", "Debian-gdm"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let pam = PAMLine.parse(&line) else { return nil }
        let greeter = pam.service.contains("greeter") || pam.service.contains("launch-environment")
        switch pam.kind {
        case .sessionOpened(let user, _):
            if greeter || systemAccounts.contains(user) { return [] }
            var events = PAMSessions.opened(ctx, &state, user: user, actor: nil, entry: "desktop")
            for i in events.indices { events[i].attrs["pam_service"] = pam.service }
            return events
        case .sessionClosed(let user):
            if greeter || systemAccounts.contains(user) { return [] }
            return PAMSessions.closed(ctx, &state, user: user, entry: "desktop")
        case .authFailure(let user, _, _, _, let tty):
            guard let user = SudoRule.nonEmpty(user), !greeter else { return [] }
            var e = ctx.event(.login, .loginFailed, .failure)
            e.user = user
            e.actor = user
            e.entry = "desktop"
            e.reason = "invalid_password"
            e.device = SudoRule.nonEmpty(tty)?.ttyName
            e.attrs["pam_service"] = pam.service
            return [e]
        default:
            return nil
        }
    }
}
