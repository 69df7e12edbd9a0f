import Foundation
import Testing

/// The README's claims about the command line, checked against the executable.
@Suite struct ReadmeTests {
    /// The README's error example ("Bad options give an error that lists ...") prints what it says.
    @Test func theBadOptionExampleIsWhatSkeinPrints() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.contains("`--attention dca:chunk=9999` →") })
        let quoted = line.split(separator: "`").map(String.init)
        let message = try #require(quoted.last { !$0.contains("→") && !$0.trimmingCharacters(in: .punctuationCharacters).isEmpty })
        let run = try SkeinRun(["generate", "--prompt", "x", "--attention", "dca:chunk=9999"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Error: \(message)"), "README says \(message.debugDescription); skein printed \(run.stderr.debugDescription)")
    }
}
