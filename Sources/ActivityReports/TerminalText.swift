/// Makes untrusted text safe to print on a terminal and measures how wide it shows.
///
/// Event fields come from the network and from log lines: a user name can hold an ESC sequence that
/// repaints the screen, a newline that fakes a table row, or a right-to-left override that reverses what
/// follows. ``escaped(_:)`` shows every such character as a visible escape instead of sending it raw.
/// Backslashes in the input are left as they are (so `CORP\alice` reads naturally); the escapes are
/// for display, not for parsing back.
public enum TerminalText {
    /// Replaces characters that would act on the terminal or on the text's direction with visible escapes:
    /// - `\n`, `\r`, `\t` for those three; other C0 controls and DEL as `\x1b`, `\x7f`;
    /// - C1 controls (U+0080–U+009F) as `\u009b`;
    /// - bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), line and paragraph separators
    ///   (U+2028, U+2029), zero-width and other invisible format characters (U+200B–U+200D, U+2060–U+2064,
    ///   U+FEFF) and U+FFF9–U+FFFB as `\u202e`.
    /// Everything else, including non-Latin scripts, combining marks and emoji, passes through.
    public static func escaped(_ text: String) -> String {
        // Fast path: most fields are plain printable ASCII.
        if isPlainASCII(text) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F: out += "\\x" + hex(v, 2)
            case 0x80...0x9F: out += "\\u" + hex(v, 4)
            default:
                if needsEscape(v) { out += "\\u" + hex(v, 4) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// How ``escapedKeepingStructure(_:style:)`` spells an escaped character.
    public enum EscapeStyle: Sendable {
        /// `\u001b`, `\u202e`: a JSON escape, so JSON text stays valid JSON with the same values.
        case json
        /// `\x1b`, `\u202e`: the spelling of ``escaped(_:)``, for CSV and other plain text.
        case visible
    }

    /// Escapes what would act on a terminal in machine-readable text (JSON, CSV) shown on one, keeping the
    /// text's own structure: tabs, line feeds, and carriage returns that end a line (CRLF, as CSV records do)
    /// stay as they are. Escaped are the other C0 controls (ESC, BEL...), DEL, C1 controls (U+0080–U+009F:
    /// U+009B is CSI on some terminals), and the bidi, separator and invisible format characters
    /// ``escaped(_:)`` escapes. A carriage return not followed by a line feed is escaped too (it would return
    /// the cursor and let the rest of the line overwrite what was shown).
    ///
    /// With ``EscapeStyle/json`` the characters escaped can only occur inside JSON strings (JSON's own syntax
    /// is ASCII and JSON writers already escape C0), so the output parses to the same values. For text written
    /// to a file or a pipe, do not call this: those bytes must stay exact.
    public static func escapedKeepingStructure(_ text: String, style: EscapeStyle) -> String {
        if text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7f) || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D })
            && !text.utf8.contains(0x0D)
        {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            let v = scalar.value
            let escape: Bool
            switch v {
            case 0x09, 0x0A: escape = false
            case 0x0D: escape = i + 1 >= scalars.count || scalars[i + 1].value != 0x0A
            case 0x00..<0x20, 0x7F...0x9F: escape = true
            default: escape = needsEscape(v)
            }
            guard escape else { out.unicodeScalars.append(scalar); continue }
            switch style {
            case .json: out += "\\u" + hex(v, 4)
            case .visible: out += v < 0x80 ? "\\x" + hex(v, 2) : "\\u" + hex(v, 4)
            }
        }
        return out
    }

    static func needsEscape(_ v: UInt32) -> Bool {
        switch v {
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF, 0xFFF9...0xFFFB:
            return true
        default:
            return false
        }
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Terminal columns `text` takes (an approximation of `wcswidth`): East Asian wide and fullwidth characters
    /// and emoji count 2, combining marks and zero-width characters 0, everything else 1. Control characters
    /// count 0, so measure ``escaped(_:)`` text for anything untrusted.
    /// Whether every byte of `text` is printable ASCII (0x20...0x7E): then it needs no escaping and its
    /// display width is its byte count. One pass over the contiguous UTF-8.
    public static func isPlainASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for b in bytes where b < 0x20 || b >= 0x7F { return false }
            return true
        }
    }

    public static func displayWidth(_ text: String) -> Int {
        if isPlainASCII(text) { return text.utf8.count }
        var w = 0
        for ch in text { w += width(of: ch) }
        return w
    }

    /// Columns one grapheme cluster takes: 2 if any scalar in it is wide (or it asks for emoji presentation
    /// with U+FE0F), 0 if all its scalars are zero-width, else 1.
    public static func width(of ch: Character) -> Int {
        var best = 0
        for s in ch.unicodeScalars {
            if s.value == 0xFE0F { return 2 }
            best = max(best, scalarWidth(s))
            if best == 2 { return 2 }
        }
        return best
    }

    static func scalarWidth(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if v < 0x300 { return 1 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B || (0x1160...0x11FF).contains(v) { return 0 }
        if isWide(v) { return 2 }
        return 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3, 0x25FD...0x25FE,
            0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB, 0x26BD...0x26BE,
            0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705,
            0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF,
            0x2B1B...0x2B1C, 0x2B50, 0x2B55,
            0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
            0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A,
            0x1F200...0x1F251, 0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F900...0x1F9FF,
            0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Cuts `text` to at most `width` columns, ending with `…` when anything was cut. Never splits a
    /// grapheme cluster. A `width` below 1 gives the empty string.
    public static func truncated(_ text: String, toWidth width: Int) -> String {
        guard width > 0 else { return "" }
        if displayWidth(text) <= width { return text }
        var out = ""
        var used = 0
        for ch in text {
            let w = self.width(of: ch)
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }
}
