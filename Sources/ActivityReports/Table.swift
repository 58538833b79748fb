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
        let header = columns.map { TerminalText.escaped($0.title) }
        let body = rows.map { row in (0..<n).map { i in i < row.count ? TerminalText.escaped(row[i]) : "" } }
        var widths = header.map(TerminalText.displayWidth)
        for row in body { for i in 0..<n { widths[i] = max(widths[i], TerminalText.displayWidth(row[i])) } }
        if let maxWidth { Table.fit(&widths, into: maxWidth - Table.gap * (n - 1)) }

        // Built as bytes: `users` renders 5,000 rows of 10 cells, and string appends were most of its
        // rendering time. Rows whose cells are all printable ASCII (display width = byte count) take the byte
        // path; any other row goes through the general one, which measures and truncates by character.
        var out: [UInt8] = []
        out.reserveCapacity((widths.reduce(0, +) + Table.gap * n + 1) * (body.count + 1) + 16)
        func line(_ cells: [String], bold: Bool) {
            if bold { out.append(contentsOf: [0x1B, 0x5B, 0x31, 0x6D]) }
            if cells.allSatisfy(TerminalText.isPlainASCII) {
                let start = out.count
                for i in 0..<n {
                    var cell = cells[i]
                    let count = cell.utf8.count
                    let isLast = i == n - 1
                    if count > widths[i] {
                        // Truncation (an ellipsis) makes the cell non-ASCII: measured as the general path does.
                        let cut = TerminalText.truncated(cell, toWidth: widths[i])
                        let pad = max(0, widths[i] - TerminalText.displayWidth(cut))
                        if columns[i].alignment == .right { out.append(contentsOf: repeatElement(0x20, count: pad)) }
                        out.append(contentsOf: cut.utf8)
                        if columns[i].alignment != .right, !isLast {
                            out.append(contentsOf: repeatElement(0x20, count: pad))
                        }
                    } else {
                        let pad = widths[i] - count
                        if columns[i].alignment == .right { out.append(contentsOf: repeatElement(0x20, count: pad)) }
                        cell.withUTF8 { out.append(contentsOf: $0) }
                        if columns[i].alignment != .right, !isLast {
                            out.append(contentsOf: repeatElement(0x20, count: pad))
                        }
                    }
                    if !isLast { out.append(contentsOf: repeatElement(0x20, count: Table.gap)) }
                }
                // Trailing spaces (ASCII only here: each byte is a character).
                while out.count > start, out[out.count - 1] == 0x20 { out.removeLast() }
            } else {
                var parts = ""
                for i in 0..<n {
                    let cell = TerminalText.truncated(cells[i], toWidth: widths[i])
                    let pad = max(0, widths[i] - TerminalText.displayWidth(cell))
                    let isLast = i == n - 1
                    if columns[i].alignment == .right {
                        parts += String(repeating: " ", count: pad) + cell
                    } else {
                        parts += cell
                        if !isLast { parts += String(repeating: " ", count: pad) }
                    }
                    if !isLast { parts += String(repeating: " ", count: Table.gap) }
                }
                while parts.hasSuffix(" ") { parts.removeLast() }
                out.append(contentsOf: parts.utf8)
            }
            if bold { out.append(contentsOf: [0x1B, 0x5B, 0x30, 0x6D]) }
            out.append(0x0A)
        }
        line(header, bold: colour)
        for row in body { line(row, bold: false) }
        return String(decoding: out, as: UTF8.self)
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
