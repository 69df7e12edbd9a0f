import Foundation
import SkeinTokenizers

/// Chat templates. Input: the template source, a NUL byte, then the JSON it is rendered with:
/// an array of messages, or an object with `messages`, `add_generation_prompt`, `tools`,
/// `bos_token`, `eos_token` and any other variables. Without a NUL (or with unreadable JSON)
/// the template is rendered with a fixed three-turn conversation.
func feedChatTemplate(_ raw: UnsafeRawBufferPointer) throws {
    let bytes = raw.bindMemory(to: UInt8.self)
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let template = try ChatTemplate(source: String(decoding: bytes[0..<split], as: UTF8.self))
    var messages: [TemplateValue] = [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"],
                                     ["role": "assistant", "content": "Hello."]]
    var addGenerationPrompt = true
    var tools: [TemplateValue]?
    var bos: String? = "<s>", eos: String? = "</s>"
    var extra: [String: TemplateValue] = [:]
    if split < bytes.count, let context = try? TemplateValue(jsonData: Data(bytes[(split + 1)...])) {
        switch context {
        case .array(let list): messages = list
        case .object(let pairs):
            for (key, value) in pairs {
                switch (key, value) {
                case ("messages", .array(let list)): messages = list
                case ("add_generation_prompt", .bool(let flag)): addGenerationPrompt = flag
                case ("tools", .array(let list)): tools = list
                case ("bos_token", .string(let text)): bos = text
                case ("bos_token", .null): bos = nil
                case ("eos_token", .string(let text)): eos = text
                case ("eos_token", .null): eos = nil
                default: extra[key] = value
                }
            }
        default: messages = [context]
        }
    }
    _ = try template.render(messages: messages, addGenerationPrompt: addGenerationPrompt, tools: tools,
                            bosToken: bos, eosToken: eos, extra: extra)
}
