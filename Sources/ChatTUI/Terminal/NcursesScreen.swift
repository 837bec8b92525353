import CNcursesw
import Foundation

/// The thin layer between the UI and the terminal: it copies ``Frame``s to the screen with ncursesw and
/// reads keys. It is used from one thread only, the UI loop's.
final class NcursesScreen {
    private var pairs: [Int: Int16] = [:]
    private var nextPair: Int16 = 1
    private let hasColors: Bool

    /// Extended key codes ncurses gave to sequences terminfo names (such as Alt-Right, `kRIT3`).
    let extendedKeys: [Int32: Key]

    /// Takes over the terminal: UTF-8 locale, raw keys (Ctrl-C included), no echo, keypad decoding, bracketed
    /// paste, and the mouse wheel when `wheel` is on. Colours stay off under `NO_COLOR`.
    init(colors: Bool = true, wheel: Bool = true) {
        Self.useUTF8Locale()
        initscr()
        raw()
        noecho()
        nonl()
        keypad(cn_stdscr(), true)
        nodelay(cn_stdscr(), true)
        set_escdelay(25)
        if wheel { cn_enable_wheel() }
        var extended: [Int32: Key] = [:]
        for (sequence, key) in KeyDecoder.sequences {
            let code = key_defined("\u{1B}" + sequence)
            if code > 0 { extended[code] = key }
        }
        self.extendedKeys = extended
        Self.bracketedPaste(true)
        if colors, has_colors() {
            start_color()
            use_default_colors()
            self.hasColors = true
        } else {
            self.hasColors = false
        }
    }

    /// The terminal's size in columns and rows.
    var size: (width: Int, height: Int) { (Int(cn_cols()), Int(cn_rows())) }

    /// Adopts a new terminal size after SIGWINCH.
    func resize() {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return }
        resizeterm(Int32(size.ws_row), Int32(size.ws_col))
    }

    /// Puts a frame on screen; ncurses sends only what changed.
    func draw(_ frame: Frame) {
        let grid = frame.grid
        let rows = min(grid.height, Int(cn_rows()))
        let columns = min(grid.width, Int(cn_cols()))
        for y in 0..<rows {
            var x = 0
            while x < columns {
                let style = grid[x, y].style
                let start = x
                var text = ""
                while x < columns, grid[x, y].style == style {
                    if !grid[x, y].isContinuation { text += Self.drawable(grid[x, y].character) }
                    x += 1
                }
                attrset(Int32(bitPattern: self.attributes(for: style)))
                mvaddstr(Int32(y), Int32(start), text)
            }
        }
        attrset(Int32(bitPattern: cn_a_normal()))
        if let cursor = frame.cursor {
            curs_set(1)
            move(Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        refresh()
    }

    /// A cluster as it is sent to the terminal. An emoji ZWJ sequence (👩‍💻) goes without its joiners: ncurses
    /// counts each of its emoji (2 + 2 columns) while terminals such as tmux draw the joined glyph in 2, which
    /// would shift the rest of the line; apart, both agree.
    static func drawable(_ character: Character) -> String {
        let scalars = character.unicodeScalars
        guard scalars.count > 2, scalars.contains("\u{200D}"), scalars.contains(where: { $0.properties.isEmojiPresentation }) else {
            return String(character)
        }
        return String(String.UnicodeScalarView(scalars.filter { $0 != "\u{200D}" }))
    }

    /// Everything typed since the last call, without waiting.
    func readInput() -> [RawInput] {
        var inputs: [RawInput] = []
        var character: wint_t = 0
        while true {
            let result = wget_wch(cn_stdscr(), &character)
            if result == OK {
                inputs.append(.character(UInt32(character)))
            } else if result == KEY_CODE_YES, Int32(character) == cn_key_mouse() {
                let wheel = cn_wheel_event()
                if wheel != 0 { inputs.append(.wheel(up: wheel > 0)) }
            } else if result == KEY_CODE_YES {
                inputs.append(.function(Int32(character)))
            } else {
                return inputs
            }
        }
    }

    /// Gives the terminal back as it was.
    func end() {
        Self.bracketedPaste(false)
        endwin()
    }

    /// Leaves the terminal to another program (`$EDITOR`) until ``resume()``.
    func suspend() {
        Self.bracketedPaste(false)
        def_prog_mode()
        endwin()
    }

    /// Takes the terminal back after ``suspend()`` and redraws everything.
    func resume() {
        reset_prog_mode()
        Self.bracketedPaste(true)
        self.repaint()
    }

    /// Redraws the whole screen on the next ``draw(_:)`` (Ctrl-L).
    func repaint() {
        clearok(cn_stdscr(), true)
        refresh()
    }

    /// Rings the terminal bell.
    func bell() {
        beep()
    }

    /// Asks the terminal to mark pastes (`ESC[200~` … `ESC[201~`), so that a paste is never typed keys.
    private static func bracketedPaste(_ on: Bool) {
        let sequence = on ? "\u{1B}[?2004h" : "\u{1B}[?2004l"
        fflush(nil)
        _ = sequence.utf8CString.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
    }

    private func attributes(for style: CellStyle) -> attr_t {
        var attributes = cn_a_normal()
        if style.bold { attributes |= cn_a_bold() }
        if style.dim { attributes |= cn_a_dim() }
        if style.reverse { attributes |= cn_a_reverse() }
        if style.underline { attributes |= cn_a_underline() }
        if self.hasColors, style.foreground != .standard || style.background != .standard {
            attributes |= cn_color_pair(Int32(self.pair(style.foreground, style.background)))
        }
        return attributes
    }

    private func pair(_ foreground: TerminalColor, _ background: TerminalColor) -> Int16 {
        let key = (foreground.rawValue + 1) * 16 + background.rawValue + 1
        if let pair = self.pairs[key] { return pair }
        let pair = self.nextPair
        self.nextPair += 1
        init_pair(pair, Int16(foreground.rawValue), Int16(background.rawValue))
        self.pairs[key] = pair
        return pair
    }

    /// ncursesw draws UTF-8 only under a UTF-8 locale: use the environment's, or C.UTF-8 if it is not one.
    private static func useUTF8Locale() {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        if codeset.uppercased() != "UTF-8" { setlocale(LC_ALL, "C.UTF-8") }
    }
}
