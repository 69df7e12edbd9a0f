import ArgumentParser
import Dispatch
import SkeinTensor

/// `skein kernel-bench` (hidden): times one `WeightMatrix.apply` of random weights in a given type,
/// printing the median time, GB/s of weights read and GOPS (2 * out * in * rows operations).
struct KernelBenchCommand: ParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel-bench",
        abstract: "Micro-benchmark of one linear layer: y = x W^T.",
        shouldDisplay: false)

    @Option(help: "Weight type: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K, q6_K.")
    var type: String = "q8_0"

    @Option(help: "Output features (weight rows).")
    var out: Int = 4864

    @Option(name: .customLong("in"), help: "Input features.")
    var inFeatures: Int = 896

    @Option(help: "Activation rows (tokens) per product.")
    var rows: Int = 1

    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Timed repetitions.")
    var repetitions: Int = 50

    @Option(help: "Distinct weight matrices cycled through, so weights come from memory and not cache (default: about 512 MB worth for --rows up to 4, else 1).")
    var copies: Int?

    @Option(help: "Kernel level: avx512, avx2 or generic (default: the best the CPU has).")
    var level: String?

    func validate() throws {
        guard out >= 1, inFeatures >= 1, rows >= 1, repetitions >= 1 else { throw ValidationError("--out, --in, --rows and --repetitions must be >= 1") }
        guard ["f32", "f16", "bf16"].contains(type) || GGMLType.named(type) != nil else { throw ValidationError("unknown --type \(type)") }
        if let block = GGMLType.named(type)?.blockSize, inFeatures % block != 0 {
            throw ValidationError("--in must be a multiple of \(block) for \(type)")
        }
    }

    func run() throws {
        if let level { MatMul.setKernelLevel(level) }
        let one = makeMatrix(seed: 1)
        let count = copies ?? (rows <= 4 ? max(1, min(256, 512_000_000 / one.byteCount)) : 1)
        let matrices = [one] + (1..<count).map { makeMatrix(seed: UInt64($0) + 1) }
        var random = SplitMix(state: 99)
        let x = (0..<(rows * inFeatures)).map { _ in Float(random.unit() * 2 - 1) }
        var y = [Float](repeating: 0, count: rows * out)
        for m in matrices.prefix(2) { m.apply(x, rows: rows, bias: nil, into: &y) }  // warm-up
        var seconds: [Double] = []
        for r in 0..<repetitions {
            let started = DispatchTime.now().uptimeNanoseconds
            matrices[r % matrices.count].apply(x, rows: rows, bias: nil, into: &y)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        let median = seconds.sorted()[seconds.count / 2]
        let gigabytes = Double(one.byteCount) / 1e9
        let operations = 2.0 * Double(out) * Double(inFeatures) * Double(rows)
        print(String(format: "%@ out=%d in=%d rows=%d threads=%d level=%@ copies=%d: median %.3f ms, %.2f GB/s weights, %.1f GOPS",
                     type, out, inFeatures, rows, Parallel.threadCount, MatMul.kernelLevel, matrices.count,
                     median * 1e3, gigabytes / median, operations / median / 1e9))
    }

    /// Random weights: f32/f16/bf16 values in [-0.05, 0.05); block types as random bytes with sane f16 scales.
    func makeMatrix(seed: UInt64) -> WeightMatrix {
        var random = SplitMix(state: seed)
        let count = out * inFeatures
        switch type {
        case "f32", "f16", "bf16":
            let values = (0..<count).map { _ in Float(random.unit() * 0.1 - 0.05) }
            let storage: WeightMatrix.Storage = type == "f32" ? .f32(values)
                : type == "f16" ? .f16(values.map { Float16($0).bitPattern })
                : .bf16(values.map { HalfConversion.bf16Bits(from: $0) })
            return WeightMatrix(outFeatures: out, inFeatures: inFeatures, storage: storage)
        default:
            let ggml = GGMLType.named(type)!
            var bytes = [UInt8](repeating: 0, count: ggml.byteCount(elements: count))
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
            // f16 scale fields: the first one or two halves, or the last for Q6_K.
            let scaleOffsets = ggml == .q6_K ? [208] : [.q4_1, .q5_1, .q4_K, .q5_K].contains(ggml) ? [0, 2] : [0]
            for block in 0..<(bytes.count / ggml.blockBytes) {
                for offset in scaleOffsets {
                    let bits = Float16(Float(random.unit() * 0.01 + 0.001)).bitPattern
                    bytes[block * ggml.blockBytes + offset] = UInt8(bits & 0xFF)
                    bytes[block * ggml.blockBytes + offset + 1] = UInt8(bits >> 8)
                }
            }
            return WeightMatrix(outFeatures: out, inFeatures: inFeatures, storage: .quantized(ggml, bytes))
        }
    }
}

/// A small deterministic generator for benchmark inputs.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

extension GGMLType {
    /// The type with GGML's lower-case name ("q4_K", "q8_0"), block types only.
    static func named(_ name: String) -> GGMLType? {
        let names: [String: GGMLType] = ["q4_0": .q4_0, "q4_1": .q4_1, "q5_0": .q5_0, "q5_1": .q5_1, "q8_0": .q8_0,
                                         "q4_K": .q4_K, "q5_K": .q5_K, "q6_K": .q6_K]
        return names[name]
    }
}
