import Foundation
import SkeinFormats
import Testing

/// `skein inspect` checks the tensors against config.json, shows the tokenizer and estimates memory.
@Suite struct InspectTests {
    /// config.json says 3 layers, the checkpoint has 2: exit 65, the missing tensors listed and the first named on stderr.
    @Test func aMissingTensorFailsAndIsNamed() throws {
        let folder = try TestModels.copyWithoutText(TestModels.fixtures.appendingPathComponent("llama-f32"), name: "inspect-missing")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try TestModels.editConfig(folder) { $0["num_hidden_layers"] = 3 }
        let run = try SkeinRun(["inspect", folder.path])
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stdout.contains("error: missing tensor 'model.layers.2.self_attn.q_proj.weight'"), "\(run.stdout)")
        #expect(run.stdout.contains("error: missing tensor 'model.layers.2.mlp.down_proj.weight'"))
        #expect(run.stderr.hasPrefix("Error: \(folder.path): the model cannot run: missing tensor 'model.layers.2.input_layernorm.weight'"),
                "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1 && !run.stderr.contains("Usage:"))
        // And generate agrees that this model cannot run.
        #expect(try SkeinRun(["generate", "--model", folder.path, "--prompt-tokens", "1", "--max-tokens", "1"]).status == 65)
    }

    /// A hybrid model lists its sliding and global layers, its caps and query scale.
    @Test func aGemmaModelShowsItsLayerPattern() throws {
        let run = try SkeinRun(["inspect", TestModels.fixtures.appendingPathComponent("gemma3").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("architecture        gemma3_text"), "\(run.stdout)")
        #expect(run.stdout.contains("sliding window      8 on layers 0, 1, 2, 3, 4, rope theta 10000.0; global: 5"), "\(run.stdout)")
        #expect(run.stdout.contains("query scale         1/sqrt(24.0)") && run.stdout.contains("activation          gelu_pytorch_tanh"))
        let gemma2 = try SkeinRun(["inspect", TestModels.fixtures.appendingPathComponent("gemma2").path])
        #expect(gemma2.stdout.contains("attention softcap   4.0") && gemma2.stdout.contains("final softcap       20.0"), "\(gemma2.stdout)")
    }

    /// The shipped model: exit 0, check ok, tokenizer type, special tokens and chat template.
    @Test func aValidModelShowsItsTokenizer() throws {
        let demo = try TestModels.demoWithoutText()
        defer { try? FileManager.default.removeItem(at: demo.deletingLastPathComponent()) }
        let run = try SkeinRun(["inspect", demo.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("check               ok"), "\(run.stdout)")
        #expect(run.stdout.contains("tokenizer           BPE"), "\(run.stdout)")
        #expect(run.stdout.contains(#"special tokens      bos "<|endoftext|>" = "#), "\(run.stdout)")
        #expect(run.stdout.contains("chat template       present ("), "\(run.stdout)")
        // A fixture without tokenizer.json says so and still passes.
        let bare = try SkeinRun(["inspect", TestModels.fixtures.appendingPathComponent("qwen2").path])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(bare.stdout.contains("tokenizer           none") && bare.stdout.contains("chat template       none"), "\(bare.stdout)")
    }

    /// --context N: the f32 KV line is layers * kvHeads * headDim * 2 (keys, values) * N * 4 bytes.
    @Test func theContextEstimateIsTheKVSize() throws {
        let demo = try TestModels.demoWithoutText()
        defer { try? FileManager.default.removeItem(at: demo.deletingLastPathComponent()) }
        let c = try ModelConfiguration.load(directory: demo)
        let n = 5000
        let run = try SkeinRun(["inspect", demo.path, "--context", String(n)])
        #expect(run.status == 0, "\(run.stderr)")
        func bytes(_ label: String) throws -> Int {
            let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("  \(label) ") }, "\(run.stdout)")
            let number = line.dropFirst(label.count + 2).trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }
            return try #require(Int(number))
        }
        let f32 = c.layerCount * c.kvHeadCount * c.headDim * 2 * n * 4
        #expect(try bytes("kv f32") == f32)
        #expect(try bytes("kv f16") < f32 && bytes("kv q8") < bytes("kv f16") && bytes("kv q4") < bytes("kv q8"))
        #expect(try bytes("weights") > 0)
        #expect(try SkeinRun(["inspect", demo.path, "--context", "0"]).status == 64)
    }
}
