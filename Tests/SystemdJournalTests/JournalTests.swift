import ActivityModel
import Foundation
import SystemdJournal
import Testing

extension SystemdJournalTestSuite {
    @Suite("Journal reads real journal files")
    struct JournalTests {
        @Test("reads every entry with all its fields, realtime and cursor")
        func readsAllEntries() throws {
            let fixture = try JournalFixture()
            let file = try fixture.writeJournal(sampleEntries(5))
            let journal = try Journal(.files([file]))
            try journal.seekHead()
            var entries: [JournalEntry] = []
            while try journal.next() { entries.append(try journal.currentEntry()) }

            #expect(entries.count == 5)
            for (i, entry) in entries.enumerated() {
                #expect(entry.fields["MESSAGE"] == "message \(i)")
                #expect(entry.fields["_PID"] == String(1000 + i))
                #expect(entry.fields["_HOSTNAME"] == "testhost")
                #expect(entry.fields["_BOOT_ID"] == "0123456789abcdef0123456789abcdef")
                #expect(entry.fields["SYSLOG_IDENTIFIER"] == (i % 2 == 0 ? "sshd" : "sudo"))
                #expect(entry.fields["__REALTIME_TIMESTAMP"] == nil, "address fields are not entry fields")
                #expect(
                    entry.realtime == Timestamp(nanoseconds: Int64(baseMicroseconds + UInt64(i) * 1_000_000) * 1000))
                #expect(entry.cursor.contains("t="))
            }
            #expect(Set(entries.map(\.cursor)).count == 5)
        }

        @Test("a directory opens like a file list, and single fields read by name")
        func opensDirectoryAndReadsOneField() throws {
            let fixture = try JournalFixture()
            try fixture.writeJournal(sampleEntries(3), into: "dir")
            let journal = try Journal(.directory(fixture.path("dir")))
            try journal.seekTail()
            #expect(try journal.previous())
            #expect(try journal.currentField("MESSAGE") == "message 2")
            #expect(try journal.currentField("NO_SUCH_FIELD") == nil)
        }

        @Test("invalid UTF-8 and newlines in values decode without trapping")
        func binaryFieldsDecodeLossily() throws {
            let fixture = try JournalFixture()
            var entry = ExportEntry(realtime: baseMicroseconds, monotonic: 1, [("MESSAGE", "x")])
            entry.fields.append(("BINARY", [0x61, 0xFF, 0xFE, 0x62]))
            entry.fields.append(("MULTILINE", Array("line1\nline2".utf8)))
            let file = try fixture.writeJournal([entry])
            let journal = try Journal(.files([file]))
            try journal.seekHead()
            #expect(try journal.next())
            let fields = try journal.currentFields()
            #expect(fields["BINARY"] == "a\u{FFFD}\u{FFFD}b")
            #expect(fields["MULTILINE"] == "line1\nline2")
        }

        @Test("values longer than the data threshold are cut there")
        func dataThresholdCutsLongValues() throws {
            let fixture = try JournalFixture()
            let long = String(repeating: "a", count: 10_000)
            let file = try fixture.writeJournal([
                ExportEntry(realtime: baseMicroseconds, monotonic: 1, [("MESSAGE", long)])
            ])
            let limited = try Journal(.files([file]), dataThreshold: 100)
            try limited.seekHead()
            #expect(try limited.next())
            #expect(try limited.currentFields()["MESSAGE"]?.utf8.count == 100)
            let unlimited = try Journal(.files([file]), dataThreshold: 0)
            try unlimited.seekHead()
            #expect(try unlimited.next())
            #expect(try unlimited.currentFields()["MESSAGE"] == long)
        }

        @Test("matches filter entries; same-field matches OR, anyOf ORs across fields")
        func matchesFilter() throws {
            let fixture = try JournalFixture()
            let file = try fixture.writeJournal(sampleEntries(6))

            let sshd = try Journal(.files([file]))
            try sshd.addMatch("SYSLOG_IDENTIFIER=sshd")
            try sshd.seekHead()
            #expect(try messages(sshd) == ["message 0", "message 2", "message 4"])

            let andMatch = try Journal(.files([file]))
            try andMatch.addMatch("SYSLOG_IDENTIFIER=sshd")
            try andMatch.addMatch("_PID=1002")
            try andMatch.seekHead()
            #expect(try messages(andMatch) == ["message 2"])

            let anyOf = try Journal(.files([file]))
            try anyOf.addMatches(anyOf: ["_PID=1001", "MESSAGE=message 4"])
            try anyOf.seekHead()
            #expect(try messages(anyOf) == ["message 1", "message 4"])

            let disjunction = try Journal(.files([file]))
            try disjunction.addMatch("_PID=1000")
            try disjunction.addDisjunction()
            try disjunction.addMatch("_PID=1005")
            try disjunction.seekHead()
            #expect(try messages(disjunction) == ["message 0", "message 5"])

            disjunction.flushMatches()
            try disjunction.seekHead()
            #expect(try messages(disjunction).count == 6)
        }

        @Test("a malformed match is a typed EINVAL error naming the operation")
        func malformedMatchThrows() throws {
            let fixture = try JournalFixture()
            let journal = try Journal(.files([try fixture.writeJournal(sampleEntries(1))]))
            let error = #expect(throws: JournalError.self) { try journal.addMatch("no equals sign") }
            #expect(error?.errnoName == "EINVAL")
            #expect(error?.operation == "sd_journal_add_match")
            #expect(error?.description.contains("EINVAL") == true)
        }

        @Test("opening a missing file or directory throws ENOENT")
        func missingPathsThrow() throws {
            let missingFile = #expect(throws: JournalError.self) { try Journal(.files(["/nonexistent/x.journal"])) }
            #expect(missingFile?.errnoName == "ENOENT")
            #expect(missingFile?.context == "/nonexistent/x.journal")
            let missingDirectory = #expect(throws: JournalError.self) { try Journal(.directory("/nonexistent-dir")) }
            #expect(missingDirectory?.errnoName == "ENOENT")
        }

        @Test("reading with no current entry is an error, not a trap")
        func noCurrentEntryThrows() throws {
            let fixture = try JournalFixture()
            let journal = try Journal(.files([try fixture.writeJournal(sampleEntries(1))]))
            try journal.seekHead()
            #expect(throws: JournalError.self) { try journal.currentCursor() }
            #expect(throws: JournalError.self) { try journal.currentFields() }
        }

        @Test("seeking to a cursor resumes on that entry; the next step is the entry after it")
        func cursorSeekResumes() throws {
            let fixture = try JournalFixture()
            let file = try fixture.writeJournal(sampleEntries(5))
            let first = try Journal(.files([file]))
            try first.seekHead()
            #expect(try first.next())
            #expect(try first.next())
            let cursor = try first.currentCursor()
            #expect(try first.testCursor(cursor))

            let second = try Journal(.files([file]))
            try second.seek(cursor: cursor)
            #expect(try second.next())
            #expect(try second.testCursor(cursor))
            #expect(try second.currentField("MESSAGE") == "message 1")
            #expect(try messages(second) == ["message 2", "message 3", "message 4"])

            let notACursor = #expect(throws: JournalError.self) { try second.seek(cursor: "garbage") }
            #expect(notACursor?.errnoName == "EINVAL")
        }

        @Test("seeking to a realtime lands on the first entry at or after it")
        func realtimeSeek() throws {
            let fixture = try JournalFixture()
            let journal = try Journal(.files([try fixture.writeJournal(sampleEntries(5))]))
            let third = Timestamp(nanoseconds: Int64(baseMicroseconds + 2_000_000) * 1000)
            try journal.seek(realtime: third)
            #expect(try journal.next())
            #expect(try journal.currentRealtime() == third)
            #expect(try journal.currentField("MESSAGE") == "message 2")
            try journal.seek(realtime: Timestamp(nanoseconds: third.nanoseconds + 1000))
            #expect(try messages(journal) == ["message 3", "message 4"])
        }

        @Test("entries appended by another writer become visible after wait")
        func appendedEntriesVisibleAfterWait() throws {
            let fixture = try JournalFixture()
            try fixture.writeJournal(sampleEntries(2), into: "live")
            let journal = try Journal(.directory(fixture.path("live")))
            #expect(try journal.fileDescriptor() >= 0)
            try journal.seekHead()
            #expect(try messages(journal) == ["message 0", "message 1"])
            // Once the journal is watched, nothing happens before the next write.
            _ = try journal.process()
            #expect(try journal.wait(timeout: .milliseconds(10)) == .nop)

            try fixture.writeJournal(sampleEntries(2, start: 2), into: "live")
            var change = JournalChange.nop
            let deadline = ContinuousClock.now + .seconds(5)
            while change == .nop, ContinuousClock.now < deadline {
                change = try journal.wait(timeout: .milliseconds(200))
            }
            #expect(change == .append || change == .invalidate)
            #expect(try messages(journal) == ["message 2", "message 3"])
        }
    }
}

/// Reads MESSAGE of every remaining entry.
func messages(_ journal: Journal) throws -> [String] {
    var out: [String] = []
    while try journal.next() { out.append(try journal.currentField("MESSAGE") ?? "<none>") }
    return out
}
