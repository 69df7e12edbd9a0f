import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SkeinEngine
import SkeinTokenizers

/// Something that continues a prompt greedily: the local engine or a remote endpoint.
public protocol CompletionBackend: Sendable {
    /// The greedy continuation of `prompt`, at most `maxTokens` tokens.
    func complete(_ prompt: String, maxTokens: Int) throws -> String
}

/// The local engine under one method.
public struct LocalBackend: CompletionBackend {
    public let model: TransformerModel
    public let policy: AttentionPolicy
    public let tokenizer: ModelTokenizer

    public init(model: TransformerModel, method: Method, tokenizer: ModelTokenizer) throws {
        (self.model, self.policy) = try method.apply(to: model)
        self.tokenizer = tokenizer
    }

    public func complete(_ prompt: String, maxTokens: Int) throws -> String {
        let request = GenerationRequest(promptTokens: tokenizer.encode(prompt), maxTokens: maxTokens,
                                        sampling: .init(temperature: 0), stopTokens: Set(tokenizer.eosTokenIds))
        let result = try Generator(model: model, policy: policy).generate(request)
        return try tokenizer.decode(result.tokens, skipSpecialTokens: true)
    }
}

/// Why an endpoint call failed.
public enum EndpointError: Error, CustomStringConvertible {
    case unreachable(url: String, reason: String)
    case badResponse(url: String, status: Int, body: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): return "\(url): cannot reach the endpoint: \(reason)"
        case .badResponse(let url, let status, let body): return "\(url): HTTP \(status): \(body.prefix(200))"
        }
    }
}

/// Any OpenAI-compatible server (vLLM, SGLang, `skein serve`), through its completions API.
public struct EndpointBackend: CompletionBackend {
    public let baseURL: URL
    public let modelName: String
    public let apiKey: String?
    public let timeout: TimeInterval

    public init(baseURL: URL, modelName: String, apiKey: String? = nil, timeout: TimeInterval = 600) {
        self.baseURL = baseURL
        self.modelName = modelName
        self.apiKey = apiKey
        self.timeout = timeout
    }

    public func complete(_ prompt: String, maxTokens: Int) throws -> String {
        let url = baseURL.appendingPathComponent("v1/completions")
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "model": modelName, "prompt": prompt, "max_tokens": maxTokens, "temperature": 0,
        ] as [String: Any])
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: (Data?, URLResponse?, Error?) = (nil, nil, nil)
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome = (data, response, error)
            semaphore.signal()
        }.resume()
        semaphore.wait()
        if let error = outcome.2 { throw EndpointError.unreachable(url: url.absoluteString, reason: error.localizedDescription) }
        let status = (outcome.1 as? HTTPURLResponse)?.statusCode ?? 0
        let body = outcome.0 ?? Data()
        guard status == 200,
              let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let text = choices.first?["text"] as? String else {
            throw EndpointError.badResponse(url: url.absoluteString, status: status, body: String(decoding: body, as: UTF8.self))
        }
        return text
    }
}
