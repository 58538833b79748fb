import ActivityModel

/// Maps the vocabularies of the seed products onto ours (entry, action, outcome, reason), so events
/// imported from those systems (or sent by applications that kept their codes) read like native ones.
///
/// - The merchant portal's 8 **entry types** and its **status types** (`seeds/003`), by number (`"7"`) or name
///   (`"Mobile Login"`). The page announces 26 status types; its table lists 25 (numbers 1–26, there is
///   no 4), and number 4 is not mapped.
/// - The payments control panel's 14 **tracked actions** (`seeds/002`), by position in the page's list
///   (`"1"`…`"14"`) or name (`"Change credit card information"`).
///
/// Names match case-insensitively, ignoring punctuation and repeated spaces (`"Valid credential. MFA
/// required"` = `"valid credential mfa required"`). The full table is in docs/normalization.md.
public enum LegacyVocabulary {
    /// The merchant portal's entry type (number or name) as our `entry`; nil when unknown.
    ///
    /// `1` Membership login → `web`, `2` Report download → `report`, `3` Batch file upload → `batch`,
    /// `4` Recurring billing → `recurring_billing`, `5` Inventory upload → `inventory_upload`,
    /// `6` HTTPS request → `api`, `7` Mobile Login → `mobile`, `8` Reset Password → `password_reset`.
    public static func portalEntry(_ s: String) -> String? {
        lookup(s, portalEntries, number: { $0.0 }, name: { $0.1 })?.2
    }

    /// The merchant portal's status type (number or name) as our action, outcome and reason (all of
    /// category `login`); nil when unknown.
    public static func portalStatus(_ s: String) -> (action: Action, outcome: Outcome, reason: String?)? {
        guard let row = lookup(s, portalStatuses, number: { $0.0 }, name: { $0.1 }) else { return nil }
        return (row.2, row.3, row.4)
    }

    /// The payments panel's tracked action (number or name) as our category and action; nil when unknown.
    ///
    /// `Login`/`Log out` (and item 1, "Login and log out attempts", which stands for both: it maps to
    /// `login`; use the outcome the source gives) are recognised on their own too.
    public static func paymentsAction(_ s: String) -> (category: EventCategory, action: Action)? {
        let key = normalizeKey(s)
        switch key {
        case "login", "log in", "login attempt": return (.login, .login)
        case "logout", "log out", "logout attempt", "log out attempt": return (.login, .logout)
        case "cancel subscription": return (.activity, Action(rawValue: "subscription_cancelled"))
        default: break
        }
        guard let row = lookup(s, paymentsActions, number: { $0.0 }, name: { $0.1 }) else { return nil }
        return (row.2, row.3)
    }

    /// The portal's entry types: number, name, our entry.
    public static let portalEntries: [(Int, String, String)] = [
        (1, "Membership login", "web"),
        (2, "Report download", "report"),
        (3, "Batch file upload", "batch"),
        (4, "Recurring billing", "recurring_billing"),
        (5, "Inventory upload", "inventory_upload"),
        (6, "HTTPS request", "api"),
        (7, "Mobile Login", "mobile"),
        (8, "Reset Password", "password_reset"),
    ]

    /// The portal's status types: number, name, our action, outcome, reason.
    public static let portalStatuses: [(Int, String, Action, Outcome, String?)] = [
        (1, "Active", .login, .success, nil),
        (2, "Completed session", .logout, .success, nil),
        (3, "Invalid company", .loginFailed, .failure, "invalid_company"),
        (5, "Invalid password", .loginFailed, .failure, "invalid_password"),
        (6, "Idle timeout", .sessionTimeout, .success, "idle_timeout"),
        (7, "Session ended by new login", .sessionReplaced, .success, "session_replaced"),
        (8, "IP conflict", .loginFailed, .failure, "ip_conflict"),
        (9, "Invalid user session", .loginFailed, .failure, "invalid_session"),
        (10, "User Account Disabled", .loginFailed, .failure, "account_disabled"),
        (11, "Merchant Account Disabled", .loginFailed, .failure, "merchant_account_disabled"),
        (12, "IP Login Restriction", .loginFailed, .failure, "ip_restricted"),
        (13, "Invalid Company/User", .loginFailed, .failure, "invalid_user"),
        (14, "Missing email", .loginFailed, .failure, "missing_email"),
        (15, "Reset successful", Action(rawValue: "password_reset"), .success, nil),
        (16, "MFA Disabled", Action(rawValue: "mfa_disabled"), .success, nil),
        (17, "MFA Enabled", Action(rawValue: "mfa_enabled"), .success, nil),
        (18, "MFA Enrolled", Action(rawValue: "mfa_enrolled"), .success, nil),
        (19, "MFA Reset", Action(rawValue: "mfa_reset"), .success, nil),
        (20, "User locked due MFA", .accountLocked, .success, "mfa_failures"),
        (21, "Login successful MFA", Action(rawValue: "mfa_success"), .success, nil),
        (22, "Login failed MFA", Action(rawValue: "mfa_failure"), .failure, "invalid_mfa"),
        (23, "Login timeout TOTP", Action(rawValue: "mfa_failure"), .failure, "mfa_timeout"),
        (24, "Login requested MFA", Action(rawValue: "mfa_challenge"), .success, nil),
        (25, "Valid credential. MFA required", Action(rawValue: "mfa_challenge"), .success, "mfa_required"),
        (26, "Invalid MFA validation data", Action(rawValue: "mfa_failure"), .failure, "invalid_mfa_data"),
    ]

    /// The payments panel's tracked actions: position, name, our category and action.
    public static let paymentsActions: [(Int, String, EventCategory, Action)] = [
        (1, "Login and log out attempts", .login, .login),
        (2, "Accessed pages", .activity, Action(rawValue: "page_viewed")),
        (3, "Place new order on behalf of the shopper", .admin, Action(rawValue: "order_placed_on_behalf")),
        (4, "Upgrade subscription on behalf of the shopper", .activity, Action(rawValue: "subscription_upgraded")),
        (5, "Change credit card information", .activity, Action(rawValue: "payment_method_changed")),
        (6, "Cancel/Enable subscription", .activity, Action(rawValue: "subscription_cancelled")),
        (7, "Change subscription price", .admin, Action(rawValue: "price_changed")),
        (8, "Enable subscription", .activity, Action(rawValue: "subscription_enabled")),
        (9, "Extend subscription lifetime", .admin, Action(rawValue: "plan_extended")),
        (10, "Stop recurring billing for a subscription", .admin, Action(rawValue: "recurring_billing_stopped")),
        (11, "Enable automatic billing for a subscription", .admin, Action(rawValue: "recurring_billing_enabled")),
        (12, "Send shopper invoice", .activity, Action(rawValue: "invoice_sent")),
        (13, "Request order refund", .activity, Action(rawValue: "refund_requested")),
        (14, "Email Editor events", .admin, Action(rawValue: "email_template_changed")),
    ]

    /// Finds a row by number (the text is all digits) or by normalized name.
    static func lookup<Row>(_ s: String, _ rows: [Row], number: (Row) -> Int, name: (Row) -> String) -> Row? {
        let key = normalizeKey(s)
        guard !key.isEmpty else { return nil }
        if let n = Int(key) { return rows.first { number($0) == n } }
        return rows.first { normalizeKey(name($0)) == key }
    }

    /// Lower-cases ASCII letters and turns every run of other characters (except digits) into one space.
    static func normalizeKey(_ s: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for c in s.utf8 {
            let l: UInt8?
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): l = c + 32
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): l = c
            case 0x80...: l = c
            default: l = nil
            }
            if let l {
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                out.append(l)
            } else {
                pendingSpace = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
