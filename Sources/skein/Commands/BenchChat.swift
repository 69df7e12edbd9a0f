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
        var reports: [[ChatTurnReport]] = []
        for reuse in [false, true] {
            let session: ChatSession
            do {
                session = try ChatSession(model: model, tokenizer: tokenizer, attention: policyOptions.attention,
                                          rope: policyOptions.rope, kvType: policyOptions.kvType, stopTokens: stops,
                                          maxTokens: generateTokens)
            } catch let error as EngineError {
                throw ValidationError(error.description)
            }
            session.reusesCache = reuse
            session.notice = { FileHandle.standardError.write(Data("turn \(session.messages.count / 2 + 1): \($0)\n".utf8)) }
            reports.append(try (1...turns).map { try session.send(Self.chatBenchMessage($0)) })
        }
        print("chat over \(turns) turns, at most \(generateTokens) reply tokens, attention \(policyOptions.attention), \(Parallel.threadCount) threads")
        print("| turn | prompt tokens | reply tokens | fresh: prefilled | fresh: first token ms | fresh: turn ms | one cache: prefilled | one cache: first token ms | one cache: turn ms |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (index, (fresh, reused)) in zip(reports[0], reports[1]).enumerated() {
            print(String(format: "| %d | %d | %d | %d | %.1f | %.1f | %d | %.1f | %.1f |",
                         index + 1, reused.promptTokens, reused.generated, fresh.prefilled, (fresh.secondsToFirstToken ?? 0) * 1000,
                         fresh.seconds * 1000, reused.prefilled, (reused.secondsToFirstToken ?? 0) * 1000, reused.seconds * 1000))
        }
        let same = zip(reports[0], reports[1]).allSatisfy { $0.reply == $1.reply }
        print("replies identical with and without cache reuse: \(same ? "yes" : "no")")
    }
}
