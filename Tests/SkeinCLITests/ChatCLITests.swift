import Foundation
import Testing
@testable import skein

/// `skein chat` end to end with piped standard input, on the demo model; the expected replies
/// come from `ChatSession` in-process (greedy, so the same tokens).
@Suite(.serialized) struct ChatCLITests {
    static let qwen = repositoryRoot.appendingPathComponent("Tests/Fixtures/own-model/qwen2-chat").path
    static let maxTokens = 12

    /// The demo model's folder and the options every run here takes.
    static func base() throws -> (folder: URL, arguments: [String]) {
        let folder = try #require(SkeinDemoModelFolder.url)
        return (folder, ["--model", folder.path, "--max-tokens", "\(maxTokens)"])
    }

    /// What `skein chat` should print for `lines`: each greedy reply and its newline.
    static func expectedOutput(_ lines: [String], folder: URL, attention: String = "full") throws -> [String] {
        let session = try ChatSessionTests.session(folder, attention: attention, maxTokens: maxTokens, system: nil)
        return try lines.map { try session.send($0).reply + "\n" }
    }

    @Test func eachReplyEndsWithItsNewlineBeforeTheNextLineIsRead() throws {
        let (folder, arguments) = try Self.base()
        let expected = try Self.expectedOutput(["Hello there", "Tell me more"], folder: folder)
        let chat = try ChatProcess(arguments)
        chat.send("Hello there")
        // The second line is not sent yet: the first reply and its newline must already be out.
        try chat.wait("the first reply's newline") { out, _ in out == expected[0] }
        chat.send("")  // an empty line is skipped, not the end
        chat.send("Tell me more")
        try chat.wait("the second reply") { out, _ in out == expected.joined() }
        #expect(try chat.finish() == 0)
        #expect(chat.stdout == expected.joined())
        #expect(!chat.stdout.contains("\u{1B}") && !chat.stderr.contains("\u{1B}"), "no escape codes from a pipe")
        #expect(!chat.stderr.contains("> "), "no prompt from a pipe")
    }

    @Test func helpResetAndPolicy() throws {
        let (folder, arguments) = try Self.base()
        let input = "/help\nHello\n/policy window:size=32\nAgain\n/policy nonsense\n/policy full\n/reset\nHello\n/frobnicate\n"
        let run = try SkeinRun(["chat"] + arguments, input: input)
        #expect(run.status == 0, "\(run.stderr)")
        for command in ["/help", "/exit", "/reset", "/policy", "/save", "/load"] { #expect(run.stderr.contains(command)) }
        #expect(run.stderr.contains("[attention policy: window"))
        #expect(run.stderr.contains("error: /policy nonsense"))
        #expect(run.stderr.contains("[conversation reset]"))
        #expect(run.stderr.contains("unknown command /frobnicate"))
        // After /reset, "Hello" is the first turn again: the same reply as the first "Hello".
        let first = try Self.expectedOutput(["Hello"], folder: folder)[0]
        #expect(run.stdout.hasPrefix(first))
        #expect(run.stdout.hasSuffix(first))
        #expect(run.stdout.count > 2 * first.count, "three replies")
    }

    @Test func saveThenLoadInANewProcessContinuesTheConversation() throws {
        let arguments = try Self.base().arguments
        let folder = try temporaryFolder("chat-save")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("talk.chat").path
        let straight = try SkeinRun(["chat"] + arguments, input: "Hello\nWhat next?\nAnd then?\n")
        #expect(straight.status == 0, "\(straight.stderr)")
        let saving = try SkeinRun(["chat"] + arguments, input: "Hello\nWhat next?\n/save \(file)\n")
        #expect(saving.status == 0)
        #expect(saving.stderr.contains("[saved 4 messages and the KV cache to \(file)]"), "\(saving.stderr)")
        let loading = try SkeinRun(["chat"] + arguments, input: "/load \(file)\nAnd then?\n")
        #expect(loading.stderr.contains("[loaded 4 messages from \(file)]"), "\(loading.stderr)")
        #expect(!loading.stderr.contains("rebuilt"))
        let lastReply = String(straight.stdout.dropFirst(saving.stdout.count))
        #expect(straight.stdout.hasPrefix(saving.stdout) && !lastReply.isEmpty)
        #expect(loading.stdout == lastReply, "the reply after /load is the uninterrupted one")
        // Loaded under another policy: the cache is rebuilt, with a notice, and the chat goes on.
        let other = try SkeinRun(["chat"] + arguments + ["--attention", "window:size=40"], input: "/load \(file)\nAnd then?\n")
        #expect(other.stderr.contains("cache rebuilt for --attention window:size=40"), "\(other.stderr)")
        #expect(other.status == 0)
        #expect(other.stdout.hasSuffix("\n"))
        // Loaded into another model: its cache is not used; the messages are prefilled again.
        let otherModel = try SkeinRun(["chat", "--model", Self.qwen, "--max-tokens", "4"], input: "/load \(file)\nAnd then?\n")
        #expect(otherModel.status == 0)
        #expect(otherModel.stderr.contains("[loaded 4 messages from \(file); cache rebuilt for --attention full because it was saved with another model]"),
                "\(otherModel.stderr)")
    }

    @Test func saveNeverOverwritesAndLoadNamesABadFile() throws {
        let arguments = try Self.base().arguments
        let folder = try temporaryFolder("chat-nooverwrite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mine.txt")
        try Data("the user's own file\n".utf8).write(to: file)
        let run = try SkeinRun(["chat"] + arguments, input: "Hello\n/save \(file.path)\n/load \(file.path)\n/load \(folder.path)/absent\n")
        #expect(run.status == 0)
        #expect(run.stderr.contains("error: /save: \(file.path): already exists; not overwritten"), "\(run.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "the user's own file\n")
        #expect(run.stderr.contains("error: /load: \(file.path): not a skein chat file"))
        #expect(run.stderr.contains("error: /load: \(folder.path)/absent: no such file"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["mine.txt"], "no temporary file left")
        // A torn save file is named and refused.
        let saved = folder.appendingPathComponent("ok.chat").path
        _ = try SkeinRun(["chat"] + arguments, input: "Hello\n/save \(saved)\n")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: saved))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: folder.appendingPathComponent("torn.chat").path))
        let torn = try SkeinRun(["chat"] + arguments, input: "/load \(folder.path)/torn.chat\n")
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
