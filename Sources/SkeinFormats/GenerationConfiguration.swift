import Foundation

/// Sampling defaults a checkpoint ships in `generation_config.json` (all optional).
public struct GenerationConfiguration: Sendable, Equatable {
    public var bosTokenId: Int?
    public var eosTokenIds: [Int] = []
    public var doSample: Bool?
    public var temperature: Double?
    public var topK: Int?
    public var topP: Double?
    public var minP: Double?
    public var repetitionPenalty: Double?
    public var maxNewTokens: Int?

    public init() {}

    /// Reads `generation_config.json` from a model folder; nil when the folder has none.
    public static func load(directory: URL) throws -> GenerationConfiguration? {
        let url = directory.appendingPathComponent("generation_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FormatError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try GenerationConfiguration(json: data, file: url.path)
    }

    public init(json data: Data, file: String = "generation_config.json") throws {
        let fields = try JSONFields(data: data, file: file)
        bosTokenId = try fields.int("bos_token_id")
        eosTokenIds = try fields.ints("eos_token_id")
        doSample = try fields.bool("do_sample")
        temperature = try fields.double("temperature")
        topK = try fields.int("top_k")
        topP = try fields.double("top_p")
        minP = try fields.double("min_p")
        repetitionPenalty = try fields.double("repetition_penalty")
        maxNewTokens = try fields.int("max_new_tokens")
    }
}
