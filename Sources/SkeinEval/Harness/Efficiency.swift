import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SkeinEngine

/// Speed and memory of each method at each context length, and each method's efficiency length.
public struct EfficiencyResults: Sendable, Codable {
    public struct Point: Sendable, Codable {
        public var method: String
        public var length: Int
        /// Seconds to prefill `length` tokens.
        public var prefillSeconds: Double
        /// Decode speed after the prefill (tokens/s over `decodeTokens` steps).
        public var decodeTokensPerSecond: Double
        /// Bytes of the cached tokens after prefill and decode (cached tokens x bytes per token).
        public var kvBytes: Int
        /// Cached tokens after decode (bounded policies keep fewer than the context).
        public var cachedTokens: Int
        /// Peak resident memory of the process while this row ran: freed heap pages go back to
        /// the system and the peak is reset before each row, so earlier rows do not count.
        public var peakResidentBytes: Int
    }

    public var points: [Point]
    public var decodeTokens: Int
    /// method -> the shortest length from which the method decodes faster than full attention at
    /// that length and every longer one (nil: never, within the sweep).
    public var efficiencyLength: [String: Int?]

    /// Measures every method at every length: one prefill, then `decodeTokens` greedy steps.
    public static func measure(model: TransformerModel, methods: [Method], lengths: [Int], decodeTokens: Int = 16,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> EfficiencyResults {
        var points = [Point]()
        var random = SeededGenerator(seed: 5)
        let vocabulary = model.configuration.vocabSize
        var done = 0
        for method in methods {
            let (scaled, policy) = try method.apply(to: model)
            for length in lengths {
                let tokens = (0..<length).map { _ in Int.random(in: 0..<vocabulary, using: &random) }
                startRow()
                let cache = scaled.makeCache(for: policy, initialCapacity: length + decodeTokens)
                let start = Date()
                var logits = try scaled.forward(tokens, cache: cache, policy: policy, logits: .last)[0]
                let prefill = Date().timeIntervalSince(start)
                let decodeStart = Date()
                for _ in 0..<decodeTokens {
                    logits = try scaled.forward([Sampler.argmax(logits)], cache: cache, policy: policy, logits: .last)[0]
                }
                let decode = Date().timeIntervalSince(decodeStart)
                points.append(Point(method: method.name, length: length, prefillSeconds: prefill,
                                    decodeTokensPerSecond: Double(decodeTokens) / max(decode, 1e-9),
                                    kvBytes: cache.count * cache.bytesPerToken, cachedTokens: cache.count,
                                    peakResidentBytes: ProcessMemory.peakResidentBytes ?? 0))
                done += 1
                progress(done, methods.count * lengths.count)
            }
        }
        var efficiency = [String: Int?]()
        let full = Dictionary(points.filter { $0.method == methods.first?.name }.map { ($0.length, $0.decodeTokensPerSecond) },
                              uniquingKeysWith: { a, _ in a })
        for method in methods.dropFirst() {
            var answer: Int?
            for length in lengths.sorted().reversed() {
                guard let mine = points.first(where: { $0.method == method.name && $0.length == length }),
                      let baseline = full[length], mine.decodeTokensPerSecond > baseline else { break }
                answer = length
            }
            efficiency[method.name] = answer
        }
        return EfficiencyResults(points: points, decodeTokens: decodeTokens, efficiencyLength: efficiency)
    }

    /// Starts a row's memory measurement from what the process holds now, so a row reads the same
    /// alone or after a long one (40 MiB for streaming@256 on the demo model either way; 46 MiB
    /// after a 4096-token row without this).
    ///
    /// glibc raises its mmap threshold each time a large mmapped buffer is freed, so after a long
    /// row, mid-sized buffers come from per-thread heaps that fragment and stay resident. Fixing
    /// the threshold at 128 KiB (its default start) keeps every large buffer mmapped and returned on
    /// free; `malloc_trim` returns what small allocations freed; then the peak is reset to the
    /// current resident size (`ProcessMemory.resetPeak`).
    static func startRow() {
        _ = fixedMmapThreshold
        _ = glibc.trim?(0)
        ProcessMemory.resetPeak()
    }

    private static let fixedMmapThreshold: Bool = {
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in malloc.h
        return glibc.mallopt?(mmapThreshold, 128 * 1024) == 1
    }()

    /// glibc's `malloc_trim` and `mallopt` (malloc.h is not in Swift's Glibc module); nil elsewhere.
    private static let glibc: (trim: (@convention(c) (Int) -> Int32)?, mallopt: (@convention(c) (Int32, Int32) -> Int32)?) = {
        #if canImport(Glibc)
        let trim = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }
        let mallopt = dlsym(nil, "mallopt").map { unsafeBitCast($0, to: (@convention(c) (Int32, Int32) -> Int32).self) }
        return (trim, mallopt)
        #else
        return (nil, nil)
        #endif
    }()

    /// One row per method and length.
    public var table: String {
        let header = ["method", "length", "prefill s", "decode tok/s", "KV MiB", "cached", "peak RSS MiB"]
        let rows = points.map { p in
            [p.method, String(p.length), String(format: "%.3f", p.prefillSeconds), String(format: "%.1f", p.decodeTokensPerSecond),
             String(format: "%.2f", Double(p.kvBytes) / 1_048_576), String(p.cachedTokens),
             String(format: "%.0f", Double(p.peakResidentBytes) / 1_048_576)]
        }
        let lengths = efficiencyLength.keys.sorted().map { "\($0): \((efficiencyLength[$0] ?? nil).map(String.init) ?? "never in this sweep")" }
        return TextTable.render([header] + rows) + "\n\nefficiency length (decodes faster than the first method from here on): "
            + lengths.joined(separator: ", ")
    }
}

extension HTMLReport {
    /// Time and memory vs length, one line per method.
    public static func render(_ r: EfficiencyResults, title: String) -> String {
        let methods = r.points.reduce(into: [String]()) { if !$0.contains($1.method) { $0.append($1.method) } }
        let lengths = Array(Set(r.points.map(\.length))).sorted()
        func series(_ value: (EfficiencyResults.Point) -> Double) -> [(String, [Double?])] {
            methods.map { m in (m, lengths.map { l in r.points.first { $0.method == m && $0.length == l }.map(value) }) }
        }
        let charts = [
            chart(title: "Prefill seconds vs length", xLabels: lengths.map(String.init), yMax: nil, logY: false,
                  yFormat: { String(format: "%.2f", $0) }, series: series(\.prefillSeconds)),
            chart(title: "Decode tokens/s vs length", xLabels: lengths.map(String.init), yMax: nil, logY: false,
                  yFormat: { String(format: "%.0f", $0) }, series: series(\.decodeTokensPerSecond)),
            chart(title: "KV cache MiB vs length", xLabels: lengths.map(String.init), yMax: nil, logY: false,
                  yFormat: { String(format: "%.1f", $0) }, series: series { Double($0.kvBytes) / 1_048_576 }),
        ]
        return """
        <!DOCTYPE html>
        \(marker)
        <html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto}pre{background:#f6f6f6;padding:1em}</style></head>
        <body><h1>\(escape(title))</h1>
        \(charts.joined(separator: "\n"))
        <pre>\(escape(r.table))</pre>
        </body></html>
        """
    }
}
