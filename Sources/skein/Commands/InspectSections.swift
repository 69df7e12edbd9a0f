import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers

/// The sections of `skein inspect`'s listing, one function each.
enum InspectSections {
    /// Architecture, sizes, context length and RoPE settings from config.json.
    static func configuration(_ c: ModelConfiguration) -> [String] {
        [
            "architecture        \(c.architecture.rawValue)",
            "layers              \(c.layerCount)",
            "hidden size         \(c.hiddenSize)",
            "intermediate size   \(c.intermediateSize)",
            "attention heads     \(c.headCount) (kv heads \(c.kvHeadCount), head dim \(c.headDim))",
            "vocabulary          \(c.vocabSize)",
            "context length      \(c.maxPositionEmbeddings)" + (c.originalMaxPositionEmbeddings.map { " (original \($0))" } ?? ""),
            "rope theta          \(c.ropeTheta)",
            "rotary dims         \(c.rotaryDim) of \(c.headDim)",
            "rope scaling        \(c.ropeScaling.map(describe) ?? "none")",
            "sliding window      \(slidingWindow(c))",
            "tied embeddings     \(c.tieWordEmbeddings)",
            "rms norm eps        \(c.rmsNormEps)",
            "activation          \(c.hiddenActivation.rawValue)",
        ] + [
            c.queryPreAttentionScalar.map { "query scale         1/sqrt(\($0))" },
            c.attentionLogitSoftcap.map { "attention softcap   \($0)" },
            c.finalLogitSoftcap.map { "final softcap       \($0)" },
        ].compactMap { $0 }
    }

    /// Uniform ("4096"), per layer ("4096 on layers 0, 2, 4; global: 1, 3, 5") or "none".
    static func slidingWindow(_ c: ModelConfiguration) -> String {
        if let window = c.slidingWindow { return "\(window)" }
        guard let hybrid = c.hybridLayers else { return "none" }
        func layers(_ sliding: Bool) -> String {
            hybrid.isSliding.indices.filter { hybrid.isSliding[$0] == sliding }.map(String.init).joined(separator: ", ")
        }
        let base = c.slidingRopeTheta.map { ", rope theta \($0)" } ?? ""
        return "\(hybrid.window) on layers \(layers(true))\(base); global: \(layers(false))"
    }

    /// The tokenizer's model type, the special tokens with their ids and whether a chat template is
    /// present. A tokenizer that is absent or does not load is reported, not thrown: the listing goes on.
    static func tokenizer(folder: URL) -> [String] {
        let file = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            return ["tokenizer           none (no tokenizer.json; token ids only)", "chat template       none"]
        }
        let loaded: ModelTokenizer
        do { loaded = try ModelTokenizer(folder: folder) } catch {
            return ["tokenizer           cannot load: \(error)"]
        }
        var lines = ["tokenizer           \(tokenizerKind(file)), vocabulary \(loaded.tokenizer.vocabularySize)"]
        let config = loaded.configuration
        let special = [("bos", config.bosToken), ("eos", config.eosToken), ("pad", config.padToken)].map { name, token in
            guard let token else { return "\(name) none" }
            return "\(name) \(token.debugDescription) = " + (loaded.tokenizer.id(of: token).map(String.init) ?? "not in vocabulary")
        }
        lines.append("special tokens      " + special.joined(separator: ", "))
        let named = config.namedChatTemplates.keys.sorted()
        lines.append("chat template       " + (config.chatTemplate.map { "present (\($0.count) characters)" } ?? "none")
                     + (named.isEmpty ? "" : "; named: \(named.joined(separator: ", "))"))
        return lines
    }

    /// `BPE (pre-tokenizer ByteLevel)`: tokenizer.json's model and pre-tokenizer types.
    static func tokenizerKind(_ file: URL) -> String {
        guard let data = FileManager.default.contents(atPath: file.path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "unknown" }
        let model = (json["model"] as? [String: Any])?["type"] as? String ?? "unknown"
        guard let pre = (json["pre_tokenizer"] as? [String: Any])?["type"] as? String else { return model }
        return "\(model) (pre-tokenizer \(pre))"
    }

    /// Weights bytes plus the KV cache at `context` tokens under the default policy (full
    /// attention, or the checkpoint's sliding window, which keeps at most its window), per KV type.
    static func memory(_ c: ModelConfiguration, weightBytes: Int, context: Int) -> [String] {
        let kept = c.slidingWindow.map { min($0, context) } ?? context
        let policy = c.slidingWindow.map { "sliding window \($0), \(kept) tokens kept" } ?? "full attention"
        var lines = ["memory at \(context) tokens (\(policy); weights as stored + KV cache):"]
        lines.append("  weights             \(format(weightBytes))")
        for type in [KVStorageType.f32, KVStorageType(format: .f16), KVStorageType(format: .q8), KVStorageType(format: .q4)] {
            let kv = KVMemoryEstimate.bytes(tokens: kept, layers: c.layerCount, kvHeads: c.kvHeadCount, headDim: c.headDim, type: type)
            let name = "kv \(type.format.rawValue)".padding(toLength: 20, withPad: " ", startingAt: 0)
            lines.append("  \(name)\(format(kv)), total \(format(weightBytes + kv))")
        }
        return lines
    }

    /// `123456789 bytes (117.7 MiB)`.
    static func format(_ bytes: Int) -> String {
        "\(bytes) bytes (" + String(format: "%.1f MiB", Double(bytes) / 1_048_576) + ")"
    }

    private static func describe(_ s: RopeScaling) -> String {
        var parts = [s.type]
        if let f = s.factor { parts.append("factor=\(f)") }
        if let o = s.originalMaxPositionEmbeddings { parts.append("original=\(o)") }
        if let l = s.lowFreqFactor { parts.append("low=\(l)") }
        if let h = s.highFreqFactor { parts.append("high=\(h)") }
        if let b = s.betaFast { parts.append("beta-fast=\(b)") }
        if let b = s.betaSlow { parts.append("beta-slow=\(b)") }
        if let a = s.attentionFactor { parts.append("attention-factor=\(a)") }
        if let f = s.longFactor { parts.append("long-factor[\(f.count)]") }
        if let f = s.shortFactor { parts.append("short-factor[\(f.count)]") }
        return parts.joined(separator: " ")
    }
}
