import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Any OpenAI-compatible server (vLLM, SGLang, `skein serve`), through its completions API.
///
/// With a `method`, every request carries Skein's extension
/// `"skein": {"attention": ..., "rope": ..., "kv_type": ...}` and every response's `"skein"` echo
/// must say the same (compared by canonical spelling, or against the description of the policy
/// the local engine builds). An endpoint without the echo may only run the plain method (full
/// attention, config RoPE, f32): what any OpenAI server does. `probed()` checks this with one tiny
/// request before a sweep starts.
public struct EndpointBackend: CompletionBackend {
    public let baseURL: URL
    public let modelName: String
    public let apiKey: String?
    public let timeout: TimeInterval
    /// The method to ask for; nil sends no `"skein"` object and checks nothing.
    public let method: Method?
    /// What the local engine builds for `method` (its descriptions), to compare the echo with.
    public let expected: AppliedPolicy?
    /// What the endpoint applies, from the probe (nil before `probed()`).
    public private(set) var appliedPolicy: AppliedPolicy?

    /// A backend for `baseURL` (the server root, without /v1); call `probed()` before a sweep.
    public init(baseURL: URL, modelName: String, apiKey: String? = nil, timeout: TimeInterval = 600,
                method: Method? = nil, expected: AppliedPolicy? = nil) {
        self.baseURL = baseURL
        self.modelName = modelName
        self.apiKey = apiKey
        self.timeout = timeout
        self.method = method
        self.expected = expected
    }

    private var completionsURL: URL { baseURL.appendingPathComponent("v1/completions") }

    /// This backend after one tiny completion (1 token) that shows the endpoint applies `method`.
    /// - Throws: `EndpointError.policyNotApplied` (no echo, method not plain) or `.policyMismatch`.
    public func probed() throws -> EndpointBackend {
        var copy = self
        let echo = try send("Hello", maxTokens: 1).echo
        copy.appliedPolicy = try check(echo)
        return copy
    }

    /// The greedy completion; its echo must say what the probe's said.
    /// - Throws: `EndpointError` (unreachable, bad response, or a policy echo that differs).
    public func complete(_ prompt: String, maxTokens: Int) throws -> String {
        let (text, echo) = try send(prompt, maxTokens: maxTokens)
        let applied = try check(echo)
        if let known = appliedPolicy, let applied, known != applied {
            throw EndpointError.policyMismatch(url: completionsURL.absoluteString, field: "policy",
                                               asked: ExperimentCheck.describe(known), echoed: ExperimentCheck.describe(applied))
        }
        return text
    }

    /// What a response's echo says was applied, checked against what was asked.
    private func check(_ echo: [String: Any]?) throws -> AppliedPolicy? {
        guard let method else { return nil }
        let url = completionsURL.absoluteString
        guard let echo else {
            guard AppliedPolicy.isPlain(method) else { throw EndpointError.policyNotApplied(url: url, method: method.commandLine) }
            return AppliedPolicy(attention: "full", rope: "config", kvType: "f32", source: "unechoed")
        }
        // A server may echo the attention policy with its storage, as `StoredAttention` describes it.
        let attention = expected.map { [$0.attention, "\($0.attention) kv=\($0.kvType)"] } ?? []
        var values = [String]()
        for (field, asked, alternatives) in [("attention", method.attention, attention),
                                             ("rope", method.rope, expected.map { [$0.rope] } ?? []),
                                             ("kv_type", method.kvType, expected.map { [$0.kvType] } ?? [])] {
            let echoed = echo[field] as? String
            guard let echoed, AppliedPolicy.echo(echoed, means: asked, expected: alternatives) else {
                throw EndpointError.policyMismatch(url: url, field: field, asked: asked, echoed: echoed ?? "(not echoed)")
            }
            values.append(echoed)
        }
        return AppliedPolicy(attention: values[0], rope: values[1], kvType: values[2], source: "endpoint")
    }

    /// (text, the `"skein"` echo) of one greedy completion.
    private func send(_ prompt: String, maxTokens: Int) throws -> (text: String, echo: [String: Any]?) {
        var body: [String: Any] = ["model": modelName, "prompt": prompt, "max_tokens": maxTokens, "temperature": 0]
        if let method { body["skein"] = ["attention": method.attention, "rope": method.rope, "kv_type": method.kvType] }
        let request = try EndpointHTTP.request(completionsURL, apiKey: apiKey, timeout: timeout, json: body)
        let (status, data) = try EndpointHTTP.send(request)
        guard status == 200, let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let text = choices.first?["text"] as? String else {
            throw EndpointError.badResponse(url: completionsURL.absoluteString, status: status, body: String(decoding: data, as: UTF8.self))
        }
        return (text, object["skein"] as? [String: Any])
    }

    /// The model ids the endpoint's `/v1/models` lists.
    public static func models(baseURL: URL, apiKey: String?, timeout: TimeInterval = 60) throws -> [String] {
        let url = baseURL.appendingPathComponent("v1/models")
        let object = try EndpointHTTP.object(try EndpointHTTP.request(url, apiKey: apiKey, timeout: timeout))
        return (object["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    /// `given`, else the one model the endpoint lists.
    /// - Throws: `EndpointError.modelNotChosen` listing the models when there is not exactly one.
    public static func modelName(given: String?, baseURL: URL, apiKey: String?) throws -> String {
        if let given { return given }
        let models = try models(baseURL: baseURL, apiKey: apiKey)
        guard models.count == 1 else {
            throw EndpointError.modelNotChosen(url: baseURL.appendingPathComponent("v1/models").absoluteString, models: models)
        }
        return models[0]
    }
}
