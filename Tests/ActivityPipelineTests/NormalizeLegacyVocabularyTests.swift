import ActivityModel
import ActivityPipeline
import Testing

@Suite("LegacyVocabulary")
struct NormalizeLegacyVocabularyTests {
    @Test(arguments: [
        ("1", "web"), ("Membership login", "web"), ("2", "report"), ("Report download", "report"), ("3", "batch"),
        ("4", "recurring_billing"), ("5", "inventory_upload"), ("6", "api"), ("HTTPS request", "api"), ("7", "mobile"),
        ("mobile   LOGIN", "mobile"), ("8", "password_reset"), ("Reset Password", "password_reset"),
    ])
    func portalEntry(_ input: String, _ expected: String) {
        #expect(LegacyVocabulary.portalEntry(input) == expected)
    }

    @Test(arguments: ["0", "9", "", "Membership", "login"])
    func unknownPortalEntry(_ input: String) {
        #expect(LegacyVocabulary.portalEntry(input) == nil)
    }

    @Test(
        arguments: [
            ("1", "login", "success", nil), ("Active", "login", "success", nil),
            ("2", "logout", "success", nil), ("3", "login_failed", "failure", "invalid_company"),
            ("5", "login_failed", "failure", "invalid_password"),
            ("Invalid password", "login_failed", "failure", "invalid_password"),
            ("6", "session_timeout", "success", "idle_timeout"),
            ("7", "session_replaced", "success", "session_replaced"),
            ("8", "login_failed", "failure", "ip_conflict"), ("9", "login_failed", "failure", "invalid_session"),
            ("10", "login_failed", "failure", "account_disabled"),
            ("11", "login_failed", "failure", "merchant_account_disabled"),
            ("12", "login_failed", "failure", "ip_restricted"), ("13", "login_failed", "failure", "invalid_user"),
            ("Invalid Company/User", "login_failed", "failure", "invalid_user"),
            ("14", "login_failed", "failure", "missing_email"), ("15", "password_reset", "success", nil),
            ("16", "mfa_disabled", "success", nil), ("17", "mfa_enabled", "success", nil),
            ("18", "mfa_enrolled", "success", nil),
            ("19", "mfa_reset", "success", nil), ("20", "account_locked", "success", "mfa_failures"),
            ("21", "mfa_success", "success", nil), ("22", "mfa_failure", "failure", "invalid_mfa"),
            ("23", "mfa_failure", "failure", "mfa_timeout"), ("24", "mfa_challenge", "success", nil),
            ("25", "mfa_challenge", "success", "mfa_required"),
            ("valid credential mfa required", "mfa_challenge", "success", "mfa_required"),
            ("26", "mfa_failure", "failure", "invalid_mfa_data"),
        ] as [(String, String, String, String?)])
    func portalStatus(_ input: String, _ action: String, _ outcome: String, _ reason: String?) throws {
        let m = try #require(LegacyVocabulary.portalStatus(input))
        #expect(m.action.rawValue == action)
        #expect(m.outcome.rawValue == outcome)
        #expect(m.reason == reason)
        // every mapped status is a login-category verb of DESIGN.md's vocabulary
        #expect(m.action.knownCategory == .login)
    }

    @Test(arguments: ["4", "0", "27", "Completed", ""])
    func unknownPortalStatus(_ input: String) {
        #expect(LegacyVocabulary.portalStatus(input) == nil)
    }

    @Test func statusTableIsComplete() {
        #expect(LegacyVocabulary.portalStatuses.count == 25)
        #expect(LegacyVocabulary.portalEntries.count == 8)
        #expect(LegacyVocabulary.paymentsActions.count == 14)
    }

    @Test(arguments: [
        ("1", "login", "login"), ("Login", "login", "login"), ("Log out", "login", "logout"),
        ("logout", "login", "logout"),
        ("2", "activity", "page_viewed"), ("Accessed pages", "activity", "page_viewed"),
        ("3", "admin", "order_placed_on_behalf"),
        ("Place new order on behalf of the shopper", "admin", "order_placed_on_behalf"),
        ("4", "activity", "subscription_upgraded"), ("5", "activity", "payment_method_changed"),
        ("Change credit card information", "activity", "payment_method_changed"),
        ("6", "activity", "subscription_cancelled"), ("Cancel subscription", "activity", "subscription_cancelled"),
        ("7", "admin", "price_changed"), ("8", "activity", "subscription_enabled"),
        ("Enable subscription", "activity", "subscription_enabled"),
        ("9", "admin", "plan_extended"), ("10", "admin", "recurring_billing_stopped"),
        ("11", "admin", "recurring_billing_enabled"),
        ("12", "activity", "invoice_sent"), ("13", "activity", "refund_requested"),
        ("Request order refund", "activity", "refund_requested"),
        ("14", "admin", "email_template_changed"),
    ])
    func paymentsAction(_ input: String, _ category: String, _ action: String) throws {
        let m = try #require(LegacyVocabulary.paymentsAction(input))
        #expect(m.category.rawValue == category)
        #expect(m.action.rawValue == action)
        if let known = m.action.knownCategory { #expect(known == m.category) }
    }

    @Test(arguments: ["0", "15", "Refund", ""])
    func unknownPaymentsAction(_ input: String) {
        #expect(LegacyVocabulary.paymentsAction(input) == nil)
    }
}
