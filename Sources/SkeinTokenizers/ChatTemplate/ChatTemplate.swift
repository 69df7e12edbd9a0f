import Foundation

/// A parsed chat template: a Jinja2 subset that renders byte for byte what transformers'
/// `apply_chat_template` renders with Python jinja2 (sandboxed environment with
/// `trim_blocks`, `lstrip_blocks`, loop controls, `raise_exception`, `strftime_now`,
/// `namespace` and its own `tojson`).
///
/// Supported: `for` (with `if` filter, `else`, tuple targets, `loop.*`), `if/elif/else`, `set`
/// (names, `ns.attr`, block form), `macro` with defaults, `break`/`continue`, `raw`,
/// `generation`, `filter` blocks; Python operators, slicing, `str`/`dict` methods and the
/// filters and tests that published templates use. Not supported (typed error):
/// `include`/`extends`/`block`, `call` blocks, recursive loops, `%` string formatting,
/// non-string dict keys. Known differences: `|safe` does not make jinja2's `Markup`, so a
/// string added to it is not HTML-escaped; `tojson` of a `map`/`select` result succeeds
/// where jinja2 fails on the generator.
///
/// ```swift
/// let template = try ChatTemplate(source: jinjaSource)
/// let prompt = try template.render(
///     messages: [["role": "user", "content": "Hi"]], addGenerationPrompt: true, bosToken: "<s>")
/// ```
public struct ChatTemplate: Sendable {
    /// The template's statements.
    let body: [Node]

    /// Parses `source` once; rendering reuses the parse.
    /// - Throws: `ChatTemplateError.syntax` with the line number of the problem.
    public init(source: String) throws {
        body = try Parser.parse(source)
    }

    /// Renders the template.
    /// - Parameters:
    ///   - messages: Chat messages, usually objects with `role` and `content` (and `tool_calls`, ...).
    ///   - addGenerationPrompt: Whether to append the assistant turn header.
    ///   - tools: Tool schemas; `nil` is passed as `none` (defined), as transformers does.
    ///   - bosToken: Bound to `bos_token` when given; otherwise `bos_token` is undefined.
    ///   - eosToken: Bound to `eos_token` when given; otherwise `eos_token` is undefined.
    ///   - extra: More template variables (`date_string`, `enable_thinking`, ...); they override the above.
    /// - Throws: `ChatTemplateError.raised` when the template calls `raise_exception`, and other
    ///   `ChatTemplateError` cases where jinja2 would raise.
    public func render(
        messages: [TemplateValue], addGenerationPrompt: Bool, tools: [TemplateValue]? = nil,
        bosToken: String? = nil, eosToken: String? = nil, extra: [String: TemplateValue] = [:]
    ) throws -> String {
        var variables: [String: Value] = [
            "messages": .array(messages.map(Value.init)),
            "tools": tools.map { .array($0.map(Value.init)) } ?? .none,
            "documents": .none,
            "add_generation_prompt": .bool(addGenerationPrompt),
        ]
        if let bosToken { variables["bos_token"] = .string(bosToken) }
        if let eosToken { variables["eos_token"] = .string(eosToken) }
        for (name, value) in extra { variables[name] = Value(value) }
        let renderer = Renderer(variables: variables)
        var out = ""
        try renderer.execute(body, into: &out)
        return out
    }
}
