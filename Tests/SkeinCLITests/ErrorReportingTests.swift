import Foundation
import Testing

/// Runtime errors are one `Error: ...` line with a sysexits status; only usage errors show usage.
@Suite struct ErrorReportingTests {
    /// A model folder that is not there: 66, one line naming the option and the path.
    @Test func aMissingModelFolderIs66() throws {
        let run = try SkeinRun(["generate", "--model", "/nonexistent/model", "--prompt", "x"])
        #expect(run.status == 66)
        #expect(run.stderr == "Error: --model /nonexistent/model: no such file or folder\n", "\(run.stderr)")
    }

    /// A config.json that is not JSON: 65, one line naming the file, for every command that loads it.
    @Test(arguments: [["logits", "--tokens", "1,2"], ["generate", "--prompt-tokens", "1", "--max-tokens", "1"], ["inspect"]])
    func aMalformedConfigIs65(arguments: [String]) throws {
        let folder = try temporaryFolder("bad-config")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{ not json".utf8).write(to: folder.appendingPathComponent("config.json"))
        let command = arguments[0] == "inspect" ? ["inspect", folder.path] : [arguments[0], "--model", folder.path] + arguments.dropFirst()
        let run = try SkeinRun(command)
        #expect(run.status == 65, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains("config.json"), "\(run.stderr)")
        #expect(!run.stderr.contains("Usage:") && !run.stderr.contains("--help"))
    }

    /// A config.json field of the wrong type is bad data too, and names the field.
    @Test func aBadConfigFieldIsNamed() throws {
        let folder = try TestModels.copyWithoutText(TestModels.fixtures.appendingPathComponent("llama-f32"), name: "bad-field")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try TestModels.editConfig(folder) { $0["num_hidden_layers"] = "two" }
        let run = try SkeinRun(["logits", "--model", folder.path, "--tokens", "1,2"])
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("num_hidden_layers") && !run.stderr.contains("Usage:"), "\(run.stderr)")
    }

    /// A bad flag: 64, with the subcommand's usage.
    @Test func aBadFlagIs64WithUsage() throws {
        let run = try SkeinRun(["inspect", TestModels.fixtures.appendingPathComponent("qwen2").path, "--no-such-option"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Error: Unknown option '--no-such-option'"), "\(run.stderr)")
        #expect(run.stderr.contains("Usage: skein inspect") && run.stderr.contains("See 'skein inspect --help'"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
