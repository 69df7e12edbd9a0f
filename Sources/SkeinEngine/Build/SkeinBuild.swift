import Foundation

/// What built this binary and where it runs: recorded by every measurement (eval results,
/// benchmarks) and printed by `skein --version`.
public enum SkeinBuild {
    /// The release version of Skein.
    public static let version = "0.2.0"

    /// The git commit of the source tree this binary was built from, read from the tree's
    /// `.git` folder at run time (SwiftPM has no build-time stamp without a plugin); "unknown"
    /// when the binary runs away from its sources.
    public static let commit: String = {
        // #filePath is .../Sources/SkeinEngine/Build/SkeinBuild.swift: the root is four levels up.
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        return gitCommit(root: root) ?? "unknown"
    }()

    /// The CPU model as /proc/cpuinfo names it ("AMD EPYC", "Intel(R) Xeon(R) ..."), or "unknown".
    public static let cpu: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }()

    /// `version (commit)`, as `skein --version` prints it.
    public static var description: String { "\(version) (\(commit.prefix(12)))" }

    /// The commit HEAD names in `root/.git`: a detached hash, a loose ref or a packed ref.
    static func gitCommit(root: URL) -> String? {
        var git = root.appendingPathComponent(".git"), refs = git
        // A worktree's .git is a file naming its git folder; refs live in the common folder.
        if let link = try? String(contentsOf: git, encoding: .utf8), link.hasPrefix("gitdir: ") {
            git = URL(fileURLWithPath: link.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines))
            refs = git.deletingLastPathComponent().deletingLastPathComponent()
        }
        guard let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return isHash(head) ? head : nil }
        let ref = String(head.dropFirst(5))
        if let loose = try? String(contentsOf: refs.appendingPathComponent(ref), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), isHash(loose) {
            return loose
        }
        guard let packed = try? String(contentsOf: refs.appendingPathComponent("packed-refs"), encoding: .utf8) else { return nil }
        for line in packed.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[1] == ref, isHash(String(parts[0])) { return String(parts[0]) }
        }
        return nil
    }

    static func isHash(_ s: String) -> Bool { s.count == 40 && s.allSatisfy(\.isHexDigit) }
}
