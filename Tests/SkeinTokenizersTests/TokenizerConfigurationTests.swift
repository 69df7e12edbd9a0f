import Foundation
import Testing
@testable import SkeinTokenizers

@Suite struct TokenizerConfigurationTests {
    @Test func readsTokensFlagsAndTemplates() throws {
        let json = """
        {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "add_bos_token": true,
         "chat_template": [{"name": "default", "template": "{{ bos_token }}"}, {"name": "tool_use", "template": "T"}]}
        """
        let config = try TokenizerConfiguration(json: Data(json.utf8))
        #expect(config.bosToken == "<s>")
        #expect(config.eosToken == "</s>")
        #expect(config.padToken == nil)
        #expect(config.addBosToken == true)
        #expect(config.addEosToken == nil)
        #expect(config.chatTemplate == "{{ bos_token }}")
        #expect(config.namedChatTemplates["tool_use"] == "T")
    }

    @Test func badFieldsNameTheField() {
        #expect { try TokenizerConfiguration(json: Data("{\"chat_template\": 3}".utf8), file: "c.json") } throws: {
            "\($0)".contains("c.json") && "\($0)".contains("chat_template")
        }
        #expect { try TokenizerConfiguration(json: Data("{\"add_bos_token\": \"yes\"}".utf8)) } throws: {
            "\($0)".contains("add_bos_token")
        }
    }
}
