import Foundation
import SkeinDemoModel
import SkeinTokenizers
import SkeinEngine
import Testing
@testable import SkeinServer

/// Stop strings over streamed tokens, and which caches a prompt may reuse.
struct TextAssemblerTests {
    let tokenizer: ModelTokenizer

    init() throws { tokenizer = try ModelTokenizer(folder: DemoModel.folder!) }

    /// Streams `text`'s tokens through an assembler; returns the pieces and whether a stop matched.
    func stream(_ text: String, stops: [String]) -> (pieces: [String], stopped: Bool) {
        var assembler = TextAssembler(tokenizer: tokenizer.tokenizer, stops: stops)
        var pieces = tokenizer.encode(text, addSpecialTokens: false).map { assembler.append($0) }
        pieces.append(assembler.finish())
        return (pieces, assembler.stopped)
    }

    @Test(arguments: [
        ("And God said, Let there be light", ["Let"], "And God said, "),
        ("And God said, Let there be light", ["light", "said"], "And God "),
        ("And God said, Let there be light", ["d, L"], "And God sai"),
        ("And God said, Let there be light", ["darkness"], "And God said, Let there be light"),
        ("The number is 4817 and more", ["17 "], "The number is 48"),
    ])
    func textEndsBeforeTheFirstStopString(text: String, stops: [String], expected: String) {
        let (pieces, stopped) = stream(text, stops: stops)
        #expect(pieces.joined() == expected)
        #expect(stopped == (expected != text))
    }

    /// Text that might start a stop string is held back, never emitted and then taken back;
    /// once ruled out, it comes out.
    @Test func aPossibleStopPrefixIsHeldBack() {
        var assembler = TextAssembler(tokenizer: tokenizer.tokenizer, stops: ["there be"])
        var emitted = ""
        for id in tokenizer.encode("Let there be light", addSpecialTokens: false) {
            emitted += assembler.append(id)
            #expect(!emitted.contains("there"), "emitted '\(emitted)', which the stop string later takes back")
        }
        emitted += assembler.finish()
        #expect(emitted == "Let ")
        #expect(stream("Let there is", stops: ["there be"]).pieces.joined() == "Let there is")
    }

    @Test func cachesAreReusedOnlyWhereTheyAreValid() throws {
        let model = try ModelHost(folder: DemoModel.folder!).base
        let tokens = Array(1...20)
        let full = model.makeCache()
        _ = try model.forward(tokens, cache: full)
        // Extends: everything reused, at least one token left to run.
        #expect(CacheReuse.reuse(tokens: tokens, cache: full, for: tokens + [5, 6], copying: true)?.covered == 20)
        #expect(CacheReuse.reuse(tokens: tokens, cache: full, for: tokens, copying: true)?.covered == 19)
        // Diverges at 12: a cache holding every token is cut back.
        let diverged = Array(tokens[..<12]) + [99, 98]
        let cut = try #require(CacheReuse.reuse(tokens: tokens, cache: full, for: diverged, copying: true))
        #expect(cut.covered == 12 && cut.cache.count == 12 && full.count == 20)
        #expect(CacheReuse.reuse(tokens: tokens, cache: full, for: [7, 7, 7], copying: true) == nil)
        // A cache a window policy has evicted from cannot be cut back.
        let window = WindowAttention(size: 4)
        let evicted = model.makeCache(for: window)
        evicted.evictionBatch = 1
        _ = try model.forward(tokens, cache: evicted, policy: window)
        #expect(!evicted.holdsEveryToken)
        #expect(CacheReuse.reuse(tokens: tokens, cache: evicted, for: diverged, copying: true) == nil)
        #expect(CacheReuse.reuse(tokens: tokens, cache: evicted, for: tokens + [1], copying: true)?.covered == 20)
    }
}
