import ActivityModel

/// PAM authentication failures from programs that have no rule of their own (cockpit, vsftpd, dovecot,
/// xrdp, polkit…), tried only for records whose program has no rule and whose message starts with `pam_`.
///
/// | message | event |
/// | --- | --- |
/// | `pam_unix(cockpit:auth): authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=192.0.2.9 user=alice` (also `pam_sss`, `pam_ldap`…) | login_failed `invalid_password`: user from `user=`, ip from `rhost=` when it is an address (else attrs `remote_host`), attrs `pam_service`, entry from the service when obvious |
/// | `pam_faillock(vsftpd:auth): Consecutive login failures for user alice account temporarily locked` | login_failed `account_locked` |
///
/// Everything else (session lines of cron, `check pass; user unknown`…) stays unmatched. The checks before
/// any string is made are byte compares: the `pam_` prefix, then the `:auth)` management group.
enum GenericPAMRule {
    /// PAM service → entry, for services whose entry is plain.
    static let entries: [String: String] = [
        "cockpit": "web", "vsftpd": "ftp", "proftpd": "ftp", "pure-ftpd": "ftp", "ftp": "ftp",
        "dovecot": "mail", "imap": "mail", "pop3": "mail", "smtp": "mail", "postfix": "mail",
        "xrdp-sesman": "rdp", "xrdp": "rdp", "openvpn": "vpn", "samba": "smb",
        "sshd": "ssh", "dropbear": "ssh", "login": "console", "remote": "console",
        "su": "su", "su-l": "su", "sudo": "sudo", "sudo-i": "sudo",
        "gdm-password": "desktop", "lightdm": "desktop", "sddm": "desktop", "kde": "desktop",
        "xscreensaver": "desktop", "gnome-screensaver": "desktop", "polkit-1": "polkit",
    ]

    /// The events for an unmatched record's message, or nil when it is not a PAM failure.
    static func apply(_ record: RawRecord, program: String) -> [ActivityEvent]? {
        record.message.withUTF8Bytes { (buf) -> [ActivityEvent]? in
            var line = ByteView(buf)
            guard line.hasPrefix("pam_"), isAuthGroup(line) else { return nil }
            let ctx = RuleContext(record: record, program: program)
            // `pam_faillock(SERVICE:auth): Consecutive login failures for user U account temporarily locked`
            if let open = line.find(byte: UInt8(ascii: "(")),
                let body = line.find("): ", from: open),
                line.matches("Consecutive login failures for user ", at: body + 3)
            {
                let us = body + 3 + 36
                guard line.hasSuffix(" account temporarily locked"), line.end - 27 > us else { return nil }
                let service = line.string(open + 1, line.find(byte: UInt8(ascii: ":"), from: open) ?? open + 1)
                var e = ctx.event(.login, .loginFailed, .failure)
                e.user = line.string(us, line.end - 27)
                e.actor = e.user
                e.reason = "account_locked"
                e.entry = entries[service]
                e.attrs["pam_service"] = service
                return [e]
            }
            guard let pam = PAMLine.parse(&line),
                case .authFailure(let user, let ruser, _, let rhost, let tty) = pam.kind
            else { return nil }
            var e = ctx.event(.login, .loginFailed, .failure)
            e.user = nonEmpty(user)
            e.actor = nonEmpty(ruser) ?? e.user
            e.reason = "invalid_password"
            e.entry = entries[pam.service]
            e.attrs["pam_service"] = pam.service
            if let rhost = nonEmpty(rhost) {
                if let ip = IPAddress(rhost) { e.ip = ip } else { e.attrs["remote_host"] = rhost }
            }
            // `tty=ssh`, `tty=ftp` name the service, not a terminal.
            if let tty = nonEmpty(tty),
                tty.hasPrefix("/dev/") || tty.hasPrefix("tty") || tty.hasPrefix("pts/") || tty.hasPrefix(":")
            {
                e.device = tty.ttyName
            }
            return [e]
        }
    }

    /// True when the `pam_MODULE(SERVICE:TYPE)` head at the cursor has the type `auth` (bytes only).
    static func isAuthGroup(_ line: ByteView) -> Bool {
        guard let open = line.find(byte: UInt8(ascii: "(")), open - line.i < 32,
            let close = line.find(byte: UInt8(ascii: ")"), from: open), close - open < 128
        else { return false }
        return line.matches(":auth", at: close - 5)
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }
}
