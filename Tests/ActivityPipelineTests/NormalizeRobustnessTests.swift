import ActivityModel
import ActivityPipeline
import Testing

/// Inputs cut anywhere or filled with junk must never trap, and must not invent events from nothing.
@Suite("normalizer robustness")
struct NormalizeRobustnessTests {
    static var allRuleLines: [String] {
        (NormalizeSSHDTests.cases + NormalizeRulesTests.sudoCases + NormalizeRulesTests.suCases
            + NormalizeRulesTests.loginCases
            + NormalizeRulesTests.logindCases + NormalizeRulesTests.passwordCases + NormalizeRulesTests.shadowUtilsCases
            + NormalizeRulesTests.displayManagersCases).flatMap(\.lines)
    }

    @Test func everyPrefixOfEveryLineIsSafe() {
        var n = Normalizer()
        var parsed = 0
        for line in NormalizeRobustnessTests.allRuleLines {
            var prefix = Substring(line)
            while !prefix.isEmpty {
                if let r = utcParser.parse(prefix, now: testNow) {
                    parsed += 1
                    _ = n.normalize(r)
                }
                prefix = prefix.dropLast()
            }
        }
        #expect(parsed > 1000)
    }

    @Test func junkMessagesForEveryProgram() {
        var n = Normalizer()
        let junk = [
            "", " ", ":", "[", "pam_", "pam_unix(", "pam_unix(sshd:session): ",
            "pam_unix(x:y): session opened for user ",
            "Accepted ", "Accepted  for  from ", "Failed ", "Invalid user ",
            "message repeated 99999999999999999999 times: [ x]",
            "message repeated 2 times: [", " : ", "a : COMMAND=", "(to ", "FAILED LOGIN ", "New session ", "new user: ",
            "add '", "delete '", "change user '", "user x added by ", "password for '", "\u{FFFD}\u{0}\u{7F}",
        ]
        for program in Normalizer.knownPrograms {
            for m in junk {
                let r = RawRecord(time: testNow, host: "h", program: program, pid: 1, message: m)
                if case .events(let es) = n.normalize(r) {
                    for e in es { #expect(e.user?.isEmpty != true, "\(program): \(m)") }
                }
            }
        }
    }

    @Test func lastMessageRepeatedWithoutPrevious() {
        var n = Normalizer()
        let r = RawRecord(time: testNow, host: "h", message: "last message repeated 5 times")
        #expect(n.normalize(r) == .unmatched(program: ""))
    }

    @Test func knownProgramsListed() {
        #expect(Normalizer.knownPrograms.contains("sshd"))
        #expect(Normalizer.knownPrograms.contains("sshd-session"))
        #expect(!Normalizer.knownPrograms.contains("CRON"))
    }
}
