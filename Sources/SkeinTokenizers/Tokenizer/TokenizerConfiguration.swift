import Foundation

/// What `tokenizer_config.json` says about special tokens and chat formatting.
public struct TokenizerConfiguration: Sendable {
    public var bosToken: String?
    public var eosToken: String?
    public var padToken: String?
    /// nil when the file does not say; the tokenizer.json post-processor then decides.
    public var addBosToken: Bool?
    public var addEosToken: Bool?
    /// The default chat template source, if any.
    public var chatTemplate: String?
    /// Named templates (`tool_use`, `rag`, ...) when the file gives a list.
    public var namedChatTemplates: [String: String] = [:]

    public init() {}

    /// Reads `tokenizer_config.json`; a missing file gives an empty configuration.
    /// - Throws: `TokenizerError` naming the file and field for malformed content.
    public init(file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else {
            self.init()
            return
        }
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw TokenizerError.unreadable(file: file.path, reason: error.localizedDescription)
        }
        try self.init(json: data, file: file.path)
    }

    /// Parses the contents of a `tokenizer_config.json`; `file` names it in errors.
    public init(json: Data, file: String = "tokenizer_config.json") throws {
        let root = try JSONReader(file: file, data: json)
        bosToken = try Self.tokenContent(root, "bos_token")
        eosToken = try Self.tokenContent(root, "eos_token")
        padToken = try Self.tokenContent(root, "pad_token")
        addBosToken = root.isNull("add_bos_token") ? nil : try root.bool("add_bos_token", default: false)
        addEosToken = root.isNull("add_eos_token") ? nil : try root.bool("add_eos_token", default: false)
        if root.isNull("chat_template") { return }
        if let source = root.object["chat_template"] as? String {
            chatTemplate = source
        } else if let list = root.object["chat_template"] as? [Any] {
            for (index, entry) in list.enumerated() {
                guard let entry = entry as? [String: Any], let name = entry["name"] as? String,
                      let template = entry["template"] as? String else {
                    throw root.failure("chat_template[\(index)]", "expected {\"name\": ..., \"template\": ...}")
                }
                namedChatTemplates[name] = template
            }
            chatTemplate = namedChatTemplates["default"]
        } else {
            throw root.failure("chat_template", "expected a string or a list of named templates")
        }
    }

    /// `"<s>"` or `{"content": "<s>", ...}`.
    private static func tokenContent(_ root: JSONReader, _ key: String) throws -> String? {
        if root.isNull(key) { return nil }
        if let text = root.object[key] as? String { return text }
        if let object = root.object[key] as? [String: Any], let content = object["content"] as? String { return content }
        throw root.failure(key, "expected a string or an object with \"content\"")
    }
}
