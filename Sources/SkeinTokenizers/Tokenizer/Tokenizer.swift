import Foundation

/// A Hugging Face `tokenizer.json` pipeline: added tokens, normalizer, pre-tokenizer, BPE
/// model, post-processor and decoder, producing the same ids and text as HF tokenizers.
public final class Tokenizer: Sendable {
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: any SubwordModel
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    let added: AddedVocabulary

    /// Loads `tokenizer.json`.
    /// - Throws: `TokenizerError` naming the file and the field or component at fault.
    public convenience init(file: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw TokenizerError.unreadable(file: file.path, reason: error.localizedDescription)
        }
        try self.init(json: data, file: file.path)
    }

    /// Parses the contents of a `tokenizer.json`; `file` names it in errors.
    public init(json: Data, file: String = "tokenizer.json") throws {
        let root = try JSONReader(file: file, data: json)
        normalizer = try root.optionalChild("normalizer").map(Normalizer.make)
        preTokenizer = try root.optionalChild("pre_tokenizer").map(PreTokenizer.make)
        model = try BPEModel(try root.child("model"))
        postProcessor = try root.optionalChild("post_processor").map(PostProcessor.make)
        decoder = try root.optionalChild("decoder").map(Decoder.make)
        added = try AddedVocabulary(root, normalizer: normalizer)
    }

    /// A tokenizer from its components (GGUF vocabularies build one this way).
    init(normalizer: Normalizer?, preTokenizer: PreTokenizer?, model: any SubwordModel,
         postProcessor: PostProcessor?, decoder: Decoder?, added: AddedVocabulary) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.added = added
    }

    /// Number of ids: the model's vocabulary plus added tokens.
    public var vocabularySize: Int {
        max(model.tokens.count, (added.contentById.keys.max() ?? -1) + 1)
    }

    /// The id of a token string (added tokens first), if any.
    public func id(of token: String) -> Int? {
        if let added = added.tokens.first(where: { $0.content == token }) { return added.id }
        return model.id(of: token)
    }

    /// The token string of an id, if any.
    public func token(of id: Int) -> String? {
        if let content = added.contentById[id] { return content }
        guard id >= 0, id < model.tokens.count, !model.tokens[id].isEmpty else { return nil }
        return model.tokens[id]
    }

    /// Whether `id` is a special added token (dropped by `decode(skipSpecialTokens: true)`).
    public func isSpecial(_ id: Int) -> Bool { added.specialIds.contains(id) }

    /// Token ids of `text`; `addSpecialTokens` applies the post-processor (e.g. a BOS token).
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var ids = [Int]()
        ids.reserveCapacity(scalars.count / 3)
        for segment in added.split(scalars[...], normalizedPass: false) {
            if let id = segment.tokenId {
                ids.append(id)
                continue
            }
            let atStart = segment.scalars.startIndex == 0
            let normalized = normalizer?.normalize(Array(segment.scalars)) ?? Array(segment.scalars)
            for part in added.split(normalized[...], normalizedPass: true) {
                if let id = part.tokenId {
                    ids.append(id)
                    continue
                }
                if part.scalars.isEmpty { continue }
                let piece = Piece(scalars: Array(part.scalars), atStart: atStart && part.scalars.startIndex == 0)
                for word in preTokenizer?.preTokenize([piece]) ?? [piece] {
                    model.tokenize(word.scalars, into: &ids)
                }
            }
        }
        if addSpecialTokens, let postProcessor { ids = postProcessor.process(ids) }
        return ids
    }

    /// The text of `ids`.
    /// - Throws: `TokenizerError.unknownTokenId` for an id outside the vocabulary.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> String {
        var tokens = [String]()
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = token(of: id) else { throw TokenizerError.unknownTokenId(id) }
            if skipSpecialTokens && isSpecial(id) { continue }
            tokens.append(token)
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens)
    }
}
