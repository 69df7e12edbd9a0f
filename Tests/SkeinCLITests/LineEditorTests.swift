import Testing
@testable import skein

/// `LineEditor` fed the bytes a terminal sends for each key.
@Suite struct LineEditorTests {
    static let left: [UInt8] = [0x1B, 0x5B, 0x44], right: [UInt8] = [0x1B, 0x5B, 0x43]
    static let up: [UInt8] = [0x1B, 0x5B, 0x41], down: [UInt8] = [0x1B, 0x5B, 0x42]
    static let backspace: [UInt8] = [0x7F], delete: [UInt8] = Array("\u{1B}[3~".utf8)

    static func typed(_ chunks: [UInt8]...) -> LineEditor {
        var editor = LineEditor()
        for chunk in chunks { _ = editor.feed(chunk) }
        return editor
    }

    @Test func arrowsMoveTheCursorAndTextIsInsertedThere() {
        let editor = Self.typed(Array("abc".utf8), Self.left, Self.left, Array("X".utf8))
        #expect(editor.line == "aXbc")
        #expect(editor.cursor == 2)
        let right = Self.typed(Array("abc".utf8), Self.left, Self.left, Self.right, Array("Y".utf8))
        #expect(right.line == "abYc")
        // The redraw puts the cursor back over the two characters after it.
        #expect(editor.redraw == "\r> aXbc\u{1B}[K\u{1B}[2D")
    }

    @Test(arguments: [("\u{1B}[H", "\u{1B}[F"), ("\u{1B}[1~", "\u{1B}[4~"), ("\u{1B}OH", "\u{1B}OF"), ("\u{01}", "\u{05}")])
    func homeAndEnd(home: String, end: String) {
        let atHome = Self.typed(Array("world".utf8), Array(home.utf8), Array("hello ".utf8))
        #expect(atHome.line == "hello world")
        #expect(atHome.cursor == 6)
        let atEnd = Self.typed(Array("ab".utf8), Array(home.utf8), Array(end.utf8), Array("c".utf8))
        #expect(atEnd.line == "abc")
    }

    @Test func backspaceMidLineAndDelete() {
        let editor = Self.typed(Array("hello".utf8), Self.left, Self.left, Self.backspace)
        #expect(editor.line == "helo")
        #expect(editor.cursor == 2)
        let deleted = Self.typed(Array("hello".utf8), Self.left, Self.left, Self.delete)
        #expect(deleted.line == "helo")
        #expect(deleted.cursor == 3)
        // Backspace at the start and delete at the end change nothing.
        var edge = Self.typed(Array("ab".utf8))
        #expect(edge.feed(Self.delete).last == LineEditor.Event.none)
        _ = edge.feed(Array("\u{01}".utf8))
        #expect(edge.feed(Self.backspace) == [.none])
    }

    @Test func multiByteCharactersAreOneCharacter() {
        // "é" (2 bytes), "€" (3 bytes), "🙂" (4 bytes): one cursor step and one backspace each.
        var editor = LineEditor()
        let events = editor.feed(Array("é€🙂".utf8))
        #expect(events.filter { $0 == .changed }.count == 3)
        #expect(editor.line == "é€🙂")
        #expect(editor.cursor == 3)
        _ = editor.feed(Self.left)
        _ = editor.feed(Self.backspace)
        #expect(editor.line == "é🙂")
        #expect(editor.feed(Array("\r".utf8)) == [.submit("é🙂")])
    }

    @Test func historyBrowsesEarlierLinesAndKeepsTheDraft() {
        var editor = LineEditor()
        _ = editor.feed(Array("first\r".utf8))
        _ = editor.feed(Array("second\r".utf8))
        _ = editor.feed(Array("dra".utf8))
        _ = editor.feed(Self.up)
        #expect(editor.line == "second")
        _ = editor.feed(Self.up)
        #expect(editor.line == "first")
        #expect(editor.feed(Self.up).last == LineEditor.Event.none, "no line before the first")
        _ = editor.feed(Self.down)
        _ = editor.feed(Self.down)
        #expect(editor.line == "dra", "down past the newest entry brings back the draft")
        _ = editor.feed(Self.up)
        _ = editor.feed(Array("!".utf8))
        #expect(editor.feed(Array("\r".utf8)) == [.submit("second!")])
        #expect(editor.history == ["first", "second", "second!"])
    }

    @Test func controlKeys() {
        var editor = Self.typed(Array("some text".utf8))
        #expect(editor.feed(0x03) == .interrupt)
        #expect(editor.line.isEmpty)
        #expect(editor.feed(0x04) == .endOfInput, "Ctrl-D on an empty line ends the input")
        _ = editor.feed(Array("ab".utf8))
        _ = editor.feed(0x01)
        #expect(editor.feed(0x04) == .changed, "Ctrl-D on a line deletes under the cursor")
        #expect(editor.line == "b")
        // An unknown escape sequence and Alt-x are ignored, and the next key still works.
        _ = editor.feed(Array("\u{1B}[99~\u{1B}x".utf8))
        _ = editor.feed(Array("c".utf8))
        #expect(editor.line == "cb")
        #expect(editor.feed(Array("\n".utf8)) == [.submit("cb")])
    }
}
