import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `skein chat` reads its lines: a line editor on a terminal, plain lines from a pipe.
protocol ChatInput {
    /// The next line, or nil at the end of input (EOF, Ctrl-D on an empty line).
    mutating func nextLine() -> String?
}

/// Lines from piped standard input: no prompt, no escape codes.
struct PipedInput: ChatInput {
    mutating func nextLine() -> String? { readLine() }
}

/// Lines edited on the terminal with `LineEditor`; raw mode only while a line is read.
struct TerminalInput: ChatInput {
    let terminal: RawTerminal
    private var editor = LineEditor(prompt: "> ")

    init(terminal: RawTerminal) { self.terminal = terminal }

    mutating func nextLine() -> String? {
        terminal.enterRaw()
        defer { terminal.restore() }
        write(editor.redraw)
        var byte: UInt8 = 0
        while true {
            let n = read(STDIN_FILENO, &byte, 1)
            if n < 0, errno == EINTR { continue }
            guard n == 1 else {
                write("\r\n")
                return nil
            }
            switch editor.feed(byte) {
            case .none: break
            case .changed: write(editor.redraw)
            case .submit(let line):
                write("\r\n")
                return line
            case .interrupt: write("^C\r\n" + editor.redraw)
            case .endOfInput:
                write("\r\n")
                return nil
            }
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
