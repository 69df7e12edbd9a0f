import Foundation
import SkeinFuzzEntryPoints
import Testing

/// Replays every fuzz target's committed corpus (Fuzz/Corpus/<target>/ and <target>-large/) through the same entry
/// points the libFuzzer targets call: each file parses or throws an error that says what is
/// wrong, within 5 seconds. A crash here is a crash the fuzzer found.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    /// The target's seeds, and its large seeds (`Fuzz/Corpus/<target>-large/`, when there is one):
    /// inputs too slow to fuzz from (tools/fuzz.sh does not pass them) but replayed here.
    static func files(_ target: FuzzTarget) -> [URL] {
        [target.rawValue, target.rawValue + "-large"].flatMap { name in
            let dir = corpus.appendingPathComponent(name)
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().map { dir.appendingPathComponent($0) }
        }
    }

    @Test(arguments: FuzzTarget.allCases) func corpusReplays(_ target: FuzzTarget) throws {
        let files = Self.files(target)
        #expect(files.count >= 3, "\(target): \(files.count) seeds")
        var accepted = 0, refused: [String] = []
        for file in files {
            let data = try Data(contentsOf: file)
            let start = ContinuousClock.now
            do {
                try target.feed(data)
                accepted += 1
            } catch {
                refused.append("\(file.lastPathComponent): \(error)")
                #expect(!"\(error)".isEmpty, "\(target)/\(file.lastPathComponent): an error without a message")
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .seconds(5), "\(target)/\(file.lastPathComponent) took \(elapsed)")
        }
        // The seeds hold inputs the parser accepts and inputs it refuses.
        #expect(accepted >= 1, "\(target): no seed was accepted; \(refused.prefix(3))")
        #expect(!refused.isEmpty, "\(target): no seed was refused")
    }
}
