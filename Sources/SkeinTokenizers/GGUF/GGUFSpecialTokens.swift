import Foundation

/// Special token ids, add-token flags and chat templates of a Hugging Face tokenizer, found the
/// way gguf-py's `SpecialVocab` finds them (so a converted file matches convert_hf_to_gguf.py):
///
/// - tokenizer.json's post-processor: `TemplateProcessing` with a leading special token sets
///   add_bos, a trailing one add_eos (and may turn the old EOS into EOT), a separator in the pair
///   template add_sep; `RobertaProcessing` sets all three.
/// - tokenizer_config.json: `add_<role>_token` flags, `<role>_token` contents looked up among
///   tokenizer.json's added tokens (first match), `chat_template`. Without a config, no ids.
/// - config.json: `<role>_token_id` for roles still without an id.
struct GGUFSpecialTokens {
    var ids: [GGUFVocabulary.SpecialToken: Int] = [:]
    var add: [GGUFVocabulary.SpecialToken: Bool] = [:]
    var chatTemplate: String?
    var namedChatTemplates: [String: String] = [:]

    /// - Parameters:
    ///   - tokenizer: tokenizer.json's top-level object.
    ///   - config: tokenizer_config.json's object, if the file exists.
    ///   - modelConfig: config.json's object, if the file exists.
    ///   - alternateChatTemplate: chat_template.jinja / chat_template.json content, used when the
    ///     config has no `chat_template` key.
    ///   - vocabularySize: ids at or above it are ignored (nil: no limit).
    init(tokenizer: [String: Any], config: [String: Any]?, modelConfig: [String: Any]?,
         alternateChatTemplate: Any?, vocabularySize: Int?, file: String) throws {
        var config = config
        let hasConfig = config.map { !$0.isEmpty } ?? false
        var roles = ["bos", "eos", "unk", "sep", "pad", "cls", "mask"]
        var addFlags = [String: Bool]()
        var special = [String: Any?]()  // role -> the config's raw token entry (string or object)
        for role in ["bos", "cls", "eos", "sep"] { special[role] = Self.value(config?["\(role)_token"]) }
        if !Self.truthy(special["bos"] ?? nil), Self.truthy(special["cls"] ?? nil), hasConfig {
            special["bos"] = special["cls"] ?? nil
            config?["bos_token"] = special["bos"] ?? nil
        }
        if !Self.truthy(special["eos"] ?? nil), Self.truthy(special["sep"] ?? nil), hasConfig {
            special["eos"] = special["sep"] ?? nil
            config?["eos_token"] = special["eos"] ?? nil
        }
        func same(_ text: String?, _ roleNames: String...) -> Bool {
            guard let text else { return false }
            return roleNames.contains { (special[$0] ?? nil) as? String == text }
        }
        if let post = tokenizer["post_processor"] as? [String: Any], !post.isEmpty {
            let processors = (post["processors"] as? [[String: Any]]) ?? [post]
            for processor in processors {
                switch processor["type"] as? String {
                case "RobertaProcessing":
                    addFlags["bos"] = true
                    addFlags["eos"] = true
                    addFlags["sep"] = true
                    if !Self.truthy(special["cls"] ?? nil), hasConfig {
                        special["cls"] = (processor["cls"] as? [Any])?.first ?? special["bos"] ?? nil
                        config?["cls_token"] = special["cls"] ?? nil
                    }
                    if !Self.truthy(special["sep"] ?? nil), hasConfig {
                        special["sep"] = (processor["sep"] as? [Any])?.first ?? special["eos"] ?? nil
                        config?["sep_token"] = special["sep"] ?? nil
                    }
                case "TemplateProcessing":
                    let single = processor["single"] as? [[String: Any]] ?? []
                    let pair = processor["pair"] as? [[String: Any]] ?? []
                    var first: String?
                    var last: String?
                    if single.count > 1 {
                        first = Self.specialTokenName(single[0])
                        if let first {
                            if !hasConfig { special["bos"] = first }
                            addFlags["bos"] = same(first, "bos", "cls")
                        }
                        last = Self.specialTokenName(single[single.count - 1])
                        if let last {
                            if !hasConfig {
                                special["eos"] = last
                            } else if !same(last, "eos") {
                                // The old EOS becomes EOT (or EOM) and the trailing token the EOS.
                                for extra in ["eot", "eom"] where !roles.contains(extra) {
                                    roles.append(extra)
                                    config?["\(extra)_token"] = special["eos"] ?? nil
                                    break
                                }
                                special["eos"] = last
                                config?["eos_token"] = last
                            }
                            addFlags["eos"] = same(last, "eos")
                        }
                    }
                    if !pair.isEmpty {
                        let start = first != nil && Self.specialTokenName(pair[0]) == first ? 1 : 0
                        let stop = last != nil && Self.specialTokenName(pair[pair.count - 1]) == last ? pair.count - 1 : pair.count
                        let middle = start < stop ? Array(pair[start..<stop]) : []
                        if let a = middle.first, let b = middle.last, Self.sequenceName(a) == "A", Self.sequenceName(b) == "B",
                           middle.count > 2 {
                            let inner = Array(middle[1..<(middle.count - 1)])
                            var addSep = false
                            if let entry = Self.specialTokenName(inner[0]), same(entry, "sep", "eos"), last == nil { addSep = true }
                            if inner.count == 2, let entry = Self.specialTokenName(inner[1]), same(entry, "sep", "eos") { addSep = true }
                            addFlags["sep"] = addSep
                            if addSep, !Self.truthy(special["sep"] ?? nil), hasConfig { config?["sep_token"] = special["eos"] ?? nil }
                        }
                    }
                default:
                    continue
                }
            }
        }
        for role in ["bos", "eos", "sep"] {
            if let flag = addFlags[role], let key = GGUFVocabulary.SpecialToken(rawValue: role) { add[key] = flag }
        }
        var roleIds = [String: Int]()
        if let config, hasConfig {
            let template = config.keys.contains("chat_template") ? Self.value(config["chat_template"]) : alternateChatTemplate
            try readChatTemplate(template, file: file)
            let addedTokens = tokenizer["added_tokens"] as? [[String: Any]] ?? []
            for role in roles {
                if let flag = config["add_\(role)_token"] as? NSNumber, CFGetTypeIDIsBool(flag),
                   let key = GGUFVocabulary.SpecialToken(rawValue: role), key.addKey != nil {
                    add[key] = flag.boolValue
                }
                let content: String
                if let text = config["\(role)_token"] as? String {
                    content = text
                } else if let object = config["\(role)_token"] as? [String: Any], let text = object["content"] as? String {
                    content = text
                } else {
                    continue
                }
                let id = addedTokens.first { $0["content"] as? String == content }?["id"] as? NSNumber
                try Self.setId(&roleIds, role, id, vocabularySize: vocabularySize, file: file)
            }
        }
        if let modelConfig {
            for role in roles {
                var id = modelConfig["\(role)_token_id"] as? NSNumber
                if Self.value(modelConfig["\(role)_token_id"]) == nil, let text = modelConfig["text_config"] as? [String: Any] {
                    id = text["\(role)_token_id"] as? NSNumber
                }
                try Self.setId(&roleIds, role, id, vocabularySize: vocabularySize, file: file)
            }
        }
        for (role, id) in roleIds {
            if let key = GGUFVocabulary.SpecialToken(rawValue: role) { ids[key] = id }  // "cls" has no GGUF key
        }
    }

    private mutating func readChatTemplate(_ template: Any?, file: String) throws {
        if let text = template as? String {
            chatTemplate = text
        } else if let list = template as? [[String: Any]] {
            // gguf-py keeps letters and digits of a name, other characters become "_".
            for entry in list {
                guard let rawName = entry["name"] as? String, !rawName.isEmpty, let text = entry["template"] as? String else { continue }
                let name = String(rawName.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
                if name == "default" { chatTemplate = text } else { namedChatTemplates[name] = text }
            }
        }
    }

    /// gguf-py's `_set_special_token`: integer ids only, first one wins, out-of-range ids skipped.
    private static func setId(_ ids: inout [String: Int], _ role: String, _ value: NSNumber?, vocabularySize: Int?, file: String) throws {
        guard let value, !CFGetTypeIDIsBool(value), let id = Int(exactly: value.doubleValue) else { return }
        guard id >= 0 else {
            throw TokenizerError.invalidField(file: file, field: "\(role)_token", reason: "negative token id \(id)")
        }
        if let vocabularySize, id >= vocabularySize { return }
        if ids[role] == nil { ids[role] = id }
    }

    private static func specialTokenName(_ item: [String: Any]) -> String? {
        let name = (item["SpecialToken"] as? [String: Any])?["id"] as? String
        return name?.isEmpty == false ? name : nil
    }

    private static func sequenceName(_ item: [String: Any]) -> String? {
        (item["Sequence"] as? [String: Any])?["id"] as? String
    }

    /// JSON null as nil.
    private static func value(_ any: Any?) -> Any? { any is NSNull ? nil : any }

    /// Python truthiness of a JSON value.
    private static func truthy(_ any: Any?) -> Bool {
        switch value(any) {
        case nil: return false
        case let text as String: return !text.isEmpty
        case let object as [String: Any]: return !object.isEmpty
        case let list as [Any]: return !list.isEmpty
        default: return true
        }
    }
}
