import Foundation
import SkeinEval
import Testing

/// Eval, perplexity and analysis on a model folder with no text of its own run on Skein's
/// bundled text; --haystack, --file and --text still replace it.
@Suite struct DefaultTextTests {
    /// `skein eval passkey` on a folder without heldout.txt: the bundled haystack, recorded by its hash.
    @Test func evalPasskeyRunsOnAModelWithoutText() throws {
        let model = try TestModels.demoWithoutText()
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        #expect(!FileManager.default.fileExists(atPath: model.appendingPathComponent("heldout.txt").path))
        let out = model.deletingLastPathComponent().appendingPathComponent("eval")
        let run = try SkeinRun(["eval", "passkey", "--model", model.path, "--lengths", "128", "--depths", "0.5", "--samples", "1",
                                "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let results = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8)
        let bundled = try ModelFingerprint.ofFile(try #require(DefaultText.url))
        #expect(results.contains(bundled), "the haystack recorded is the bundled text's hash \(bundled)")
        // A named haystack that is not there is a missing file, named with its option.
        let missing = try SkeinRun(["eval", "passkey", "--model", model.path, "--lengths", "128", "--samples", "1",
                                    "--haystack", "/nonexistent/hay.txt", "--out", out.path + "-2"])
        #expect(missing.status == 66)
        #expect(missing.stderr == "Error: --haystack /nonexistent/hay.txt: no such file\n", "\(missing.stderr)")
    }

    /// `skein analyze attention` on a folder without heldout.txt runs on the bundled text; --text overrides.
    @Test func analyzeAttentionRunsOnAModelWithoutText() throws {
        let model = try TestModels.demoWithoutText()
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        let out = model.deletingLastPathComponent().appendingPathComponent("analysis")
        let run = try SkeinRun(["analyze", "attention", "--model", model.path, "--lengths", "64", "--attention", "full", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("attention.json").path))
        // A short text of the user's own replaces the default, and is too short for 4000 tokens.
        let text = model.deletingLastPathComponent().appendingPathComponent("short.txt")
        try Data("In the beginning was the word.".utf8).write(to: text)
        let short = try SkeinRun(["analyze", "attention", "--model", model.path, "--lengths", "4000", "--attention", "full",
                                  "--text", text.path, "--out", out.path])
        #expect(short.status == 65, "\(short.stderr)")
        #expect(short.stderr.hasPrefix("Error: the text has ") && !short.stderr.contains("Usage:"), "\(short.stderr)")
    }

    /// The bundled text exists, is ASCII English and documents its public-domain source beside it.
    @Test func theBundledTextIsDocumented() throws {
        let url = try #require(DefaultText.url)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.utf8.count > 50_000 && text.utf8.allSatisfy { $0 < 128 })
        let readme = try String(contentsOf: url.deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("public domain") && readme.contains("bible-kjv-text"))
    }
}
