import ArgumentParser
import Foundation
import SkeinEngine
import SkeinTensor

/// `skein bench`: prompt processing and generation speed at several context depths, in the spirit
/// of llama-bench, for any attention policy.
struct BenchCommand: ParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prompt-processing and generation tokens/s at given context depths.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(name: .customShort("p"), help: "Prompt tokens processed per pp test (0 skips).")
    var promptTokens: Int = 512

    @Option(name: .customShort("n"), help: "Tokens generated per tg test (0 skips).")
    var generateTokens: Int = 128

    @Option(name: .customShort("d"), help: "Comma-separated context depths filled before each test.")
    var depths: String = "0"

    @Option(name: .customShort("r"), help: "Repetitions per test.")
    var repetitions: Int = 3

    @Option(help: "Tokens per forward pass while filling the depth.")
    var fillChunk: Int = 512

    @Flag(help: "Print a JSON list of rows.")
    var json = false

    @Option(help: "Instead of pp/tg tests, stream this many tokens through the model (in --fill-chunk pieces) and report resident memory along the way.")
    var stream: Int?

    @Option(help: "Sample every generated token at this temperature (0 is greedy) and feed it back, timing the sampler. Without it, tg feeds random tokens and samples nothing (as llama-bench).")
    var temperature: Float?

    @Option(help: "With --temperature: keep the smallest set of tokens whose probability reaches P.")
    var topP: Float?

    @Option(help: "With --temperature: keep the K most likely tokens.")
    var topK: Int?

    @Option(help: "With --temperature: drop tokens less likely than P times the most likely one.")
    var minP: Float?

    @Option(help: "Instead of pp/tg tests, chat this many turns (greedy, -n tokens per reply at most) and report each turn's time to first token and total, with one cache across turns and with a fresh cache per turn (the whole conversation prefilled again).")
    var chatTurns: Int?

    /// The sampler tg runs, if --temperature was given.
    var sampling: SamplingParameters? {
        temperature.map { SamplingParameters(temperature: $0, topK: topK, topP: topP, minP: minP, seed: 1) }
    }

    func validate() throws {
        guard promptTokens >= 0, generateTokens >= 0, repetitions >= 1, fillChunk >= 1 else {
            throw ValidationError("-p and -n must be >= 0, -r and --fill-chunk >= 1")
        }
        if temperature == nil, topP != nil || topK != nil || minP != nil {
            throw ValidationError("--top-p, --top-k and --min-p need --temperature")
        }
        do { try sampling?.validate() } catch { throw ValidationError(String(describing: error)) }
    }

    struct Row: Encodable {
        var test: String
        var depth: Int
        var threads: Int
        var attention: String
        var tokens_per_s: Double
        var stddev: Double
        var samples: [Double]
        /// Generation rows with --temperature: the sampler, and its share of the time per token.
        var sampling: String?
        var sample_us_per_token: Double?
        var sample_fraction: Double?
        var kv_bytes: Int
        /// Peak resident memory of the process so far, the bandwidth probe's buffer left out.
        var peak_rss_bytes: Int?
        // Generation rows only: the memory-bandwidth roofline.
        /// Weight bytes read per token (ModelWeights.bytesReadPerToken).
        var weight_bytes: Int?
        /// Weights plus the KV cache read per token, averaged over the test's context lengths.
        var bytes_per_token: Int?
        /// Best streaming-read bandwidth measured before each run and after the test, with the same threads.
        var bandwidth_gb_s: Double?
        /// tokens_per_s * bytes_per_token / bandwidth: 1 means decoding at memory speed.
        var roofline_fraction: Double?
    }

    func run() throws {
        let depthList = try parseTokenList(depths, option: "-d")
        guard depthList.allSatisfy({ $0 >= 0 }) else { throw ValidationError("-d: depths must be >= 0") }
        if let chatTurns {
            try runChat(turns: chatTurns)
            return
        }
        let (model, policy) = try policyOptions.apply(to: TransformerModel.load(path: modelOptions.resolvedURL()))
        let vocabulary = model.configuration.vocabSize
        var random = RandomSource(seed: 1)
        func randomTokens(_ n: Int) -> [Int] { (0..<n).map { _ in Int(random.next() % UInt64(vocabulary)) } }
        if let stream {
            try runStream(model: model, policy: policy, total: stream, randomTokens: randomTokens)
            return
        }
        var rows: [Row] = []
        for depth in depthList {
            for (test, count) in [("pp\(promptTokens)", promptTokens), ("tg\(generateTokens)", generateTokens)] where count > 0 {
                var samples: [Double] = []
                var kvBytes = 0
                var kvRead = 0  // KV bytes read per generated token, averaged over the test
                var bandwidth = 0.0  // GB/s, the best streaming read next to the generation runs
                var sampleSeconds = 0.0, stepSeconds = 0.0  // over every run, for the sampler's share
                for _ in 0..<repetitions {
                    // Measured before every generation run, so a quiet moment of a noisy machine
                    // is seen by the roofline too and not only by the runs.
                    if test.hasPrefix("tg") {
                        bandwidth = max(bandwidth, MemoryBandwidth.measure(runs: 4))
                        ProcessMemory.resetPeak()  // the probe's 512 MiB buffer is not the model's memory
                    }
                    let cache = model.makeCache(for: policy, initialCapacity: depth + count + 1)
                    var offset = 0
                    let context = randomTokens(depth)
                    while offset < depth {
                        let end = min(depth, offset + fillChunk)
                        _ = try model.forward(Array(context[offset..<end]), cache: cache, policy: policy, logits: .last)
                        offset = end
                    }
                    let input = randomTokens(count)
                    let countBefore = cache.count
                    let start = DispatchTime.now().uptimeNanoseconds
                    if test.hasPrefix("pp") {
                        _ = try model.forward(input, cache: cache, policy: policy, logits: .last)
                    } else if let sampling {
                        // Each token is sampled from the previous step's logits, as generate does.
                        var sampler = Sampler(sampling)
                        var token = input[0]
                        for _ in 0..<count {
                            let logits = try model.forward([token], cache: cache, policy: policy, logits: .last)[0]
                            let sampleStart = DispatchTime.now().uptimeNanoseconds
                            token = sampler.sample(logits)
                            sampleSeconds += Double(DispatchTime.now().uptimeNanoseconds - sampleStart) / 1e9
                        }
                    } else {
                        for token in input { _ = try model.forward([token], cache: cache, policy: policy, logits: .last) }
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    stepSeconds += seconds
                    samples.append(Double(count) / seconds)
                    kvBytes = cache.count * cache.bytesPerToken
                    kvRead = (countBefore + cache.count + 1) / 2 * cache.bytesPerToken
                }
                let sorted = samples.sorted()
                let mean = samples.reduce(0, +) / Double(samples.count)
                let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, samples.count - 1))
                var row = Row(test: test, depth: depth, threads: Parallel.threadCount, attention: policy.description,
                              tokens_per_s: sorted[sorted.count / 2], stddev: variance.squareRoot(), samples: samples,
                              kv_bytes: kvBytes, peak_rss_bytes: ProcessMemory.peakResidentBytes)
                if test.hasPrefix("tg"), let sampling {
                    row.sampling = Self.describe(sampling)
                    row.sample_us_per_token = sampleSeconds / Double(count * repetitions) * 1e6
                    row.sample_fraction = sampleSeconds / stepSeconds
                }
                if test.hasPrefix("tg") {
                    let weightBytes = model.weights.bytesReadPerToken, perToken = weightBytes + kvRead
                    bandwidth = max(bandwidth, MemoryBandwidth.measure())
                    ProcessMemory.resetPeak()
                    row.weight_bytes = weightBytes
                    row.bytes_per_token = perToken
                    row.bandwidth_gb_s = bandwidth
                    row.roofline_fraction = row.tokens_per_s * Double(perToken) / (bandwidth * 1e9)
                }
                rows.append(row)
                if !json {
                    var line = String(format: "%-8@ depth %7d  %10.2f t/s ± %-8.2f  kv %8.2f MiB  peak rss %8.1f MiB  [%@]",
                                      row.test, depth, row.tokens_per_s, row.stddev, Double(kvBytes) / 1048576,
                                      Double(row.peak_rss_bytes ?? 0) / 1048576, row.attention)
                    if let sampling = row.sampling, let us = row.sample_us_per_token, let fraction = row.sample_fraction {
                        line += String(format: "  sampling %@: %.1f us/token (%.2f%% of a step)", sampling, us, fraction * 100)
                    }
                    if let fraction = row.roofline_fraction, let bandwidth = row.bandwidth_gb_s, let perToken = row.bytes_per_token {
                        line += String(format: "  roofline %5.1f%% (%.3f GB/token at %.2f GB/s)", fraction * 100, Double(perToken) / 1e9, bandwidth)
                    }
                    print(line)
                }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        }
    }

    /// "t=0.8 top-k=40 top-p=0.95", or "greedy".
    static func describe(_ sampling: SamplingParameters) -> String {
        guard sampling.temperature > 0 else { return "greedy" }
        var parts = ["t=\(sampling.temperature)"]
        if let k = sampling.topK { parts.append("top-k=\(k)") }
        if let p = sampling.topP { parts.append("top-p=\(p)") }
        if let p = sampling.minP { parts.append("min-p=\(p)") }
        return parts.joined(separator: " ")
    }

    /// Feeds `total` tokens and prints resident memory and cache size at ten checkpoints.
    func runStream(model: TransformerModel, policy: AttentionPolicy, total: Int, randomTokens: (Int) -> [Int]) throws {
        guard total > 0 else { throw ValidationError("--stream must be > 0") }
        let cache = model.makeCache(for: policy, initialCapacity: min(total, 8192))
        let checkpoint = max(1, total / 10)
        var done = 0, nextReport = checkpoint
        let start = DispatchTime.now().uptimeNanoseconds
        print("streaming \(total) tokens, chunk \(fillChunk), attention \(policy)")
        while done < total {
            let n = min(fillChunk, total - done)
            _ = try model.forward(randomTokens(n), cache: cache, policy: policy, logits: .last)
            done += n
            if done >= nextReport || done == total {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                print(String(format: "%9d tokens  %8.1f s  %9.1f t/s  rss %8.1f MiB  cache %7d slots %8.2f MiB",
                             done, seconds, Double(done) / seconds, Double(ProcessMemory.residentBytes ?? 0) / 1048576,
                             cache.count, Double(cache.byteCount) / 1048576))
                if let memory = cache.blockMemory {
                    print("          infllm: \(memory.blockCount) blocks, " + String(format: "%.2f MiB in RAM (hot blocks + scoring batch), %.1f MiB offloaded",
                                 Double(memory.residentBytes) / 1048576, Double(memory.offloadedBytes) / 1048576))
                }
                nextReport += checkpoint
            }
        }
    }
}
