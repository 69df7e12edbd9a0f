import Testing
@testable import SkeinEngine

/// Parsing the memory policies' options: budgets, ratios, their own keys, and typed errors.
@Suite struct MemoryPolicyCatalogTests {
    @Test func parsesEveryMemoryPolicy() throws {
        let h2o = try #require(try PolicyCatalog.attention("h2o:budget=64,recent=16", trainingLength: 256) as? H2OAttention)
        #expect(h2o.budget == .entries(64) && h2o.recent == 16)
        let tova = try #require(try PolicyCatalog.attention("tova:ratio=0.25", trainingLength: 256) as? TOVAAttention)
        #expect(tova.budget == .ratio(0.25) && tova.budget.entries(seen: 128) == 96)
        let snap = try #require(try PolicyCatalog.attention("snapkv:window=8,kernel=5", trainingLength: 256) as? SnapKVAttention)
        #expect(snap.budget == .entries(256) && snap.window == 8 && snap.kernel == 5 && snap.variant == .kvpress)
        let paper = try #require(try PolicyCatalog.attention("snapkv:variant=paper", trainingLength: 256) as? SnapKVAttention)
        #expect(paper.variant == .paper && paper.kernel == 5 && paper.description.hasSuffix(",variant=paper"))
        #expect((try PolicyCatalog.attention("tova:variant=paper", trainingLength: 256) as? TOVAAttention)?.variant == .paper)
        #expect((try PolicyCatalog.attention("h2o:variant=kvpress", trainingLength: 256) as? H2OAttention)?.variant == .kvpress)
        #expect(tova.variant == .kvpress && h2o.variant == .paper)
        let sir = try #require(try PolicyCatalog.attention("sirllm:budget=100,decay=0.5", trainingLength: 256) as? SirLLMAttention)
        #expect(sir.decay == 0.5)
        let quest = try #require(try PolicyCatalog.attention("quest:budget=64,page=8", trainingLength: 256) as? QuestAttention)
        #expect(quest.selection(seen: 1000) == .pages(page: 8, pages: 8))
        let ts = try #require(try PolicyCatalog.attention("tokenselect:budget=64,k=48", trainingLength: 256) as? TokenSelectAttention)
        #expect(ts.selection(seen: 1000) == .tokens(critical: 48, local: 16, reuse: 0.9))
        let names = PolicyCatalog.attentionEntries(trainingLength: 256).map(\.name)
        for name in ["h2o", "tova", "snapkv", "sirllm", "quest", "tokenselect"] { #expect(names.contains(name)) }
    }

    @Test func rejectsBadValuesNamingTheKey() {
        func reason(_ text: String) -> String? {
            do { _ = try PolicyCatalog.attention(text, trainingLength: 256); return nil } catch let EngineError.invalidOption(_, reason) {
                return reason
            } catch { return nil }
        }
        #expect(reason("h2o:budget=64,ratio=0.5")?.contains("budget or ratio") == true)
        #expect(reason("tova:ratio=2")?.contains("ratio") == true)
        // ratio=1 removed everything; it once meant "keep all" and is refused, not silently flipped.
        #expect(reason("snapkv:ratio=1")?.contains("ratio (the fraction removed, as kvpress) must be in (0, 1), got 1.0") == true)
        #expect(reason("h2o:budget=0")?.contains("budget") == true)
        #expect(reason("snapkv:kernel=4")?.contains("kernel") == true)
        #expect(reason("tova:variant=both")?.contains("variant must be one of kvpress, paper") == true)
        #expect(reason("h2o:budget=8,recent=9")?.contains("recent") == true)
        #expect(reason("sirllm:decay=1.5")?.contains("decay") == true)
        #expect(reason("quest:pages=x")?.contains("pages") == true)
        #expect(reason("tokenselect:window=3")?.contains("window") == true)
    }

    /// One meaning of `ratio` for every policy that takes it (since 2026-12-04): kvpress's
    /// compression ratio, the fraction removed (or, for the selection policies, not read).
    /// At ratio 0.25, 128 tokens seen keep (or read) 96 per head; at 0.75, 32.
    @Test(arguments: [(0.25, 96), (0.75, 32)]) func everyRatioIsTheFractionRemoved(ratio: Double, kept: Int) throws {
        func policy(_ text: String) throws -> AttentionPolicy { try PolicyCatalog.attention(text, trainingLength: 256) }
        for name in ["h2o", "tova", "snapkv", "sirllm", "tokenselect"] {
            let p = try policy("\(name):ratio=\(ratio)")
            let budget = try #require(Mirror(reflecting: p).children.first { $0.label == "budget" }?.value as? KVBudget, "\(name)")
            #expect(budget.entries(seen: 128) == kept, "\(name)")
            #expect(p.description.contains("ratio=\(ratio)"), "\(p)")
        }
        let quest = try #require(try policy("quest:ratio=\(ratio),page=16") as? QuestAttention)
        #expect(quest.selection(seen: 128) == .pages(page: 16, pages: kept / 16))
        let ts = try #require(try policy("tokenselect:ratio=\(ratio)") as? TokenSelectAttention)
        #expect(ts.selection(seen: 128) == .tokens(critical: kept / 2, local: kept - kept / 2, reuse: 0.9))
        #expect((try policy("knorm:ratio=\(ratio)") as? KnormAttention)?.budget.kept(of: 128) == kept)
        #expect((try policy("adakv:snapkv,ratio=\(ratio)") as? AdaKVAttention)?.budget.kept(of: 128) == kept)
        #expect((try policy("pyramidkv:ratio=\(ratio)") as? PyramidKVAttention)?.budget.kept(of: 128) == kept)
        #expect((try policy("expected-attention:ratio=\(ratio)") as? ExpectedAttentionAttention)?.budget.kept(of: 128) == kept)
    }

    /// expected-attention's keys, defaults and errors.
    @Test func parsesExpectedAttention() throws {
        let ea = try #require(try PolicyCatalog.attention("expected-attention:ratio=0.5", trainingLength: 256) as? ExpectedAttentionAttention)
        #expect(ea.future == 512 && ea.sinks == 4 && ea.covariance && ea.valueNorm && ea.budget == .ratio(0.5))
        let plain = try #require(try PolicyCatalog.attention("expected-attention:budget=64,future=8,sinks=0,covariance=off,vnorm=off",
                                                             trainingLength: 256) as? ExpectedAttentionAttention)
        #expect(plain.future == 8 && plain.sinks == 0 && !plain.covariance && !plain.valueNorm && plain.budget == .entries(64))
        #expect(plain.description == "expected-attention:budget=64,future=8,sinks=0,covariance=off,vnorm=off")
        for (text, expected) in [("expected-attention:ratio=1", "must be in (0, 1)"), ("expected-attention:future=0", "future"),
                                 ("expected-attention:covariance=maybe", "covariance must be one of on, off"),
                                 ("expected-attention:window=4", "unknown key 'window'")] {
            #expect {
                try PolicyCatalog.attention(text, trainingLength: 256)
            } throws: { error in
                guard case EngineError.invalidOption(_, let reason) = error else { return false }
                return reason.contains(expected)
            }
        }
    }

    /// Spellings stored before 2026-12-04 (session files) are rewritten to the meaning they had.
    @Test func upgradesSpellingsStoredWhenRatioWasKept() throws {
        #expect(try PolicyCatalog.upgradingKeptRatio("snapkv:ratio=0.75,window=8") == "snapkv:ratio=0.25,window=8")
        #expect(try PolicyCatalog.upgradingKeptRatio("h2o:ratio=0.3,variant=kvpress") == "h2o:ratio=0.7,variant=kvpress")
        for unchanged in ["knorm:ratio=0.25", "adakv:snapkv,ratio=0.5", "tova:budget=64", "full", "not a: policy"] {
            #expect(try PolicyCatalog.upgradingKeptRatio(unchanged) == unchanged)
        }
        #expect(throws: EngineError.self) { try PolicyCatalog.upgradingKeptRatio("tova:ratio=1") }
        // The rewritten ratio keeps what the old one kept: 30% of 1000 seen.
        let upgraded = try PolicyCatalog.upgradingKeptRatio("tova:ratio=0.3")
        #expect((try PolicyCatalog.attention(upgraded, trainingLength: 256) as? TOVAAttention)?.budget.entries(seen: 1000) == 300)
    }
}
