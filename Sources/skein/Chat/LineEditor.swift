/// The line editor of `skein chat` as a pure state machine: bytes from a raw-mode terminal go in,
/// the edited line, what to do, and the text that redraws the line come out. No terminal access,
/// so every key is testable as a byte sequence.
///
/// Keys: printable text (UTF-8), Left/Right (ESC [ D / C), Home (ESC [ H, ESC [ 1 ~, ESC O H,
/// Ctrl-A), End (ESC [ F, ESC [ 4 ~, ESC O F, Ctrl-E), Backspace (0x7F, Ctrl-H), Delete (ESC [ 3 ~),
/// Up/Down (ESC [ A / B) through earlier lines of the session, Enter (CR or LF), Ctrl-C
/// (clears the line), Ctrl-D (end of input on an empty line, else deletes under the cursor),
/// Ctrl-K / Ctrl-U (kill to end / start of line). Other control bytes and escape sequences are ignored.
/// Each character is drawn one column wide.
struct LineEditor {
    /// What the caller does after a byte.
    enum Event: Equatable {
        /// Nothing visible changed (an incomplete UTF-8 character or escape sequence).
        case none
        /// The line changed: write `redraw`.
        case changed
        /// Enter: the line is done (and added to the history when not empty).
        case submit(String)
        /// Ctrl-C: the line was cleared.
        case interrupt
        /// Ctrl-D on an empty line.
        case endOfInput
    }

    /// The characters being edited and the cursor (0...characters.count).
    private(set) var characters: [Character] = []
    private(set) var cursor = 0
    /// Earlier submitted lines, oldest first.
    private(set) var history: [String] = []
    /// The history entry shown (history.count: the line being written), and that line while browsing.
    private var historyIndex = 0
    private var draft: [Character] = []
    private var utf8: [UInt8] = []
    private var escape: [UInt8]?
    let prompt: String

    init(prompt: String = "> ", history: [String] = []) {
        self.prompt = prompt
        self.history = history
        historyIndex = history.count
    }

    /// The line as text.
    var line: String { String(characters) }

    /// Terminal output that redraws the prompt and line with the cursor in place: carriage
    /// return, prompt, text, clear to end of line, then back over the characters after the cursor.
    var redraw: String {
        let back = characters.count - cursor
        return "\r" + prompt + line + "\u{1B}[K" + (back > 0 ? "\u{1B}[\(back)D" : "")
    }

    /// Feeds every byte of `bytes`, returning the event of each.
    mutating func feed<S: Sequence>(_ bytes: S) -> [Event] where S.Element == UInt8 { bytes.map { feed($0) } }

    /// Feeds one byte from the terminal.
    mutating func feed(_ byte: UInt8) -> Event {
        if var sequence = escape {
            sequence.append(byte)
            escape = sequence
            return escapeSequence(sequence)
        }
        if !utf8.isEmpty || byte >= 0x80 { return text(byte) }
        switch byte {
        case 0x1B: escape = []; return .none
        case 0x0D, 0x0A: return submit()
        case 0x03:
            characters = []
            cursor = 0
            historyIndex = history.count
            return .interrupt
        case 0x04:
            if characters.isEmpty { return .endOfInput }
            return deleteForward()
        case 0x7F, 0x08:
            guard cursor > 0 else { return .none }
            cursor -= 1
            characters.remove(at: cursor)
            return .changed
        case 0x01: return move(to: 0)
        case 0x05: return move(to: characters.count)
        case 0x02: return move(to: cursor - 1)
        case 0x06: return move(to: cursor + 1)
        case 0x0B:
            characters.removeSubrange(cursor...)
            return .changed
        case 0x15:
            characters.removeSubrange(..<cursor)
            cursor = 0
            return .changed
        case 0x20...0x7E: return insert(Character(Unicode.Scalar(byte)))
        default: return .none
        }
    }

    /// A byte of a multi-byte UTF-8 character: inserts it once complete (invalid bytes are dropped).
    private mutating func text(_ byte: UInt8) -> Event {
        utf8.append(byte)
        let lead = utf8[0]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0, utf8.dropFirst().allSatisfy({ $0 & 0xC0 == 0x80 }) else {
            utf8 = []
            return .none
        }
        guard utf8.count == length else { return .none }
        defer { utf8 = [] }
        guard let scalar = String(validating: utf8, as: UTF8.self) else { return .none }
        return insert(Character(scalar))
    }

    /// The bytes after ESC so far: acts once the sequence is complete.
    private mutating func escapeSequence(_ sequence: [UInt8]) -> Event {
        guard let introducer = sequence.first else { return .none }
        guard introducer == UInt8(ascii: "[") || introducer == UInt8(ascii: "O") else {
            escape = nil  // ESC then another key (Alt-key): ignored
            return .none
        }
        guard sequence.count >= 2, let final = sequence.last, (0x40...0x7E).contains(final) else {
            if sequence.count > 16 { escape = nil }
            return .none
        }
        escape = nil
        let parameter = String(decoding: sequence.dropFirst().dropLast(), as: UTF8.self)
        switch (Character(Unicode.Scalar(final)), parameter) {
        case ("D", _): return move(to: cursor - 1)
        case ("C", _): return move(to: cursor + 1)
        case ("H", _), ("~", "1"), ("~", "7"): return move(to: 0)
        case ("F", _), ("~", "4"), ("~", "8"): return move(to: characters.count)
        case ("~", "3"): return deleteForward()
        case ("A", _): return browse(by: -1)
        case ("B", _): return browse(by: 1)
        default: return .none
        }
    }

    private mutating func insert(_ character: Character) -> Event {
        characters.insert(character, at: cursor)
        cursor += 1
        return .changed
    }

    private mutating func move(to position: Int) -> Event {
        let target = max(0, min(characters.count, position))
        guard target != cursor else { return .none }
        cursor = target
        return .changed
    }

    private mutating func deleteForward() -> Event {
        guard cursor < characters.count else { return .none }
        characters.remove(at: cursor)
        return .changed
    }

    /// Up (-1) or Down (+1) through the history; leaving the newest entry brings back the draft.
    private mutating func browse(by step: Int) -> Event {
        let target = historyIndex + step
        guard (0...history.count).contains(target) else { return .none }
        if historyIndex == history.count { draft = characters }
        historyIndex = target
        characters = target == history.count ? draft : Array(history[target])
        cursor = characters.count
        return .changed
    }

    private mutating func submit() -> Event {
        let text = line
        if !text.isEmpty, history.last != text { history.append(text) }
        characters = []
        cursor = 0
        draft = []
        historyIndex = history.count
        return .submit(text)
    }
}
