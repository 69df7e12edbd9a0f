import Foundation
import Testing

/// `skein chat` end to end with piped standard input.
@Suite(.serialized) struct ChatCLITests {
    static let qwen = repositoryRoot.appendingPathComponent("Tests/Fixtures/own-model/qwen2-chat").path
    static let base = ["--model", qwen, "--max-tokens", "8"]

    @Test func eachReplyEndsWithItsNewlineBeforeTheNextLineIsRead() throws {
        let chat = try ChatProcess(Self.base)
        chat.send("Hello there")
        try chat.wait("the first reply's newline") { out, _ in out.hasSuffix("\n") }
        let first = chat.stdout
        #expect(first.filter { $0 == "\n" }.count == 1)
        #expect(!first.contains("\u{1B}"), "no escape codes from a pipe")
        chat.send("")  // an empty line is skipped, not the end
        chat.send("Tell me more")
        try chat.wait("the second reply") { out, _ in out.filter { $0 == "\n" }.count == 2 }
        #expect(chat.stdout.hasPrefix(first))
        #expect(try chat.finish() == 0)
        #expect(!chat.stderr.contains("> "), "no prompt from a pipe")
    }

    @Test func helpResetAndPolicy() throws {
        let run = try SkeinRun(["chat"] + Self.base, input: "/help\nHello\n/policy window:size=32\nAgain\n/policy nonsense\n/policy full\n/reset\nHello\n/frobnicate\n")
        #expect(run.status == 0, "\(run.stderr)")
        for command in ["/help", "/exit", "/reset", "/policy", "/save", "/load"] { #expect(run.stderr.contains(command)) }
        #expect(run.stderr.contains("[attention policy: window"))
        #expect(run.stderr.contains("error: /policy nonsense"))
        #expect(run.stderr.contains("[conversation reset]"))
        #expect(run.stderr.contains("unknown command /frobnicate"))
        let replies = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(replies.count == 3)
        // After /reset, "Hello" is the first turn again: the same reply as the first "Hello".
        #expect(replies.first == replies.last)
    }

    @Test func saveThenLoadInANewProcessContinuesTheConversation() throws {
        let folder = try temporaryFolder("chat-save")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("talk.chat").path
        let straight = try SkeinRun(["chat"] + Self.base, input: "Hello\nWhat next?\nAnd then?\n")
        #expect(straight.status == 0, "\(straight.stderr)")
        let saving = try SkeinRun(["chat"] + Self.base, input: "Hello\nWhat next?\n/save \(file)\n")
        #expect(saving.status == 0)
        #expect(saving.stderr.contains("[saved 4 messages and the KV cache to \(file)]"), "\(saving.stderr)")
        let loading = try SkeinRun(["chat"] + Self.base, input: "/load \(file)\nAnd then?\n")
        #expect(loading.stderr.contains("[loaded 4 messages from \(file)]"), "\(loading.stderr)")
        #expect(!loading.stderr.contains("rebuilt"))
        let expected = straight.stdout.split(separator: "\n").last
        #expect(loading.stdout.split(separator: "\n").last == expected, "the reply after /load is the uninterrupted one")
        // Loaded under another policy: the cache is rebuilt, with a notice, and the chat goes on.
        let other = try SkeinRun(["chat"] + Self.base + ["--attention", "window:size=40"], input: "/load \(file)\nAnd then?\n")
        #expect(other.stderr.contains("cache rebuilt for --attention window:size=40"), "\(other.stderr)")
        #expect(other.stdout.split(separator: "\n").count == 1)
    }

    @Test func saveNeverOverwritesAndLoadNamesABadFile() throws {
        let folder = try temporaryFolder("chat-nooverwrite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mine.txt")
        try Data("the user's own file\n".utf8).write(to: file)
        let run = try SkeinRun(["chat"] + Self.base, input: "Hello\n/save \(file.path)\n/load \(file.path)\n/load \(folder.path)/absent\n")
        #expect(run.status == 0)
        #expect(run.stderr.contains("error: /save: \(file.path): already exists; not overwritten"), "\(run.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "the user's own file\n")
        #expect(run.stderr.contains("error: /load: \(file.path): not a skein chat file"))
        #expect(run.stderr.contains("error: /load: \(folder.path)/absent: no such file"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["mine.txt"], "no temporary file left")
        // A torn save file is named and refused.
        let saved = folder.appendingPathComponent("ok.chat").path
        _ = try SkeinRun(["chat"] + Self.base, input: "Hello\n/save \(saved)\n")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: saved))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: folder.appendingPathComponent("torn.chat").path))
        let torn = try SkeinRun(["chat"] + Self.base, input: "/load \(folder.path)/torn.chat\n")
        #expect(torn.stderr.contains("torn.chat: checksum mismatch"), "\(torn.stderr)")
    }

    @Test func ctrlCStopsAReplyAndTheChatGoesOn() throws {
        // A random model rarely emits its stop token: the first reply runs until interrupted.
        let chat = try ChatProcess(["--model", Self.qwen, "--max-tokens", "100000", "--attention", "window:size=64"])
        chat.send("Talk for a long time")
        try chat.wait("the reply to start") { out, _ in out.count > 20 }
        kill(chat.process.processIdentifier, SIGINT)
        try chat.wait("the reply to stop") { _, err in err.contains("[reply stopped]") }
        #expect(chat.process.isRunning, "SIGINT does not end the process")
        #expect(chat.stdout.hasSuffix("\n"))
        chat.send("/help")
        try chat.wait("the next line to be read") { _, err in err.contains("/save FILE") }
        chat.send("/exit")
        #expect(try chat.finish() == 0)
    }
}
