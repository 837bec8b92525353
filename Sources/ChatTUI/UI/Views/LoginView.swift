/// The sign-in screen shown when there is no saved session.
enum LoginView {
    static func render(_ form: LoginForm, server: String, into grid: inout CellGrid) -> Frame {
        var lines: [StyledLine] = [StyledLine("Sign in to \(server)", style: .bold), StyledLine("")]
        var cursor: (x: Int, y: Int)?
        switch form.mode {
        case .menu:
            lines += [
                StyledLine("1  Continue as a guest"), StyledLine("2  Log in with email and password"), StyledLine("3  Create an account"),
                StyledLine(""), StyledLine("Press 1, 2 or 3 · q quits", style: .dim),
            ]
        case .guest, .login, .register:
            for (index, field) in form.fields.enumerated() {
                let value = field.secret ? String(repeating: "•", count: field.editor.characters.count) : field.editor.text
                let focused = index == form.focus
                lines.append(StyledLine(field.label, style: focused ? .bold : .dim))
                lines.append(StyledLine("› " + value, style: focused ? .plain : .dim))
            }
            lines.append(StyledLine(""))
            lines.append(StyledLine(form.busy ? "Signing in…" : "Enter: next / sign in · Tab: next field · Esc: back", style: .dim))
        }
        if let error = form.error { lines += [StyledLine(""), StyledLine(error, style: CellStyle(foreground: .red))] }
        let width = min(grid.width, max(50, lines.map { DisplayWidth.of($0.text) }.max() ?? 0) + 4)
        let x = max(0, (grid.width - width) / 2)
        let y = max(0, (grid.height - lines.count) / 2)
        for (index, line) in lines.enumerated() {
            var column = x
            for segment in line.segments { column = grid.put(segment.text, x: column, y: y + index, style: segment.style) }
        }
        if form.mode != .menu, form.fields.indices.contains(form.focus) {
            let field = form.fields[form.focus]
            let column = field.secret ? field.editor.characters[0..<field.editor.cursor].count : field.editor.cursorColumn
            cursor = (x + 2 + column, y + 2 + form.focus * 2 + 1)
        }
        return Frame(grid: grid, cursor: cursor)
    }
}
