import Testing
@testable import ActivityFileInput

private let A = FileIdentity(device: 1, inode: 10)
private let B = FileIdentity(device: 1, inode: 11)
private let C = FileIdentity(device: 1, inode: 12)

private func snap(_ id: FileIdentity, _ content: String, links: UInt64 = 1) -> FileSnapshot {
    let bytes = Array(content.utf8)
    return FileSnapshot(identity: id, size: UInt64(bytes.count), linkCount: links, prefix: Array(bytes.prefix(256)))
}

@Suite("TailState decisions (no files)")
struct TailStateTests {
    @Test("a new file starts at 0 or at its end, by start_at")
    func startAt() {
        var s = TailState(resume: nil, fromBeginning: true)
        #expect(s.opened(snap(A, "a\nb\n")) == .readFrom(0))
        var e = TailState(resume: nil, fromBeginning: false)
        #expect(e.opened(snap(A, "a\nb\n")) == .readFrom(4))
        #expect(e.state == .following(A))
    }

    @Test("a stored position on the same, longer file resumes at its offset")
    func resumeSame() {
        let pos = FilePosition(identity: A, offset: 2, prefix: Array("a\n".utf8))
        var s = TailState(resume: pos, fromBeginning: false)
        #expect(s.opened(snap(A, "a\nb\n")) == .readFrom(2))
    }

    @Test("same inode but shorter or other content at start: look for the copy, else restart at 0 (truncated)")
    func resumeTruncated() {
        let pos = FilePosition(identity: A, offset: 4, prefix: Array("a\nb\n".utf8))
        var s = TailState(resume: pos, fromBeginning: false)
        #expect(s.opened(snap(A, "x\n")) == .locate(pos, exclude: A))
        #expect(s.located(nil) == .restartFromZero(.truncated))
        #expect(s.opened(snap(A, "x\n")) == .readFrom(0))

        var t = TailState(resume: pos, fromBeginning: false)
        #expect(t.opened(snap(A, "zzzzzzzz\n")) == .locate(pos, exclude: A))  // longer, other content
        #expect(t.located(snap(C, "a\nb\nc\n")) == .drainFrom(4, .foundCopy))
        #expect(t.position(committed: 6)?.identity == C)
    }

    @Test("stored inode now under another name: finish it, then the path from 0; not found: gap")
    func resumeRotated() {
        let pos = FilePosition(identity: A, offset: 2, prefix: Array("a\n".utf8))
        var s = TailState(resume: pos, fromBeginning: false)
        #expect(s.opened(snap(B, "new\n")) == .locate(pos, exclude: B))
        #expect(s.located(snap(A, "a\nb\n")) == .drainFrom(2, .foundRenamed))
        #expect(
            s.check(open: snap(A, "a\nb\n"), readOffset: 2, committed: 2, path: PathInfo(identity: B, size: 4), now: 0)
                == .readFrom(2))
        #expect(
            s.check(open: snap(A, "a\nb\n"), readOffset: 4, committed: 4, path: PathInfo(identity: B, size: 4), now: 0)
                == .finishOldThenSwitch)
        #expect(s.opened(snap(B, "new\n")) == .readFrom(0))

        var g = TailState(resume: pos, fromBeginning: false)
        _ = g.opened(snap(B, "new\n"))
        #expect(g.located(nil) == .restartFromZero(.positionLost))
        // A file with the same inode but other content (inode reuse) is not the stored file.
        var r = TailState(resume: pos, fromBeginning: false)
        _ = r.opened(snap(B, "new\n"))
        #expect(r.located(snap(A, "q\nq\n")) == .restartFromZero(.positionLost))
    }

    @Test("live rename: drain the old file, switch once the new file has data")
    func liveRename() {
        var s = TailState(resume: nil, fromBeginning: true)
        _ = s.opened(snap(A, "a\n"))
        #expect(
            s.check(open: snap(A, "a\nb\n"), readOffset: 2, committed: 2, path: PathInfo(identity: A, size: 4), now: 0)
                == .readFrom(2))
        #expect(
            s.check(open: snap(A, "a\nb\n"), readOffset: 2, committed: 2, path: PathInfo(identity: B, size: 0), now: 0)
                == .drainFrom(2, .rotated))
        #expect(
            s.check(open: snap(A, "a\nb\n"), readOffset: 4, committed: 4, path: PathInfo(identity: B, size: 0), now: 1)
                == .wait)
        #expect(
            s.check(
                open: snap(A, "a\nb\nc\n"), readOffset: 4, committed: 4, path: PathInfo(identity: B, size: 0), now: 2)
                == .readFrom(4))
        #expect(
            s.check(
                open: snap(A, "a\nb\nc\n"), readOffset: 6, committed: 6, path: PathInfo(identity: B, size: 3), now: 3)
                == .finishOldThenSwitch)
        #expect(s.position(committed: 6)?.identity == A)
    }

    @Test("live rename with the new file staying empty: switch after the grace period")
    func renameGrace() {
        var s = TailState(resume: nil, fromBeginning: true)
        _ = s.opened(snap(A, "a\n"))
        #expect(
            s.check(open: snap(A, "a\n"), readOffset: 2, committed: 2, path: nil, now: 0) == .drainFrom(2, .rotated))
        #expect(
            s.check(open: snap(A, "a\n"), readOffset: 2, committed: 2, path: PathInfo(identity: B, size: 0), now: 1)
                == .wait)
        #expect(
            s.check(open: snap(A, "a\n"), readOffset: 2, committed: 2, path: PathInfo(identity: B, size: 0), now: 7)
                == .finishOldThenSwitch)
    }

    @Test("deletion: read what is left, then drop it")
    func deletion() {
        var s = TailState(resume: nil, fromBeginning: true)
        _ = s.opened(snap(A, "a\n"))
        #expect(
            s.check(open: snap(A, "a\nb\n", links: 0), readOffset: 2, committed: 2, path: nil, now: 0)
                == .drainFrom(2, .deleted))
        #expect(
            s.check(open: snap(A, "a\nb\n", links: 0), readOffset: 2, committed: 2, path: nil, now: 0) == .readFrom(2))
        #expect(
            s.check(open: snap(A, "a\nb\n", links: 0), readOffset: 4, committed: 4, path: nil, now: 0) == .dropFinished)
        #expect(s.state == .closed(resume: nil, fromBeginning: true))
    }

    @Test("copytruncate while following: smaller size or changed first bytes → look for the copy")
    func copytruncate() {
        var s = TailState(resume: nil, fromBeginning: true)
        _ = s.opened(snap(A, "line 1\nline 2\n"))
        let pos = FilePosition(identity: A, offset: 14, prefix: Array("line 1\nline 2\n".utf8))
        #expect(
            s.check(open: snap(A, "l3\n"), readOffset: 14, committed: 14, path: PathInfo(identity: A, size: 3), now: 0)
                == .locate(pos, exclude: A))
        #expect(s.located(snap(B, "line 1\nline 2\nline 3\n")) == .drainFrom(14, .foundCopy))

        var t = TailState(resume: nil, fromBeginning: true)
        _ = t.opened(snap(A, "line 1\nline 2\n"))
        // Regrew past the offset before we looked: caught by the fingerprint.
        #expect(
            t.check(
                open: snap(A, "line 9\nline 10\nline 11\n"), readOffset: 14, committed: 14,
                path: PathInfo(identity: A, size: 23), now: 0)
                == .locate(pos, exclude: A))
        #expect(t.located(nil) == .restartFromZero(.truncated))
    }

    @Test("positions round-trip and garbage is rejected")
    func positionEncoding() {
        let p = FilePosition(
            identity: FileIdentity(device: 2049, inode: 123_456), offset: 99, prefix: Array("hello\n".utf8))
        #expect(FilePosition(encoded: p.encoded) == p)
        #expect(p.encoded.hasPrefix("v1:2049:123456:99:"))
        for bad in [
            "", "v1:1:2:3", "v2:1:2:3:0000000000000000", "v1:a:2:3:0000000000000000", "v1:1:2:3:xyz",
            "v1:1:2:-3:0000000000000000",
        ] {
            #expect(FilePosition(encoded: bad) == nil)
        }
    }
}

@Suite("LineReader")
struct LineReaderTests {
    private func lines(_ input: String, pieces: [Int], max: Int = 100) -> ([String], [Bool], UInt64, UInt64) {
        var r = LineReader(offset: 0, maxLineBytes: max)
        var out: [String] = [], cut: [Bool] = []
        var bytes = Array(input.utf8)[...]
        var i = 0
        while !bytes.isEmpty {
            let n = min(bytes.count, pieces[i % pieces.count]); i += 1
            let piece = Array(bytes.prefix(n)); bytes = bytes.dropFirst(n)
            _ = piece.withUnsafeBytes {
                r.feed($0) { b, t, _ in
                    out.append(String(decoding: b, as: UTF8.self)); cut.append(t); return true
                }
            }
        }
        return (out, cut, r.committed, r.readOffset)
    }

    @Test("same lines whatever the split points; partial last line held")
    func splitPoints() {
        let text = "alpha\nbeta gamma\n\ndelta\nepsilon without newline"
        let whole = lines(text, pieces: [10_000])
        #expect(whole.0 == ["alpha", "beta gamma", "", "delta"])
        #expect(whole.2 == 24 && whole.3 == UInt64(text.utf8.count))
        for sizes in [[1], [2], [3, 7], [5, 1, 9]] {
            let r = lines(text, pieces: sizes)
            #expect(r.0 == whole.0 && r.2 == whole.2)
        }
    }

    @Test("long lines are cut to maxLineBytes whatever the split points")
    func longLines() {
        let text = "short\n" + String(repeating: "x", count: 50) + "\nok\n"
        for sizes in [[10_000], [1], [7], [3, 20]] {
            let r = lines(text, pieces: sizes, max: 8)
            #expect(r.0 == ["short", "xxxxxxxx", "ok"])
            #expect(r.1 == [false, true, false])
            #expect(r.2 == UInt64(text.utf8.count))
        }
    }
}
