import Foundation
import SkeinFormats

/// A content fingerprint of a model folder (or a single GGUF file), recorded with every result
/// so results of different checkpoints are never mixed.
///
/// SHA-256 over, for each file in name order: its name, its size, and
/// - config.json, generation_config.json, tokenizer.json, tokenizer_config.json: every byte;
/// - weight files (`*.safetensors`, `*.gguf`, `*.bin`): the first and the last MiB.
///
/// Modification times and paths do not enter, so a copy on another node hashes the same. Reading
/// at most 2 MiB per weight file keeps it cheap on a 100 GB checkpoint; the first MiB holds the
/// safetensors/GGUF header (tensor names, shapes, offsets, quantization types), the last MiB real
/// weights. It misses only a change confined to the middle of a weight file that keeps its size.
public enum ModelFingerprint {
    /// Bytes read from each end of a weight file.
    public static let sampleBytes = 1 << 20

    static let wholeFiles: Set<String> = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]
    static let weightExtensions: Set<String> = ["safetensors", "gguf", "bin"]

    /// `sha256:<hex>` of the model at `url`.
    /// - Throws: `EvalError.unreadable` naming a file that cannot be read.
    public static func of(_ url: URL) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw EvalError.unreadable(path: url.path, reason: "no such file or folder")
        }
        let files: [URL]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            files = names.sorted().filter { wholeFiles.contains($0) || weightExtensions.contains(($0 as NSString).pathExtension) }
                .map { url.appendingPathComponent($0) }
        } else {
            files = [url]
        }
        var hash = SHA256()
        for file in files {
            try add(file, whole: wholeFiles.contains(file.lastPathComponent), to: &hash)
        }
        return "sha256:" + hash.hexDigest
    }

    /// `sha256:<hex>` of a whole file (the haystack or a custom task's data).
    public static func ofFile(_ url: URL) throws -> String {
        var hash = SHA256()
        try add(url, whole: true, to: &hash)
        return "sha256:" + hash.hexDigest
    }

    private static func add(_ file: URL, whole: Bool, to hash: inout SHA256) throws {
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw EvalError.unreadable(path: file.path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            hash.update(Array("\(file.lastPathComponent)\0\(size)\0".utf8))
            try handle.seek(toOffset: 0)
            if whole || size <= UInt64(2 * sampleBytes) {
                hash.update(try handle.readToEnd() ?? Data())
            } else {
                hash.update(try handle.read(upToCount: sampleBytes) ?? Data())
                try handle.seek(toOffset: size - UInt64(sampleBytes))
                hash.update(try handle.read(upToCount: sampleBytes) ?? Data())
            }
        } catch {
            throw EvalError.unreadable(path: file.path, reason: error.localizedDescription)
        }
    }
}
