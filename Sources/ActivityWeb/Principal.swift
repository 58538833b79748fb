import ActivityConfig
import ActivityModel

/// Who is asking: a person from `[[web.user]]` or a token from `[[web.token]]`, with what they may see.
public struct Principal: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case person, token }
    public var name: String
    public var kind: Kind
    public var roles: Set<WebRole>
    /// Accounts whose events this principal may see; empty: every account (and events without one).
    public var accounts: Set<String>

    public init(name: String, kind: Kind, roles: Set<WebRole>, accounts: Set<String> = []) {
        self.name = name; self.kind = kind; self.roles = roles; self.accounts = accounts
    }

    init(_ c: WebPrincipalConfiguration, kind: Kind) {
        self.init(name: c.name, kind: kind, roles: c.roles, accounts: Set(c.accounts))
    }

    /// `admin` may do everything; otherwise the role must be granted.
    public func may(_ role: WebRole) -> Bool { roles.contains(.admin) || roles.contains(role) }

    public var isScoped: Bool { !accounts.isEmpty }

    /// Whether `e` is within this principal's accounts. A scoped principal never sees an event without an
    /// account: nothing says it belongs to theirs.
    public func sees(_ e: ActivityEvent) -> Bool {
        guard !accounts.isEmpty else { return true }
        guard let a = e.account else { return false }
        return accounts.contains(a)
    }
}
