import ActivityModel

/// systemd-logind sessions.
///
/// logind sees every session (ssh, console, desktop) that the other rules already report as `login` /
/// `logout`, so its lines become their own actions, `session_started` and `session_ended` (category
/// `login`, with `session` set), and never a second `login`.
///
/// | message | event |
/// | --- | --- |
/// | `New session 12 of user alice.` / `New session '12' of user 'alice' with class 'user' and type 'tty'.` | session_started |
/// | `Session 12 logged out. Waiting for processes to exit.` | session_ended |
/// | `Removed session 12.` | session_ended, unless `logged out` already ended it |
/// | journald `MESSAGE_ID=8d45620c…` / `3354939424…` with `SESSION_ID`, `USER_ID` | session_started / session_ended from the fields |
///
/// Sessions of class `greeter`, `background` (cron on RHEL), `manager` and `lock-screen` yield no event.
enum LogindRule: Rule {
    static let programs = ["systemd-logind"]
    static let sessionStarted = Action(rawValue: "session_started")
    static let sessionEnded = Action(rawValue: "session_ended")
    /// Session classes that are not a person logging in.
    static let ignoredClasses: Set<String> = [
        "greeter", "lock-screen", "background", "background-light", "manager", "manager-early",
    ]
    static let startID = "8d45620c1a4348dbb17410da57c60c66"
    static let stopID = "3354939424b4456d9802ca8333ed424a"

    static func apply(_ line: inout ByteView, _ ctx: RuleContext, _ state: inout NormalizerState) -> [ActivityEvent]? {
        let fields = ctx.record.fields
        if let mid = fields["MESSAGE_ID"], let sid = fields["SESSION_ID"] {
            if mid == startID {
                return started(
                    ctx, &state, id: sid, user: fields["USER_ID"],
                    attrs: fields["LEADER"].map { ["leader_pid": $0] } ?? [:])
            }
            if mid == stopID { return ended(ctx, &state, id: sid, user: fields["USER_ID"]) }
        }
        if line.skip("New session ") {
            let id = unquote(line.word() ?? "")
            guard !id.isEmpty, line.skip(" of user ") else { return nil }
            let userEnd = line.find(byte: 0x20) ?? line.end
            var user = unquote(line.string(line.i, userEnd))
            if user.hasSuffix(".") { user.removeLast() }
            user = unquote(user)
            line.i = userEnd
            var attrs: [String: String] = [:]
            if line.skip(" with class ") {
                attrs["class"] = unquote(line.word() ?? "")
                if line.skip(" and type ") {
                    var t = line.word() ?? ""
                    if t.hasSuffix(".") { t.removeLast() }
                    attrs["type"] = unquote(t)
                }
            }
            if let cls = attrs["class"], ignoredClasses.contains(cls) { return [] }
            return started(ctx, &state, id: id, user: user, attrs: attrs)
        }
        if line.skip("Session ") {
            guard let idw = line.word(), line.skip(" logged out") else { return nil }
            return ended(ctx, &state, id: unquote(idw), user: nil)
        }
        if line.skip("Removed session ") {
            var id = line.rest()
            if id.hasSuffix(".") { id.removeLast() }
            id = unquote(id)
            guard !id.isEmpty else { return nil }
            return ended(ctx, &state, id: id, user: nil)
        }
        return nil
    }

    static func key(_ ctx: RuleContext, _ id: String) -> String { (ctx.record.host ?? "") + "\u{0}" + id }

    static func started(
        _ ctx: RuleContext, _ state: inout NormalizerState, id: String, user: String?, attrs: [String: String]
    ) -> [ActivityEvent] {
        let k = key(ctx, id)
        state.endedLogindSessions.removeValue(forKey: k)
        if let user {
            if state.logindUsers.count >= Normalizer.maxTracked { state.logindUsers.removeAll(keepingCapacity: true) }
            state.logindUsers[k] = user
        }
        var e = ctx.event(.login, sessionStarted, .success)
        e.user = user
        e.actor = user
        e.session = id
        e.attrs = Attributes(attrs)
        return [e]
    }

    static func ended(_ ctx: RuleContext, _ state: inout NormalizerState, id: String, user: String?) -> [ActivityEvent]
    {
        let k = key(ctx, id)
        guard state.markLogindEnded(k, at: ctx.time) else { return [] }
        let u = user ?? state.logindUsers.removeValue(forKey: k)
        var e = ctx.event(.login, sessionEnded, .success)
        e.user = u
        e.actor = u
        e.session = id
        return [e]
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, s.hasPrefix("'"), s.hasSuffix("'") { return String(s.dropFirst().dropLast()) }
        return s
    }
}
