import ChatCore

/// The composer on screen: its lines wrapped to the width under a `› ` prompt, scrolled inside when it holds
/// more than the layout's input rows, with the terminal cursor at the editor's.
enum ComposerView {
    static let prompt = "› "
    static let continuation = "  "

    /// One row of the composer: its text as drawn.
    struct Row: Equatable {
        var text = ""
        var width = 0
    }

    /// The composer's rows for a terminal `width` wide, and the cursor's row and column within them.
    static func rows(for editor: LineEditor, width: Int) -> [Row] {
        self.layout(editor, width: width).rows
    }

    static func layout(_ editor: LineEditor, width: Int) -> (rows: [Row], cursor: (row: Int, column: Int)) {
        let room = max(1, width - DisplayWidth.of(self.prompt) - 1)
        var rows = [Row()]
        var cursor = (row: 0, column: 0)
        for (index, character) in editor.characters.enumerated() {
            if index == editor.cursor { cursor = (rows.count - 1, rows[rows.count - 1].width) }
            if character == "\n" {
                rows.append(Row())
                continue
            }
            let shown = self.shown(character)
            let columns = DisplayWidth.of(shown)
            if rows[rows.count - 1].width + columns > room, rows[rows.count - 1].width > 0 {
                rows.append(Row())
                if index == editor.cursor { cursor = (rows.count - 1, 0) }
            }
            rows[rows.count - 1].text += shown
            rows[rows.count - 1].width += columns
        }
        if editor.cursor == editor.characters.count { cursor = (rows.count - 1, rows[rows.count - 1].width) }
        return (rows, cursor)
    }

    /// A character as the composer shows it: a tab as `⇥`, anything a terminal would act on made visible.
    static func shown(_ character: Character) -> String {
        character == "\t" ? "⇥" : TerminalText.sanitize(String(character))
    }

    /// Draws the composer in its rows of `layout`; returns the terminal cursor's position.
    static func render(_ editor: LineEditor, layout: ChatLayout, into grid: inout CellGrid) -> (x: Int, y: Int) {
        let (rows, cursor) = self.layout(editor, width: layout.width)
        let visible = layout.inputRows
        let first = max(0, min(cursor.row - visible + 1, rows.count - visible))
        for (offset, row) in rows.dropFirst(first).prefix(visible).enumerated() {
            let y = layout.inputRow + offset
            let x = grid.put(first + offset == 0 ? self.prompt : self.continuation, x: 0, y: y, style: .bold)
            grid.put(row.text, x: x, y: y)
        }
        if first > 0 { grid.put("↑", x: 0, y: layout.inputRow, style: .dim) }
        return (DisplayWidth.of(self.prompt) + cursor.column, layout.inputRow + cursor.row - first)
    }
}
