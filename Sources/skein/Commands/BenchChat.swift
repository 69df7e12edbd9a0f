import ArgumentParser
import Foundation
import SkeinEngine
import SkeinTensor
import SkeinTokenizers

extension BenchCommand {
    /// One turn's user message in `--chat-turns` (the same in every run, so both caches see the same conversation).
    static func chatBenchMessage(_ turn: Int) -> String {
        "Turn \(turn): tell me one more thing about the weather, the sea and the old town."
    }

    /// `skein bench --chat-turns N`: the same greedy conversation of N turns twice, with one cache
    /// across turns and with a fresh cache (full re-prefill) per turn; one table row per turn.
    func runChat(turns: Int) throws {
        guard turns >= 1 else { throw ValidationError("--chat-turns must be >= 1") }
        let folder = try modelOptions.resolvedURL()
        let tokenizer = try ModelTokenizer(path: folder)
        let model = try TransformerModel.load(path: folder)
        let stops = Set(model.configuration.eosTokenIds + tokenizer.eosTokenIds)
        // reports[mode][repetition][turn]; mode 0: a fresh cache per turn, 1: one cache.
        var reports: [[[ChatTurnReport]]] = [[], []]
        _ = try makeSession(model: model, tokenizer: tokenizer, stops: stops).send(Self.chatBenchMessage(0))  // warm-up
        for repetition in 0..<repetitions {
            for (mode, reuse) in [false, true].enumerated() {
                let session = try makeSession(model: model, tokenizer: tokenizer, stops: stops)
                session.reusesCache = reuse
                var turn = 0
                let label = reuse ? "one cache" : "fresh cache"
                session.notice = { if repetition == 0 { FileHandle.standardError.write(Data("\(label), turn \(turn): \($0)\n".utf8)) } }
                reports[mode].append(try (1...turns).map {
                    turn = $0
                    return try session.send(Self.chatBenchMessage($0))
                })
            }
        }
        func median(_ mode: Int, _ turn: Int, _ value: (ChatTurnReport) -> Double) -> Double {
            let values = reports[mode].map { value($0[turn]) }.sorted()
            return values[values.count / 2] * 1000
        }
        print("chat over \(turns) turns, at most \(generateTokens) reply tokens, attention \(policyOptions.attention), \(Parallel.threadCount) threads, median of \(repetitions) runs (ms)")
        print("| turn | prompt tokens | reply tokens | fresh: prefilled | fresh: first token ms | fresh: turn ms | one cache: prefilled | one cache: first token ms | one cache: turn ms |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for turn in 0..<turns {
            let fresh = reports[0][0][turn], reused = reports[1][0][turn]
            print(String(format: "| %d | %d | %d | %d | %.1f | %.1f | %d | %.1f | %.1f |",
                         turn + 1, reused.promptTokens, reused.generated,
                         fresh.prefilled, median(0, turn) { $0.secondsToFirstToken ?? 0 }, median(0, turn, \.seconds),
                         reused.prefilled, median(1, turn) { $0.secondsToFirstToken ?? 0 }, median(1, turn, \.seconds)))
        }
        let same = zip(reports[0][0], reports[1][0]).allSatisfy { $0.reply == $1.reply }
        print("replies identical with and without cache reuse: \(same ? "yes" : "no")")
    }

    private func makeSession(model: TransformerModel, tokenizer: ModelTokenizer, stops: Set<Int>) throws -> ChatSession {
        do {
            return try ChatSession(model: model, tokenizer: tokenizer, attention: policyOptions.attention,
                                   rope: policyOptions.rope, kvType: policyOptions.kvType, stopTokens: stops,
                                   maxTokens: generateTokens)
        } catch let error as EngineError {
            throw ValidationError(error.description)
        }
    }
}
