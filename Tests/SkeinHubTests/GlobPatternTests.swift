import SkeinFormats
import Testing

/// `--include` patterns: fnmatch's `*` and `?`, matched against whole paths.
@Suite struct GlobPatternTests {
    @Test(arguments: [
        ("*.json", "config.json", true),
        ("*.json", "onnx/config.json", true),  // `*` crosses `/`, as huggingface_hub's allow_patterns
        ("*.json", "config.json.bak", false),
        ("config.json", "config.json", true),
        ("config.json", "xconfig.json", false),
        ("model-?????-of-?????.safetensors", "model-00001-of-00002.safetensors", true),
        ("model-?????-of-?????.safetensors", "model-0001-of-00002.safetensors", false),
        ("*", "", true),
        ("?", "", false),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false),
        ("tokenizer*", "tokenizer_config.json", true),
    ])
    func matches(pattern: String, path: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(path) == expected)
    }
}
