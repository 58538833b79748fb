import ActivityModel

/// shadow-utils account administration: useradd, usermod, userdel, groupadd, groupdel, groupmod, gpasswd.
///
/// | message | event |
/// | --- | --- |
/// | useradd `new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0` | admin user_created; attrs `uid`, `gid`, `home`, `shell`, `from` |
/// | groupadd `new group: name=devs, GID=1002` | admin group_changed, attrs `group`, `gid`, `change=created` |
/// | `add 'bob' to group 'sudo'` (useradd, usermod) | admin group_changed user bob, attrs `group`, `change=added` |
/// | `delete 'bob' from group 'docker'` (usermod, userdel) | admin group_changed, `change=removed` |
/// | gpasswd `user bob added by root to group devs` / `user bob removed by root from group devs` | admin group_changed, actor root |
/// | gpasswd `members of group devs set by root to alice,bob` | admin group_changed, `change=members_set` |
/// | usermod `change user 'bob' shell from '/bin/sh' to '/bin/bash'` and other `change user …` | admin user_modified, attrs `change`, `detail` |
/// | usermod `lock user 'bob' password` / `unlock user 'bob' password` | admin user_modified, `change=lock` / `unlock` |
/// | userdel `delete user 'bob'` | admin user_deleted |
/// | groupdel `group 'devs' removed` / groupmod `group changed in …` | admin group_changed, `change=deleted` / `modified` |
///
/// Echo lines are recognised but add nothing: `new group` from useradd (the user's own group), the
/// `shadow group` and `/etc/gshadow` copies, `removed group 'bob' owned by 'bob'`. The actor comes from the
/// line (gpasswd) or journald's `SUDO_USER` / `_AUDIT_LOGINUID`.
enum ShadowUtilsRule: Rule {
    static let programs = ["useradd", "usermod", "userdel", "groupadd", "groupdel", "groupmod", "gpasswd"]

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        guard let c = line.peek() else { return nil }
        switch c {
        case UInt8(ascii: "n"):
            if line.skip("new user: ") {
                let kv = commaKeyValues(&line)
                guard let name = kv["name"] else { return nil }
                var e = admin(ctx, .userCreated, user: name)
                for (k, a) in [("UID", "uid"), ("GID", "gid"), ("home", "home"), ("shell", "shell"), ("from", "from")] {
                    if let v = kv[k] { e.attrs[a] = v }
                }
                return [e]
            }
            if line.skip("new group: ") {
                guard ctx.program == "groupadd" else { return [] }
                let kv = commaKeyValues(&line)
                guard let name = kv["name"] else { return nil }
                var e = admin(ctx, .groupChanged, user: nil)
                e.attrs["group"] = name
                e.attrs["change"] = "created"
                if let g = kv["GID"] { e.attrs["gid"] = g }
                return [e]
            }
            return nil
        case UInt8(ascii: "a"):
            guard line.skip("add '"), let user = line.upTo("' to ") else { return nil }
            if line.hasPrefix("shadow group") { return [] }
            guard line.skip("group '"), let group = line.upTo(byte: UInt8(ascii: "'")) else { return nil }
            return [membership(ctx, user: user, group: group, change: "added", actor: nil)]
        case UInt8(ascii: "d"):
            if line.skip("delete user '") {
                guard let user = line.upTo(byte: UInt8(ascii: "'")) else { return nil }
                return [admin(ctx, .userDeleted, user: user)]
            }
            guard line.skip("delete '"), let user = line.upTo("' from ") else { return nil }
            if line.hasPrefix("shadow group") { return [] }
            guard line.skip("group '"), let group = line.upTo(byte: UInt8(ascii: "'")) else { return nil }
            return [membership(ctx, user: user, group: group, change: "removed", actor: nil)]
        case UInt8(ascii: "u"):
            if line.skip("user ") {
                // gpasswd: `user bob added by root to group devs` / `user bob removed by root from group devs`
                guard let user = line.word(), line.skip(byte: 0x20) else { return nil }
                let added: Bool
                if line.skip("added by ") {
                    added = true
                } else if line.skip("removed by ") {
                    added = false
                } else {
                    return nil
                }
                guard let actor = line.word() else { return nil }
                guard line.skip(added ? " to group " : " from group ") else { return nil }
                let group = line.rest()
                return [membership(ctx, user: user, group: group, change: added ? "added" : "removed", actor: actor)]
            }
            if line.skip("unlock user '") {
                guard let user = line.upTo(byte: UInt8(ascii: "'")) else { return nil }
                var e = admin(ctx, .userModified, user: user)
                e.attrs["change"] = "unlock"
                return [e]
            }
            return nil
        case UInt8(ascii: "l"):
            guard line.skip("lock user '"), let user = line.upTo(byte: UInt8(ascii: "'")) else { return nil }
            var e = admin(ctx, .userModified, user: user)
            e.attrs["change"] = "lock"
            return [e]
        case UInt8(ascii: "c"):
            guard line.skip("change user ") else {
                return line.hasPrefix("changed ") ? [] : nil
            }
            // `change user 'bob' shell from '/bin/sh' to '/bin/bash'`, `change user name 'bob' to 'robert'`,
            // `change user 'bob' home from '/home/bob' to '/srv/bob'`, `change user 'bob' expiration from …`
            if line.skip("name '") {
                guard let old = line.upTo("' to '"), let new = line.upTo(byte: UInt8(ascii: "'")) else { return nil }
                var e = admin(ctx, .userModified, user: new)
                e.attrs["change"] = "name"
                e.attrs["old_name"] = old
                return [e]
            }
            guard line.skip("'"), let user = line.upTo("' ") else { return nil }
            let what = line.word() ?? "other"
            var e = admin(ctx, .userModified, user: user)
            e.attrs["change"] = what
            line.skipSpaces()
            let detail = line.rest()
            if !detail.isEmpty { e.attrs["detail"] = detail }
            return [e]
        case UInt8(ascii: "m"):
            // gpasswd -M: `members of group devs set by root to alice,bob`
            guard line.skip("members of group "), let group = line.upTo(" set by "), let actor = line.word() else {
                return nil
            }
            var e = admin(ctx, .groupChanged, user: nil)
            e.actor = actor
            e.attrs["group"] = group
            e.attrs["change"] = "members_set"
            if line.skip(" to ") { e.attrs["members"] = line.rest() }
            return [e]
        case UInt8(ascii: "g"):
            if line.skip("group '") {
                guard let group = line.upTo("' removed") else { return nil }
                if line.hasPrefix(" from") { return [] }  // `group 'devs' removed from /etc/group`: echo of the main line
                var e = admin(ctx, .groupChanged, user: nil)
                e.attrs["group"] = group
                e.attrs["change"] = "deleted"
                return [e]
            }
            if line.hasPrefix("group added to ") { return [] }
            if line.skip("group changed in ") {
                // groupmod: `group changed in /etc/group (group devs/1002, new name: dev)`; one event per file would
                // repeat, so only the /etc/group line counts.
                guard line.hasPrefix("/etc/group ") else { return [] }
                var e = admin(ctx, .groupChanged, user: nil)
                e.attrs["change"] = "modified"
                if let open = line.find(byte: UInt8(ascii: "(")) {
                    line.i = open + 1
                    let inner = line.upTo(byte: UInt8(ascii: ")")) ?? ""
                    e.attrs["detail"] = inner
                }
                return [e]
            }
            return nil
        case UInt8(ascii: "r"):
            return line.hasPrefix("removed ") ? [] : nil
        default:
            return nil
        }
    }

    static func admin(_ ctx: RuleContext, _ action: Action, user: String?) -> ActivityEvent {
        var e = ctx.event(.admin, action, .success)
        e.user = user
        e.actor = ctx.fieldActor
        e.actorRole = "admin"
        return e
    }

    static func membership(_ ctx: RuleContext, user: String, group: String, change: String, actor: String?)
        -> ActivityEvent
    {
        var e = admin(ctx, .groupChanged, user: user)
        if let actor { e.actor = actor }
        e.attrs["group"] = group
        e.attrs["change"] = change
        return e
    }

    /// `name=bob, UID=1001, home=/home/bob` (values end at `, ` or the end of the line).
    static func commaKeyValues(_ line: inout ByteView) -> [String: String] {
        var out: [String: String] = [:]
        while !line.atEnd, out.count < 16 {
            guard let key = line.upTo(byte: UInt8(ascii: "=")) else { break }
            let end = line.find(", ") ?? line.end
            out[key] = line.string(line.i, end)
            line.i = min(end + 2, line.end)
        }
        return out
    }
}
