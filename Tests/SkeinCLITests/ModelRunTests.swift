import Foundation
import SkeinDemoModel
import SkeinEngine
import SkeinFormats
import SkeinTokenizers
import Testing

/// Model paths, the demo model as GGUF, generate's timing line and the training-length warning,
/// through the built executable.
@Suite struct ModelRunTests {
    let demo: URL

    init() throws { demo = try #require(DemoModel.folder) }

    /// A file that is not GGUF is named as such, whatever its name, instead of being read as a folder.
    @Test(arguments: ["garbage.bin", "bad-magic.gguf"])
    func aFileThatIsNotGGUFIsNamed(name: String) throws {
        let folder = try temporaryFolder("path")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name)
        try Data("GGUX not a model at all".utf8).write(to: file)
        let run = try SkeinRun(["generate", "--model", file.path, "--prompt", "x", "--max-tokens", "1"])
        #expect(run.status == 65)
        #expect(run.stderr == "Error: \(file.path): not a model folder or GGUF file\n", "\(run.stderr)")
        #expect(!run.stderr.contains("config.json"))
    }

    /// `skein quantize` converts the shipped demo model, and the GGUF tokenizes exactly as the
    /// Hugging Face folder: digits one by one, numbers, spaces, punctuation, the held-out text.
    @Test func theDemoModelConvertsToGGUFAndTokenizesTheSame() throws {
        let folder = try temporaryFolder("gguf")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("demo-f16.gguf")
        let run = try SkeinRun(["quantize", "--model", demo.path, "--type", "F16", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try GGUFFile(path: out.path)
        #expect(file.metadata["tokenizer.ggml.pre"] == .string("smollm"))
        let hf = try ModelTokenizer(path: demo), gguf = try ModelTokenizer(path: out)
        let heldout = try String(contentsOf: demo.appendingPathComponent("heldout.txt"), encoding: .utf8)
        let texts = [
            "The pass key is 48213. Remember it.", "1 22 333 4444 55555 007", "3.14159, -42 and 1e10!",
            "  two spaces,\tone tab\nand a newline\n\n", "Hello, world! (quoted) \"text\"; a-b_c... ?!", "x1y2z3 99bottles",
            heldout,
        ]
        for text in texts {
            #expect(hf.encode(text) == gguf.encode(text), "\(text.prefix(60).debugDescription)")
        }
        #expect(try gguf.decode(gguf.encode(heldout)) == hf.decode(hf.encode(heldout)))
        // The GGUF model runs: greedy tokens of a short prompt come out of `skein generate --model x.gguf`.
        let generated = try SkeinRun(["generate", "--model", out.path, "--prompt-tokens", "0,17,33", "--max-tokens", "3"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.split(separator: ",").count >= 1)
    }

    /// The end-of-run line on standard error, as llama.cpp prints it.
    @Test func generatePrintsPromptAndGenerationSpeed() throws {
        let run = try SkeinRun(["generate", "--prompt", "The pass key is 48213. Remember it. The pass key is", "--max-tokens", "6"])
        #expect(run.status == 0, "\(run.stderr)")
        let pattern = #"prompt: \d+ tokens, [0-9.]+ t/s \| generation: \d+ tokens(, [0-9.]+ t/s)? \| first token \d+ ms"#
        #expect(run.stderr.range(of: pattern, options: .regularExpression) != nil, "\(run.stderr)")
        #expect(run.stdout.range(of: "t/s") == nil, "the timing line belongs on stderr")
    }

    /// Past max_position_embeddings (256 for the demo) under full attention: one warning line, and the run goes on.
    @Test func aPromptPastTheTrainingLengthIsWarnedAbout() throws {
        let long = Array(repeating: "17", count: 300).joined(separator: ",")
        let full = try SkeinRun(["generate", "--prompt-tokens", long, "--max-tokens", "1"])
        #expect(full.status == 0)
        #expect(full.stderr.contains("warning: the prompt (300 tokens) is longer than the model's training length (256"), "\(full.stderr)")
        // Streaming keeps positions inside L but reads only sinks + window: said once, the run goes on.
        let streaming = try SkeinRun(["generate", "--prompt-tokens", long, "--max-tokens", "1", "--attention", "streaming"])
        #expect(streaming.status == 0)
        #expect(streaming.stderr.contains("warning: the prompt (300 tokens): streaming:sinks=4,window=252 reads only 256 of the 300 tokens"),
                "\(streaming.stderr)")
        // Self-extend with keys past its reach ((256 - 64) * 2 + 64 = 448 tokens) warns; without keys it is sized for the input.
        let longer = Array(repeating: "17", count: 1000).joined(separator: ",")
        let keyed = try SkeinRun(["generate", "--prompt-tokens", longer, "--max-tokens", "1", "--attention", "self-extend:group=2,window=64"])
        #expect(keyed.status == 0)
        #expect(keyed.stderr.contains("past the training length 256 (its reach is 448 tokens)"), "\(keyed.stderr)")
        let sized = try SkeinRun(["generate", "--prompt-tokens", longer, "--max-tokens", "1", "--attention", "self-extend"])
        #expect(sized.status == 0)
        #expect(sized.stderr.contains("note: --attention self-extend sized for 1001 tokens: self-extend:group=5,window=64"), "\(sized.stderr)")
        #expect(!sized.stderr.contains("warning:"), "\(sized.stderr)")
        let reattention = try SkeinRun(["generate", "--prompt-tokens", longer, "--max-tokens", "1", "--attention", "reattention"])
        #expect(!reattention.stderr.contains("warning:"), "\(reattention.stderr)")
        let short = try SkeinRun(["generate", "--prompt-tokens", "17,18", "--max-tokens", "1"])
        #expect(!short.stderr.contains("warning:"))
        let heldout = demo.appendingPathComponent("heldout.txt").path
        let perplexity = try SkeinRun(["perplexity", "--file", heldout, "--max-tokens", "400"])
        #expect(perplexity.status == 0)
        #expect(perplexity.stderr.contains("warning: the text (400 tokens) is longer than the model's training length (256"), "\(perplexity.stderr)")
        let line = String(repeating: "and the earth was without form ", count: 60)
        let chat = try SkeinRun(["chat", "--max-tokens", "1"], input: line + "\n")
        #expect(chat.status == 0)
        #expect(chat.stderr.contains("warning: the conversation ("), "\(chat.stderr)")
    }

    /// bench --temperature samples every generated token and reports the sampler's share.
    @Test func benchTimesTheSampler() throws {
        let run = try SkeinRun(["bench", "-p", "0", "-n", "8", "-r", "1", "--temperature", "0.8", "--top-k", "40", "--top-p", "0.95", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"sampling\" : \"t=0.8 top-k=40 top-p=0.95\""), "\(run.stdout)")
        #expect(run.stdout.contains("\"sample_us_per_token\""), "\(run.stdout)")
        let greedy = try SkeinRun(["bench", "-p", "0", "-n", "4", "-r", "1", "--temperature", "0"])
        #expect(greedy.status == 0, "\(greedy.stderr)")
        #expect(greedy.stdout.contains("sampling greedy:"), "\(greedy.stdout)")
    }

    /// The shared --threads reaches the kernels: bench reports the count it ran with.
    @Test func threadsReachTheKernels() throws {
        let run = try SkeinRun(["bench", "-p", "8", "-n", "0", "-r", "1", "--threads", "1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"threads\" : 1"), "\(run.stdout)")
    }
}

/// The CLI shares the server's sampler: its penalties change greedy output too.
@Suite struct GeneratePenaltyTests {
    @Test func frequencyPenaltyChangesGreedyOutput() throws {
        let arguments = ["generate", "--prompt", "And God said, Let there be light: and there was light. And God said", "--max-tokens", "24"]
        let plain = try SkeinRun(arguments), penalized = try SkeinRun(arguments + ["--frequency-penalty", "2"])
        #expect(plain.status == 0 && penalized.status == 0)
        #expect(!plain.stdout.isEmpty)
        #expect(penalized.stdout != plain.stdout)
        #expect(try SkeinRun(arguments + ["--presence-penalty", "-3"]).status == 64)
    }
}
