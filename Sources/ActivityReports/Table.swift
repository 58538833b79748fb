/// A plain-text table for the terminal: every cell made safe with ``TerminalText/escaped(_:)``, columns padded
/// by display width, and the widest columns cut with `…` until the table fits the terminal.
///
/// The table never decides about colour or terminal width itself: the CLI passes `maxWidth` (nil = no limit)
/// and `colour` (after looking at isatty, `NO_COLOR` and `--color`).
public struct Table: Sendable {
    /// How a column's cells line up.
    public enum Alignment: Sendable, Hashable {
        /// Padded on the right (text).
        case left
        /// Padded on the left (numbers).
        case right
    }

    /// A column heading and its alignment.
    public struct Column: Sendable, Hashable {
        /// The heading text.
        public var title: String
        /// How the cells line up.
        public var alignment: Alignment
        /// A column titled `title`.
        public init(_ title: String, alignment: Alignment = .left) { self.title = title; self.alignment = alignment }
    }

    /// The columns, left to right.
    public var columns: [Column]
    /// The rows; a short row is padded with empty cells, extra cells are ignored.
    public var rows: [[String]]

    /// Columns between two neighbouring columns.
    public static let gap = 2
    /// Columns are cut to this width before any column is cut narrower.
    public static let preferredMinimumWidth = 6

    /// A table with `columns` and, optionally, rows.
    public init(columns: [Column], rows: [[String]] = []) { self.columns = columns; self.rows = rows }

    /// Adds one row.
    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The rendered table, one line per row after the heading, each ending in `\n`.
    ///
    /// With `maxWidth`, the widest columns are narrowed (down to ``preferredMinimumWidth``, then to 1) until
    /// every line fits; if even that is too wide, lines are as narrow as possible. With `colour`, the heading
    /// is bold (SGR 1); no other escape sequence is ever written.
    public func render(maxWidth: Int? = nil, colour: Bool = false) -> String {
        let n = columns.count
        guard n > 0 else { return "" }
        let header = columns.map { Cell($0.title) }
        let body = rows.map { row in (0..<n).map { i in i < row.count ? Cell(row[i]) : Cell("") } }
        var widths = header.map(\.width)
        for row in body { for i in 0..<n { widths[i] = max(widths[i], row[i].width) } }
        if let maxWidth { Table.fit(&widths, into: maxWidth - Table.gap * (n - 1)) }

        // Built as bytes: `users` renders 5,000 rows of 10 cells, and string appends were most of its
        // rendering time.
        var out: [UInt8] = []
        out.reserveCapacity((widths.reduce(0, +) + Table.gap * n + 1) * (body.count + 1) + 16)
        Table.line(header, widths: widths, columns: columns, bold: colour, into: &out)
        for row in body { Table.line(row, widths: widths, columns: columns, bold: false, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes one row: every cell cut to its column (with `…`) if wider, padded by what its width leaves.
    private static func line(
        _ cells: [Cell], widths: [Int], columns: [Column], bold: Bool, into out: inout [UInt8]
    ) {
        let n = columns.count
        if bold { out.append(contentsOf: [0x1B, 0x5B, 0x31, 0x6D]) }
        let start = out.count
        for i in 0..<n {
            var text = cells[i].text
            var width = cells[i].width
            if width > widths[i] || widths[i] <= 0 {
                text = TerminalText.truncated(text, toWidth: widths[i])
                width = TerminalText.displayWidth(text)
            }
            let padding = max(0, widths[i] - width)
            let isLast = i == n - 1
            if columns[i].alignment == .right { out.append(contentsOf: repeatElement(0x20, count: padding)) }
            text.withUTF8 { out.append(contentsOf: $0) }
            if columns[i].alignment != .right, !isLast { out.append(contentsOf: repeatElement(0x20, count: padding)) }
            if !isLast { out.append(contentsOf: repeatElement(0x20, count: Table.gap)) }
        }
        // No trailing spaces. In printable ASCII each byte is a character; otherwise a space may belong to
        // the grapheme cluster before it, so the line is trimmed by character.
        if cells.allSatisfy(\.isPlainASCII) {
            while out.count > start, out[out.count - 1] == 0x20 { out.removeLast() }
        } else {
            var text = String(decoding: out[start...], as: UTF8.self)
            while text.hasSuffix(" ") { text.removeLast() }
            out.removeSubrange(start...)
            out.append(contentsOf: text.utf8)
        }
        if bold { out.append(contentsOf: [0x1B, 0x5B, 0x30, 0x6D]) }
        out.append(0x0A)
    }

    /// A cell made safe for the terminal, measured once: its escaped text and display width, and whether it is
    /// printable ASCII (then its width is its byte count).
    struct Cell {
        var text: String
        var width: Int
        var isPlainASCII: Bool

        init(_ raw: String) {
            if TerminalText.isPlainASCII(raw) {
                text = raw
                width = raw.utf8.count
                isPlainASCII = true
            } else {
                text = TerminalText.escaped(raw)
                width = TerminalText.displayWidth(text)
                isPlainASCII = TerminalText.isPlainASCII(text)
            }
        }
    }

    /// Narrows the widest columns until the sum of `widths` is at most `available`.
    static func fit(_ widths: inout [Int], into available: Int) {
        for floor in [preferredMinimumWidth, 1] {
            var total = widths.reduce(0, +)
            while total > available {
                guard let widest = widths.indices.filter({ widths[$0] > floor }).max(by: { widths[$0] < widths[$1] })
                else { break }
                let next = widths.indices.filter { $0 != widest }.map { widths[$0] }.max() ?? floor
                let cut = min(total - available, widths[widest] - max(next, floor))
                widths[widest] -= max(1, cut)
                total = widths.reduce(0, +)
            }
            if total <= available { return }
        }
    }
}
