/// A model named as on the Hugging Face Hub: `ORG/NAME`, optionally `@REVISION` (a branch, a
/// tag or a 40-hex commit; default `main`).
public struct ModelName: Sendable, Equatable, CustomStringConvertible {
    /// The owner of the repository (`Qwen` in `Qwen/Qwen2.5-0.5B`).
    public let organization: String
    /// The repository's name (`Qwen2.5-0.5B`).
    public let name: String
    /// The revision asked for, nil for the default branch.
    public let revision: String?

    /// Parses `ORG/NAME[@REVISION]`; nil for anything else (a path such as `./x`, `/x/y`,
    /// `a/b/c` or `models/x.gguf`).
    ///
    /// ORG and NAME use the Hub's characters (letters, digits, `-`, `_`, `.`), start with a
    /// letter or digit and hold no `..` or `--`. REVISION may hold `/` (`refs/pr/1`) but no `..` part.
    public init?(_ text: String) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let repository = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard repository.count == 2, repository.allSatisfy(Self.isRepositoryPart) else { return nil }
        let name = String(repository[1])
        // A name that reads as a file is a path the user meant (`models/x.gguf` not there).
        guard !name.lowercased().hasSuffix(".gguf"), !name.lowercased().hasSuffix(".safetensors") else { return nil }
        var revision: String?
        if parts.count == 2 {
            let text = String(parts[1])
            let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
            guard !text.isEmpty, pieces.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
                  !text.contains(where: { $0.isWhitespace || $0 == "\\" }) else { return nil }
            revision = text
        }
        self.organization = String(repository[0])
        self.name = name
        self.revision = revision
    }

    /// `ORG/NAME`, the repository id.
    public var repository: String { "\(organization)/\(name)" }

    /// The revision to read: the one asked for, else `main`.
    public var effectiveRevision: String { revision ?? "main" }

    /// True when the revision is a full commit hash, which names a snapshot folder directly.
    public var revisionIsCommit: Bool { revision.map(Self.isCommitHash) ?? false }

    public var description: String { revision.map { "\(repository)@\($0)" } ?? repository }

    /// 40 hexadecimal digits: a git commit as the Hub names snapshots.
    static func isCommitHash(_ text: String) -> Bool {
        text.utf8.count == 40 && text.allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    static func isRepositoryPart(_ part: Substring) -> Bool {
        guard let first = part.first, first.isASCII, first.isLetter || first.isNumber, !part.contains(".."), !part.contains("--") else { return false }
        return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
