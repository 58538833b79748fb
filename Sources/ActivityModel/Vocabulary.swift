/// The three kinds of event activityd records.
public enum EventCategory: String, Sendable, Hashable, CaseIterable, Codable {
    /// `login`: sign-ins, sign-outs, sessions, MFA and passwords; `activity`: what users do (orders, subscriptions,
    /// pages, sudo); `admin`: what administrators do to accounts, plans and prices.
    case login, activity, admin

    /// Accepts the export names in any letter case; nil for anything else.
    public init?(loose text: String) {
        self.init(rawValue: text.lowercased())
    }
}

/// What became of the action.
public enum Outcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// The action succeeded, failed, or the source did not say.
    case success, failure, unknown

    /// Reads the common spellings senders use (`ok`, `failed`, `error`, `true`/`false`...): ``looseSpellings``,
    /// in any letter case; anything else is ``unknown``.
    public init(loose text: String) {
        let lower = text.lowercased()
        self = Outcome.looseSpellings.first { $0.0 == lower }?.1 ?? .unknown
    }

    /// The spellings ``init(loose:)`` reads, in lower case (decoders match them on bytes too).
    public static let looseSpellings: [(String, Outcome)] =
        ["success", "succeeded", "ok", "true", "allowed", "allow", "pass", "passed", "accepted"].map { ($0, .success) }
        + ["failure", "failed", "fail", "false", "error", "denied", "deny", "rejected", "blocked"].map {
            ($0, .failure)
        }
}

/// A normalized verb in snake_case.
///
/// The vocabulary (DESIGN.md) is open: an application may send an action activityd does not know, and the
/// event is kept with the action sanitized to snake_case. Known actions imply their category, so senders
/// may leave `category` out.
public struct Action: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The verb in snake_case (`login`, `password_changed`). Not checked: see ``init(rawValue:)``.
    public let rawValue: String

    /// Takes the text as is. Use ``init(sanitizing:)`` for text from outside.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Sanitizes free text to snake_case: ASCII letters lowered, digits kept, every other run of characters
    /// (spaces, dashes, dots, camelCase humps, non-ASCII) becomes one `_`; at most 64 bytes. Returns nil when
    /// nothing is left.
    public init?(sanitizing text: String) {
        if Action.isSnakeCase(text) { self.rawValue = text; return }  // the usual case: already clean
        guard let s = Action.sanitized(text) else { return nil }
        self.rawValue = s
    }

    /// The snake_case form of any text (the rules of ``init(sanitizing:)``); nil when nothing is left.
    static func sanitized(_ text: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(min(text.utf8.count, 64))
        var pendingUnderscore = false
        var previousWasLower = false
        for c in text.utf8 {
            var lower: UInt8? = nil
            var isUpper = false
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): lower = c
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): lower = c + 32; isUpper = true
            default: lower = nil
            }
            if let l = lower {
                if (pendingUnderscore || (isUpper && previousWasLower)) && !out.isEmpty {
                    out.append(UInt8(ascii: "_"))
                }
                pendingUnderscore = false
                if out.count >= 64 { break }
                out.append(l)
                previousWasLower = !isUpper
            } else {
                pendingUnderscore = true
                previousWasLower = false
            }
        }
        while out.last == UInt8(ascii: "_") { out.removeLast() }
        guard !out.isEmpty else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Already what ``init(sanitizing:)`` would make of it: `[a-z0-9]` words joined by single `_`, ≤ 64 bytes.
    /// (Over the contiguous UTF-8 bytes: iterating `utf8` cost ~375 instructions a call, 1.4 % of the daemon's
    /// per-event path; callgrind, `activity-bench pipeline`.)
    static func isSnakeCase(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isSnakeCase($0) }
    }

    /// ``isSnakeCase(_:)`` over UTF-8 bytes (decoders test a verb before making its `String`).
    public static func isSnakeCase(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !u.isEmpty, u.count <= 64, u[0] != UInt8(ascii: "_"), u[u.count - 1] != UInt8(ascii: "_") else {
            return false
        }
        var previous: UInt8 = 0
        for c in u {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): break
            case UInt8(ascii: "_") where previous != UInt8(ascii: "_"): break
            default: return false
            }
            previous = c
        }
        return true
    }

    /// The verb (``rawValue``).
    public var description: String { rawValue }
    /// Orders by ``rawValue`` (sorted report output).
    public static func < (a: Action, b: Action) -> Bool { a.rawValue < b.rawValue }

    /// The category a known action belongs to; nil for actions outside the vocabulary.
    public var knownCategory: EventCategory? { Action.vocabulary[rawValue] }

    /// DESIGN.md's action vocabulary, with the category each verb belongs to. Extend it, don't fork it.
    public static let vocabulary: [String: EventCategory] = {
        var v: [String: EventCategory] = [:]
        for a in [
            "login", "logout", "login_failed", "session_timeout", "session_replaced", "mfa_challenge", "mfa_success",
            "mfa_failure", "mfa_enrolled", "mfa_enabled", "mfa_disabled", "mfa_reset", "password_reset_requested",
            "password_reset", "password_changed", "account_locked",
            // systemd-logind sessions (kept apart from `login`/`logout` so a login is not counted twice).
            "session_started", "session_ended",
            // A connection that never reached authentication (scanners, negotiation failures, tcp wrappers).
            "probe",
        ] { v[a] = .login }
        for a in [
            "subscription_started", "subscription_upgraded", "subscription_cancelled", "subscription_renewed",
            "rental_started", "order_placed", "refund_requested", "payment_method_changed", "invoice_sent",
            "page_viewed", "report_downloaded", "file_uploaded", "privilege_escalation", "subscription_enabled",
        ] { v[a] = .activity }
        for a in [
            "plan_added", "plan_extended", "plan_cancelled", "access_granted", "access_revoked", "price_changed",
            "recurring_billing_stopped", "recurring_billing_enabled", "order_placed_on_behalf", "refund_issued",
            "user_created", "user_modified", "user_deleted", "user_deactivated", "password_set", "group_changed",
            "license_reassigned", "email_template_changed",
        ] { v[a] = .admin }
        return v
    }()

    /// `login`: a sign-in attempt (a failure when the outcome is `failure`); category `login`.
    public static let login = Action(rawValue: "login")
    /// `logout`: a session ended by the user; category `login`.
    public static let logout = Action(rawValue: "logout")
    /// `login_failed`: a failed sign-in; category `login`.
    public static let loginFailed = Action(rawValue: "login_failed")
    /// `session_timeout`: a session ended by inactivity; category `login`.
    public static let sessionTimeout = Action(rawValue: "session_timeout")
    /// `session_replaced`: a session ended because a newer one took its place; category `login`.
    public static let sessionReplaced = Action(rawValue: "session_replaced")
    /// `password_changed`: the user changed their own password; category `login`.
    public static let passwordChanged = Action(rawValue: "password_changed")
    /// `account_locked`: the account was locked (too many failures, or by policy); category `login`.
    public static let accountLocked = Action(rawValue: "account_locked")
    /// `probe`: a connection that never reached authentication (scanners, negotiation failures); category `login`.
    public static let probe = Action(rawValue: "probe")
    /// `privilege_escalation`: a user gained other rights (`sudo`, `su`); category `activity`.
    public static let privilegeEscalation = Action(rawValue: "privilege_escalation")
    /// `user_created`: an account was created; category `admin`.
    public static let userCreated = Action(rawValue: "user_created")
    /// `user_modified`: an account's details were changed; category `admin`.
    public static let userModified = Action(rawValue: "user_modified")
    /// `user_deleted`: an account was deleted; category `admin`.
    public static let userDeleted = Action(rawValue: "user_deleted")
    /// `password_set`: someone else (an administrator) set the user's password; category `admin`.
    public static let passwordSet = Action(rawValue: "password_set")
    /// `group_changed`: a group or its membership changed; category `admin`.
    public static let groupChanged = Action(rawValue: "group_changed")
}

/// Why an input record or datagram was not turned into events. The raw values are metric labels
/// (`activityd_rejected_total{reason="invalid_json"}`), so the set is closed and bounded.
public enum RejectReason: String, Error, Sendable, Hashable, CaseIterable {
    /// A UDP datagram with no bytes.
    case emptyDatagram = "empty_datagram"
    /// A line longer than the decoder's limit.
    case oversized = "oversized"
    /// Bytes that are not valid UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// Text that is not JSON.
    case invalidJSON = "invalid_json"
    /// JSON whose top level is not an object.
    case notAnObject = "not_an_object"
    /// JSON nested deeper than the decoder's limit.
    case tooDeep = "too_deep"
    /// No action, or one that sanitizes to nothing.
    case missingAction = "missing_action"
    /// A known field with a value of the wrong type or form.
    case invalidField = "invalid_field"
    /// A time that does not parse.
    case invalidTime = "invalid_time"
    /// An address that does not parse.
    case invalidIP = "invalid_ip"
    /// A datagram from an address the input does not accept.
    case sourceNotAllowed = "source_not_allowed"
    /// A signed datagram whose signature is malformed or does not match.
    case badSignature = "bad_signature"
    /// A signed datagram naming an application with no configured key.
    case unknownKey = "unknown_key"
    /// A syslog line the parser cannot split into header and message.
    case unparsableSyslog = "unparsable_syslog"
    /// A JSON object with the same key twice.
    case duplicateKey = "duplicate_key"
    /// An object with more members or attributes than the decoder's limit.
    case tooManyFields = "too_many_fields"
    /// The input's queue was full.
    case queueFull = "queue_full"
}
