import ActivityModel
import Foundation
import SystemdJournal
import Testing

extension SystemdJournalTestSuite {
    @Suite("JournalReader converts entries and resumes from cursors")
    struct JournalReaderTests {
        @Test("entries become RawRecords with time, host, program, pid, message, kept fields and cursor position")
        func convertsToRawRecord() throws {
            let fixture = try JournalFixture()
            let sourceTime: UInt64 = baseMicroseconds - 5_000_000
            let entries = [
                ExportEntry(
                    realtime: baseMicroseconds, monotonic: 1,
                    [
                        ("_HOSTNAME", "web1"), ("SYSLOG_IDENTIFIER", "sshd"), ("_COMM", "sshd-session"),
                        ("_PID", "4242"),
                        ("_UID", "0"), ("MESSAGE", "Accepted publickey for alice"), ("SYSLOG_FACILITY", "10"),
                        ("PRIORITY", "6"), ("_SOURCE_REALTIME_TIMESTAMP", String(sourceTime)),
                        ("_SYSTEMD_UNIT", "ssh.service"),
                        ("MESSAGE_ID", "8d45620c1a4348dbb17410da57c60c66"),
                    ]),
                // No SYSLOG_IDENTIFIER, no source time, no MESSAGE, a non-numeric pid.
                ExportEntry(
                    realtime: baseMicroseconds + 1, monotonic: 2,
                    [
                        ("_COMM", "systemd-logind"), ("_PID", "notanumber"), ("SESSION_ID", "7"), ("USER_ID", "alice"),
                        ("LEADER", "999"), ("_SOURCE_REALTIME_TIMESTAMP", "bogus"),
                    ]),
            ]
            let file = try fixture.writeJournal(entries)
            let reader = JournalReader(journal: try Journal(.files([file])))
            #expect(try reader.resume(from: nil, otherwise: .head) == .started(.head))

            let first = try #require(try reader.nextRecord())
            #expect(first.time == Timestamp(nanoseconds: Int64(sourceTime) * 1000))
            #expect(first.host == "web1")
            #expect(first.program == "sshd")
            #expect(first.pid == 4242)
            #expect(first.message == "Accepted publickey for alice")
            // Only what normalization reads besides the record's own properties.
            #expect(first.fields == ["MESSAGE_ID": "8d45620c1a4348dbb17410da57c60c66"])
            #expect(JournalReader.keptFields.count == 6)
            #expect(first.position?.input == .journald)

            let second = try #require(try reader.nextRecord())
            #expect(second.time == Timestamp(nanoseconds: Int64(baseMicroseconds + 1) * 1000))
            #expect(second.host == nil)
            #expect(second.program == "systemd-logind")
            #expect(second.pid == nil)
            #expect(second.message == "")
            #expect(second.fields["SESSION_ID"] == "7")
            #expect(second.fields["USER_ID"] == "alice")
            #expect(second.fields["LEADER"] == "999")
            #expect(try reader.nextRecord() == nil)

            // The pure conversion from a full entry gives the same record, and the position is the cursor.
            let journal = try Journal(.files([file]))
            try journal.seekHead()
            #expect(try journal.next())
            let entry = try journal.currentEntry()
            #expect(RawRecord(journalEntry: entry) == first)
            #expect(first.position == InputPosition(input: .journald, value: entry.cursor))
        }

        @Test("resuming from a stored cursor continues right after its entry")
        func resumeContinuesAfterCursor() throws {
            let fixture = try JournalFixture()
            let file = try fixture.writeJournal(sampleEntries(5))
            let reader = JournalReader(journal: try Journal(.files([file])), inputName: .other("journald:test"))
            _ = try reader.resume(from: nil, otherwise: .head)
            _ = try reader.nextRecord()
            let stored = try #require(try reader.nextRecord()?.position)
            #expect(stored.input == .other("journald:test") && stored.input.stored == "journald:test")

            let restarted = JournalReader(journal: try Journal(.files([file])))
            #expect(try restarted.resume(from: stored.value, otherwise: .head) == .continuedAfterCursor)
            #expect(try records(restarted).map(\.message) == ["message 2", "message 3", "message 4"])
        }

        @Test("a vacuumed cursor resumes at the first entry after its time and reports the gap")
        func vacuumedCursorResumesByTime() throws {
            let fixture = try JournalFixture()
            // Read 0...4 from the old file and store the cursor of entry 2.
            let old = try fixture.writeJournal(sampleEntries(5), into: "old")
            let oldReader = JournalReader(journal: try Journal(.files([old])))
            _ = try oldReader.resume(from: nil, otherwise: .head)
            let read = try records(oldReader)
            let stored = try #require(read[2].position?.value)

            // The old file is vacuumed; what is left holds entries 1 and 3...6 in a new file (new seqnum id), the
            // entry the cursor names (2) is gone.
            let left = sampleEntries(1, start: 1) + sampleEntries(4, start: 3)
            let newer = try fixture.writeJournal(left, into: "new")
            let reader = JournalReader(journal: try Journal(.files([newer])))
            let outcome = try reader.resume(from: stored, otherwise: .head)
            let lastRead = Timestamp(nanoseconds: Int64(baseMicroseconds + 2_000_000) * 1000)
            let resumedAt = Timestamp(nanoseconds: Int64(baseMicroseconds + 3_000_000) * 1000)
            #expect(
                outcome
                    == .resumedAfterGap(JournalGap(cursor: stored, lastReadTime: lastRead, resumedAtTime: resumedAt)))
            #expect(try records(reader).map(\.message) == ["message 3", "message 4", "message 5", "message 6"])
        }

        @Test("a vacuumed cursor with nothing after it reports the gap and then reads new entries")
        func vacuumedCursorWithNothingLater() throws {
            let fixture = try JournalFixture()
            let old = try fixture.writeJournal(sampleEntries(3), into: "old")
            let oldReader = JournalReader(journal: try Journal(.files([old])))
            _ = try oldReader.resume(from: nil, otherwise: .head)
            let stored = try #require(try records(oldReader).last?.position?.value)

            try fixture.writeJournal(sampleEntries(1), into: "new")
            let reader = JournalReader(journal: try Journal(.directory(fixture.path("new"))))
            let outcome = try reader.resume(from: stored, otherwise: .head)
            let lastRead = Timestamp(nanoseconds: Int64(baseMicroseconds + 2_000_000) * 1000)
            #expect(outcome == .resumedAfterGap(JournalGap(cursor: stored, lastReadTime: lastRead, resumedAtTime: nil)))
            #expect(try reader.nextRecord() == nil)

            try fixture.writeJournal(sampleEntries(1, start: 7), into: "new")
            _ = try reader.journal.wait(timeout: .seconds(1))
            #expect(try records(reader).map(\.message) == ["message 7"])
        }

        @Test("an unusable cursor starts at the fallback and says so")
        func unusableCursorFallsBack() throws {
            let fixture = try JournalFixture()
            let file = try fixture.writeJournal(sampleEntries(3))
            let garbage = JournalReader(journal: try Journal(.files([file])))
            #expect(
                try garbage.resume(from: "garbage", otherwise: .head)
                    == .cursorUnusable(cursor: "garbage", startedAt: .head))
            #expect(try records(garbage).count == 3)

            // Accepted by libsystemd but names no entry and carries no time.
            let timeless = "s=0123456789abcdef0123456789abcdef;i=99"
            let noTime = JournalReader(journal: try Journal(.files([file])))
            #expect(
                try noTime.resume(from: timeless, otherwise: .tail)
                    == .cursorUnusable(cursor: timeless, startedAt: .tail))
            #expect(try records(noTime).isEmpty)
        }

        @Test("starting at the tail reads only entries appended later")
        func tailStartReadsOnlyNewEntries() throws {
            let fixture = try JournalFixture()
            try fixture.writeJournal(sampleEntries(3), into: "live")
            let reader = JournalReader(journal: try Journal(.directory(fixture.path("live"))))
            #expect(try reader.resume(from: nil, otherwise: .tail) == .started(.tail))
            #expect(try reader.nextRecord() == nil)
            try fixture.writeJournal(sampleEntries(2, start: 3), into: "live")
            var change = JournalChange.nop
            let deadline = ContinuousClock.now + .seconds(5)
            while change == .nop, ContinuousClock.now < deadline {
                change = try reader.journal.wait(timeout: .milliseconds(200))
            }
            #expect(try records(reader).map(\.message) == ["message 3", "message 4"])
        }

        @Test("cursors only when asked; the last entry's position is there after the end is reached")
        func positionsOnDemand() throws {
            let fixture = try JournalFixture()
            let file = try fixture.writeJournal(sampleEntries(4))
            let all = try records(JournalReader(journal: try Journal(.files([file]))))
            let reader = JournalReader(journal: try Journal(.files([file])))
            _ = try reader.resume(from: nil, otherwise: .head)
            var read: [RawRecord] = []
            while let r = try reader.nextRecord(positionWhen: { $0.program == "sudo" }) { read.append(r) }
            #expect(read.map(\.message) == all.map(\.message))
            #expect(read.map { $0.position == nil } == [true, false, true, false])
            #expect(read[1].position == all[1].position && read[3].position == all[3].position)
            // At the end (`next` found nothing) the journal still stands on the last entry read.
            #expect(try reader.currentPosition() == all[3].position)

            // Resuming from that position continues after the last entry.
            let restarted = JournalReader(journal: try Journal(.files([file])))
            #expect(try restarted.resume(from: all[3].position?.value, otherwise: .head) == .continuedAfterCursor)
            #expect(try restarted.nextRecord() == nil)
        }

        @Test("a matching filter applies to resumed reading")
        func matchesApplyAfterResume() throws {
            let fixture = try JournalFixture()
            let file = try fixture.writeJournal(sampleEntries(6))
            let reader = JournalReader(journal: try Journal(.files([file])))
            try reader.journal.addMatch("SYSLOG_IDENTIFIER=sudo")
            _ = try reader.resume(from: nil, otherwise: .head)
            let first = try #require(try reader.nextRecord())
            #expect(first.message == "message 1")

            let restarted = JournalReader(journal: try Journal(.files([file])))
            try restarted.journal.addMatch("SYSLOG_IDENTIFIER=sudo")
            #expect(try restarted.resume(from: first.position?.value, otherwise: .head) == .continuedAfterCursor)
            #expect(try records(restarted).map(\.message) == ["message 3", "message 5"])
        }
    }

    @Suite("Cursor parsing and the resume decision (pure)")
    struct JournalResumeLogicTests {
        @Test("cursor parts parse from hex; malformed parts are nil")
        func cursorParses() {
            let cursor = JournalCursor(
                "s=f3101138f25f4a809ec8beb7d6eb094c;i=8;b=0123456789abcdef0123456789abcdef;m=f4247;t=660e37226e8b2;x=ad87af65b2db591"
            )
            #expect(cursor.sequenceNumberID == "f3101138f25f4a809ec8beb7d6eb094c")
            #expect(cursor.sequenceNumber == 8)
            #expect(cursor.bootID == "0123456789abcdef0123456789abcdef")
            #expect(cursor.monotonicMicroseconds == 0xf4247)
            #expect(cursor.realtime == Timestamp(nanoseconds: 1_795_379_849_259_186_000))
            #expect(cursor.xorHash == 0xad8_7af6_5b2d_b591)
        }

        @Test(
            "malformed cursors parse without trapping",
            arguments: [
                "", "garbage", "t=", "t=zz", "t=ffffffffffffffffff", "t=ffffffffffffffff", ";;;=;t",
                "i=1;t=10;unknown=3",
            ])
        func malformedCursors(_ text: String) {
            let cursor = JournalCursor(text)
            #expect(cursor.text == text)
            if text == "t=ffffffffffffffff" { #expect(cursor.realtime == Timestamp(nanoseconds: Int64.max)) }
            if text == "i=1;t=10;unknown=3" { #expect(cursor.realtime == Timestamp(nanoseconds: 16_000)) }
            if ["", "garbage", "t=", "t=zz", "t=ffffffffffffffffff", ";;;=;t"].contains(text) {
                #expect(cursor.realtime == nil)
            }
        }

        @Test("the resume decision follows the journal's answers")
        func resumeDecision() {
            let timed = JournalCursor("s=a;i=1;t=10")
            let untimed = JournalCursor("s=a;i=1")
            let t = Timestamp(nanoseconds: 16_000)
            #expect(
                JournalResumeStep.decide(cursor: timed, cursorAccepted: true, entryStillExists: true, fallback: .head)
                    == .continueAfterCursor)
            #expect(
                JournalResumeStep.decide(cursor: timed, cursorAccepted: true, entryStillExists: false, fallback: .head)
                    == .seekAfter(t))
            #expect(
                JournalResumeStep.decide(
                    cursor: untimed, cursorAccepted: true, entryStillExists: false, fallback: .tail) == .start(.tail))
            #expect(
                JournalResumeStep.decide(cursor: timed, cursorAccepted: false, entryStillExists: false, fallback: .head)
                    == .start(.head))
        }
    }
}

func records(_ reader: JournalReader) throws -> [RawRecord] {
    var out: [RawRecord] = []
    while let record = try reader.nextRecord() { out.append(record) }
    return out
}
