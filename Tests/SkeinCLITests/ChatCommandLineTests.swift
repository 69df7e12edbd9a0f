import Testing
@testable import skein

/// Lines typed at `skein chat`: messages, commands, and bad commands.
@Suite struct ChatCommandLineTests {
    @Test(arguments: [
        ("hello", ChatCommandLine.message("hello")),
        ("  ", .empty),
        ("", .empty),
        ("/help", .help),
        ("/exit", .exit),
        ("/reset", .reset),
        ("/policy streaming:sinks=4", .policy("streaming:sinks=4")),
        ("/save  my chat.skein ", .save("my chat.skein")),
        ("/load talk.chat", .load("talk.chat")),
        ("//etc/passwd is a path", .message("/etc/passwd is a path")),
    ])
    func parses(line: String, expected: ChatCommandLine) {
        #expect(ChatCommandLine(line) == expected)
    }

    @Test(arguments: ["/save", "/load ", "/policy", "/nope"])
    func badCommandsSayWhy(line: String) {
        guard case .invalid(let reason) = ChatCommandLine(line) else {
            Issue.record("\(line) parsed as a command")
            return
        }
        #expect(reason.contains(line.trimmingCharacters(in: .whitespaces)))
    }
}

import Foundation
