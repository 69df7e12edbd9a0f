import Foundation

/// A parser of untrusted bytes, as a fuzz target (Fuzz/, tools/fuzz.sh) and a corpus replay
/// (the `FuzzCorpusReplayTests`) feed it: the bytes either parse or throw a typed error.
///
/// Each target's seed corpus is `Fuzz/Corpus/<rawValue>/`.
public enum FuzzTarget: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `SafetensorsFile.parse`: header length, JSON header, dtypes, shapes, offsets.
    case safetensors
    /// `GGUFFile(bytes:)`, `ModelConfiguration(gguf:)` and dequantization of every small tensor.
    case gguf
    /// `ModelConfiguration(json:)` (config.json) and `GenerationConfiguration(json:)`.
    case config
    /// tokenizer.json or tokenizer_config.json, then encoding, decoding and streaming (see `feedTokenizer`).
    case tokenizer
    /// A chat template's source and the JSON it is rendered with (see `feedChatTemplate`).
    case chatTemplate = "chat-template"
    /// A server session file (`SessionArchive.decode`, with the KV cache archive inside it).
    case sessionArchive = "session-archive"
    /// InfLLM's KV offload records: written, damaged on disk, read back (see `feedOffload`).
    case offload
    /// Bodies of `POST /v1/chat/completions` and `/v1/completions`, decoded and prepared.
    case requests

    public var description: String { rawValue }

    /// Feeds `bytes` to the target's parser.
    /// - Throws: the parser's typed error for bad input (the fuzzers ignore it; only crashes,
    ///   hangs and running out of memory are findings).
    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        switch self {
        case .safetensors: try feedSafetensors(bytes)
        case .gguf: try feedGGUF(bytes)
        case .config: try feedConfig(Data(bytes))
        case .tokenizer: try feedTokenizer(bytes)
        case .chatTemplate: try feedChatTemplate(bytes)
        case .sessionArchive: try feedSessionArchive(Data(bytes))
        case .offload: try feedOffload(bytes)
        case .requests: try feedRequests(Data(bytes))
        }
    }

    /// Feeds `data` (a corpus file's bytes) to the target's parser.
    public func feed(_ data: Data) throws {
        try data.withUnsafeBytes { try feed($0) }
    }
}

/// Runs every body, then throws the first error any of them threw.
func all(_ bodies: () throws -> Void...) throws {
    var first: Error?
    for body in bodies {
        do { try body() } catch { if first == nil { first = error } }
    }
    if let first { throw first }
}

/// Runs every body; throws the first error only when all of them threw (the input is one of
/// several formats, and is accepted when one of them reads it).
func any(_ bodies: () throws -> Void...) throws {
    var first: Error?
    var accepted = false
    for body in bodies {
        do { try body(); accepted = true } catch { if first == nil { first = error } }
    }
    if !accepted, let first { throw first }
}
