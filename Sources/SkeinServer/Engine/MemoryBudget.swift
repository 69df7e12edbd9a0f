import Foundation
import SkeinEngine

/// The `--max-memory` guard: what a job's KV cache will take at its longest, and the memory the
/// server may spend on KV caches.
enum MemoryBudget {
    /// Bytes a job's KV cache holds at prompt + max_tokens tokens: keys and values in its KV type
    /// (`KVMemoryEstimate`, the figure `skein inspect --context` prints), the f32 copies of any
    /// extra key channel its policy keeps, and a quantized cache's one-layer f32 scratch. An upper
    /// bound for policies that evict (a window holds fewer tokens).
    static func bytes(of spec: JobSpec) -> Int {
        let c = spec.model.configuration
        let tokens = spec.promptTokens.count + spec.maxTokens
        let type = spec.policy.kvStorage
        let f32Layer = c.kvHeadCount * tokens * c.headDim * MemoryLayout<Float>.size   // one layer, keys or values
        var bytes = KVMemoryEstimate.bytes(tokens: tokens, layers: c.layerCount, kvHeads: c.kvHeadCount, headDim: c.headDim, type: type)
        bytes += Set(spec.policy.keyChannels).subtracting([.stored]).count * c.layerCount * f32Layer
        if type.isQuantized { bytes += 2 * f32Layer }
        return bytes
    }

    /// `MemAvailable` of /proc/meminfo (what the kernel can give without swapping), else the
    /// machine's physical memory.
    static func availableMemory() -> Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kib = Int(line.split(separator: " ").dropFirst().first ?? "") {
            return kib * 1024
        }
        return Int(clamping: ProcessInfo.processInfo.physicalMemory)
    }
}
