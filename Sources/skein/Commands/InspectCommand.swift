import ArgumentParser
import Foundation
import SkeinFormats

/// `skein inspect`: what a model folder holds, without running it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's architecture, hyper-parameters, RoPE settings and tensors.")

    @Argument(help: "A Hugging Face model folder.")
    var path: String

    func run() throws {
        let directory = URL(fileURLWithPath: path)
        let c = try ModelConfiguration.load(directory: directory)
        let store = try WeightStore(directory: directory)
        var lines = [
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
            "sliding window      \(c.slidingWindow.map(String.init) ?? "none")",
            "tied embeddings     \(c.tieWordEmbeddings)",
            "rms norm eps        \(c.rmsNormEps)",
        ]
        var parameters = 0
        lines.append("tensors:")
        for name in store.tensorNames {
            guard let info = store.info(name) else { continue }
            parameters += info.elementCount
            lines.append("  \(name)  \(info.dtype.rawValue)  \(info.shape)")
        }
        lines.insert("parameters          \(parameters)", at: 1)
        print(lines.joined(separator: "\n"))
    }

    private func describe(_ s: RopeScaling) -> String {
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
