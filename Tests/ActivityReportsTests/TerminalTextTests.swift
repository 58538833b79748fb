import Foundation
import ActivityModel
import ActivityReports
import Testing

@Suite("TerminalText")
struct TerminalTextTests {
    @Test(
        "control characters, ESC sequences and bidi overrides are shown escaped",
        arguments: [
            ("plain text", "plain text"),
            ("a\nb", "a\\nb"), ("a\rb\tc", "a\\rb\\tc"),
            ("\u{1B}[31mred\u{1B}[0m", "\\x1b[31mred\\x1b[0m"),
            ("\u{00}\u{07}\u{7F}", "\\x00\\x07\\x7f"),
            ("c1\u{9B}31m", "c1\\u009b31m"), ("\u{85}", "\\u0085"),
            ("evil\u{202E}gpj.exe", "evil\\u202egpj.exe"),
            ("\u{2066}x\u{2069}", "\\u2066x\\u2069"), ("zw\u{200B}sp", "zw\\u200bsp"), ("\u{FEFF}bom", "\\ufeffbom"),
            ("line\u{2028}sep", "line\\u2028sep"),
            ("CORP\\alice", "CORP\\alice"), ("Zoë 漢字 👍🏽", "Zoë 漢字 👍🏽"), ("e\u{301}", "e\u{301}"),
        ])
    func escaping(raw: String, shown: String) {
        #expect(TerminalText.escaped(raw) == shown)
    }

    @Test("escaped output never contains a raw control or bidi character")
    func noRawControls() {
        var all = ""
        for v in UInt32(0)...0x2FFF { if let s = Unicode.Scalar(v) { all.unicodeScalars.append(s) } }
        let out = TerminalText.escaped(all)
        for s in out.unicodeScalars {
            #expect(
                !(s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value)
                    || (0x2066...0x2069).contains(s.value)))
        }
    }

    @Test(
        "display width counts wide characters as 2 and combining marks as 0",
        arguments: [
            ("abc", 3), ("", 0), ("漢字", 4), ("한국", 4), ("ｶﾀｶﾅ", 4), ("ＡＢ", 4), ("e\u{301}", 1), ("👍", 2),
            ("👍🏽", 2), ("👨‍👩‍👧", 2), ("Zoë", 3), ("❤️", 2), ("Ω", 1),
        ])
    func width(text: String, expected: Int) {
        #expect(TerminalText.displayWidth(text) == expected)
    }

    @Test("truncation ends with an ellipsis and respects wide characters")
    func truncation() {
        #expect(TerminalText.truncated("alexander", toWidth: 5) == "alex…")
        #expect(TerminalText.truncated("alex", toWidth: 5) == "alex")
        #expect(TerminalText.truncated("漢字漢字", toWidth: 4) == "漢…")
        #expect(TerminalText.displayWidth(TerminalText.truncated("漢字漢字", toWidth: 4)) <= 4)
        #expect(TerminalText.truncated("abc", toWidth: 0) == "")
        #expect(TerminalText.truncated("abc", toWidth: 1) == "…")
    }
}

@Suite("Table")
struct TableTests {
    let table = Table(
        columns: [.init("USER"), .init("N", alignment: .right), .init("WHERE")],
        rows: [
            ["alice", "12", "London, GB"],
            ["bob", "3", "a very long location text that will not fit"],
            ["漢字", "100"],
        ])

    @Test("columns are padded by display width; short rows are padded with empty cells")
    func layout() {
        #expect(
            table.render() == """
                USER     N  WHERE
                alice   12  London, GB
                bob      3  a very long location text that will not fit
                漢字   100

                """)
    }

    @Test("fits a narrow terminal by cutting the widest column first")
    func fit() {
        let out = table.render(maxWidth: 30)
        #expect(
            out == """
                USER     N  WHERE
                alice   12  London, GB
                bob      3  a very long locat…
                漢字   100

                """)
        for line in out.split(separator: "\n") { #expect(TerminalText.displayWidth(String(line)) <= 30) }
    }

    @Test("very narrow terminals cut every column, never below one cell")
    func veryNarrow() {
        let out = table.render(maxWidth: 10)
        for line in out.split(separator: "\n") { #expect(TerminalText.displayWidth(String(line)) <= 10) }
    }

    @Test("hostile cells cannot break the layout or reach the terminal raw")
    func hostile() {
        let t = Table(columns: [.init("USER"), .init("X")], rows: [["\u{1B}[2Jmallory\nroot", "\u{202E}x"]])
        let out = t.render()
        #expect(!out.contains("\u{1B}"))
        #expect(out.split(separator: "\n").count == 2)
        #expect(out.contains("\\x1b[2Jmallory\\nroot"))
    }

    @Test("colour only when asked: a bold heading")
    func colour() {
        #expect(!table.render().contains("\u{1B}"))
        #expect(table.render(colour: true).hasPrefix("\u{1B}[1mUSER"))
    }
}

@Suite("TerminalText.escapedKeepingStructure (JSON and CSV on a terminal)")
struct TerminalStructureTests {
    /// Bytes that act on a terminal: ESC, BEL, other C0 but TAB/LF/CR, DEL, C1 (as UTF-8), bidi and friends.
    static func hasActiveBytes(_ text: String) -> Bool {
        for (i, s) in text.unicodeScalars.enumerated() {
            let v = s.value
            if v == 0x09 || v == 0x0A { continue }
            if v == 0x0D {
                let next = text.unicodeScalars.dropFirst(i + 1).first
                if next == "\n" { continue }
                return true
            }
            if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
            if [0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF].contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v) || (0x200B...0x200D).contains(v)
            {
                return true
            }
        }
        return false
    }

    static let hostile = [
        "mallory\u{1B}[31m", "bell\u{07}", "del\u{7F}", "csi\u{9B}2J", "evil\u{202E}gpj.exe", "iso\u{2066}x\u{2069}",
        "line\u{2028}sep", "zw\u{200B}j", "bom\u{FEFF}", "cr\rover", "nul\u{0}x", "漢字 ok", "plain",
    ]

    @Test("JSON: nothing active is left, and the text parses to exactly the same values", arguments: hostile)
    func jsonKeepsValues(_ value: String) throws {
        var w = JSONWriter()
        w.begin(); w.key("user"); w.string(value); w.key("n"); w.raw("1"); w.end()
        let escaped = TerminalText.escapedKeepingStructure(w.out, style: .json)
        #expect(!Self.hasActiveBytes(escaped), "\(escaped.debugDescription)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(escaped.utf8)) as? [String: Any])
        #expect(parsed["user"] as? String == value)
    }

    @Test("CSV: CRLF record ends and quoted line feeds stay; ESC, BEL, C1, bidi and a lone CR are shown escaped")
    func csvKeepsStructure() {
        let record = CSVExport.record([
            "2026-03-28", "mallory\u{1B}[31m", "a\u{07}b", "x\u{9B}y", "evil\u{202E}exe", "multi\nline", "cr\rx",
        ])
        let escaped = TerminalText.escapedKeepingStructure(record + record, style: .visible)
        #expect(!Self.hasActiveBytes(escaped), "\(escaped.debugDescription)")
        #expect(escaped.hasSuffix("\r\n"))
        #expect(escaped.components(separatedBy: "\r\n").count == 3)
        #expect(escaped.contains("mallory\\x1b[31m"))
        #expect(escaped.contains("a\\x07b"))
        #expect(escaped.contains("x\\u009by"))
        #expect(escaped.contains("evil\\u202eexe"))
        #expect(escaped.contains("multi\nline"))
        #expect(escaped.contains("cr\\x0dx"))
        // Harmless text passes unchanged (and is returned as is on the fast path).
        #expect(TerminalText.escapedKeepingStructure("a,b\r\n", style: .visible) == "a,b\r\n")
        #expect(TerminalText.escapedKeepingStructure("{\"user\":\"漢字\"}", style: .json) == "{\"user\":\"漢字\"}")
    }
}
