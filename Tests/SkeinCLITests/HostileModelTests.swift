import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers
import Testing

/// Hand-made malformed models, in the release build that ships: each one ends in a typed error
/// (or, where the input is legal, a result) within 5 s. Never a signal, a hang or an
/// out-of-bounds read. Whole-program cases run the `skein` executable and check its exit status.
@Suite struct HostileModelTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures")
    static let limit: TimeInterval = 5

    /// Runs `body` and expects a typed error from one of Skein's parsers, within `limit` seconds.
    func expectTypedError(_ what: String, _ body: () throws -> Void) {
        let start = Date()
        do {
            try body()
            Issue.record("\(what): accepted")
        } catch is FormatError, is EngineError, is TokenizerError, is ChatTemplateError {
        } catch {
            Issue.record("\(what): untyped error \(type(of: error)): \(error)")
        }
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < Self.limit, "\(what) took \(seconds) s")
    }

    /// A copy of the fixture model folder `name` in a fresh temporary folder.
    func copyOfModel(_ name: String) throws -> URL {
        let folder = try temporaryFolder("hostile").appendingPathComponent(name)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("models/\(name)"), to: folder)
        return folder
    }

    // MARK: - safetensors

    /// The offsets where a safetensors file changes section: inside and after the length, inside
    /// and after the JSON header, and the start and end of every tensor's bytes.
    static func safetensorsBoundaries(_ data: Data) throws -> [Int] {
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian)
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        var cuts = [0, 1, 4, 7, 8, 9, 8 + headerLength / 2, 8 + headerLength - 1, 8 + headerLength]
        for case let entry as [String: Any] in header.values {
            guard let offsets = entry["data_offsets"] as? [Int] else { continue }
            cuts += [8 + headerLength + offsets[0] + 1, 8 + headerLength + offsets[1] - 1]
        }
        cuts.append(data.count - 1)
        return Array(Set(cuts.filter { $0 >= 0 && $0 < data.count })).sorted()
    }

    @Test func safetensorsTruncatedAtEverySectionBoundary() throws {
        let folder = try copyOfModel("llama-f32")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let file = folder.appendingPathComponent("model.safetensors")
        let whole = try Data(contentsOf: file)
        let cuts = try Self.safetensorsBoundaries(whole)
        #expect(cuts.count > 20)
        for cut in cuts {
            try whole.prefix(cut).write(to: file)
            expectTypedError("model.safetensors cut at byte \(cut) of \(whole.count)") { _ = try TransformerModel.load(directory: folder) }
        }
    }

    @Test func safetensorsWithOverlappingTensorsOrOverflowingDimsFailInEveryCommand() throws {
        let headers = [
            "overlap": #"{"model.embed_tokens.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"model.norm.weight":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            "overflow": #"{"model.embed_tokens.weight":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#,
            "overflow-offsets": #"{"model.embed_tokens.weight":{"dtype":"F32","shape":[2],"data_offsets":[9223372036854775800,9223372036854775807]}}"#,
        ]
        for (name, header) in headers.sorted(by: { $0.key < $1.key }) {
            let folder = try copyOfModel("llama-f32")
            defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
            var data = Data()
            var length = UInt64(header.utf8.count).littleEndian
            data.append(Data(bytes: &length, count: 8))
            data.append(Data(header.utf8))
            data.append(Data(count: 16))
            try data.write(to: folder.appendingPathComponent("model.safetensors"))
            expectTypedError("\(name) safetensors") { _ = try TransformerModel.load(directory: folder) }
            for command in [["inspect", folder.path], ["generate", "--model", folder.path, "--prompt-tokens", "1,2", "--max-tokens", "1"]] {
                let run = try SkeinRun(command, timeout: Self.limit)
                #expect(run.status == 65, "\(name): skein \(command[0]) exited \(run.status): \(run.stderr)")
                #expect(run.stderr.hasPrefix("Error: "), "\(name): \(run.stderr)")
            }
        }
    }

    // MARK: - GGUF

    /// The offsets where a GGUF file changes section: every field of the header, every metadata
    /// pair (and the middle of each array), every tensor info, the padding, every tensor's data.
    /// Also where each tensor's first dimension is stored, for the overflow case.
    static func ggufLayout(_ data: Data) throws -> (cuts: [Int], firstDimensionOffsets: [Int]) {
        var position = 0
        var cuts: [Int] = []
        func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard position + MemoryLayout<T>.size <= data.count else { throw CLITestError("GGUF walker ran off the file") }
            let value = data.subdata(in: position..<(position + MemoryLayout<T>.size)).withUnsafeBytes { $0.loadUnaligned(as: T.self) }
            position += MemoryLayout<T>.size
            return T(littleEndian: value)
        }
        func skipString() throws { position += Int(try read(UInt64.self)) }
        let scalarSizes: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]
        func skipValue(_ type: UInt32) throws {
            if let size = scalarSizes[type] { position += size; return }
            switch type {
            case 8: try skipString()
            case 9:
                let elementType = try read(UInt32.self)
                let count = Int(try read(UInt64.self))
                for index in 0..<count {
                    if index == count / 2 { cuts.append(position + 1) }
                    try skipValue(elementType)
                }
            default: throw CLITestError("GGUF walker: value type \(type)")
            }
        }
        _ = try read(UInt32.self); cuts.append(position)  // magic
        _ = try read(UInt32.self); cuts.append(position)  // version
        let tensorCount = Int(try read(UInt64.self)); cuts.append(position)
        let pairCount = Int(try read(UInt64.self)); cuts.append(position)
        for _ in 0..<pairCount {
            try skipString(); cuts.append(position)
            let type = try read(UInt32.self); cuts.append(position)
            try skipValue(type); cuts.append(position)
        }
        var dimensionOffsets: [Int] = []
        for _ in 0..<tensorCount {
            try skipString(); cuts.append(position)
            let dimensions = Int(try read(UInt32.self))
            dimensionOffsets.append(position)
            position += 8 * dimensions; cuts.append(position)
            _ = try read(UInt32.self)
            _ = try read(UInt64.self); cuts.append(position)
        }
        let file = try GGUFFile(bytes: data.withUnsafeBytes { UnsafeRawBufferPointer($0) }, path: "layout.gguf")
        cuts += [file.dataOffset - 1, file.dataOffset]
        for tensor in file.tensors { cuts += [file.dataOffset + tensor.offset + 1, file.dataOffset + tensor.offset + tensor.byteCount - 1] }
        cuts += [0, 1, data.count - 1]
        return (Array(Set(cuts.filter { $0 >= 0 && $0 < data.count })).sorted(), dimensionOffsets)
    }

    @Test func ggufTruncatedAtEverySectionBoundary() throws {
        let whole = try Data(contentsOf: Self.fixtures.appendingPathComponent("gguf/models/llama-f32.gguf"))
        let (cuts, _) = try Self.ggufLayout(whole)
        #expect(cuts.count > 100)
        let folder = try temporaryFolder("hostile-gguf")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("cut.gguf")
        for cut in cuts {
            try whole.prefix(cut).write(to: file)
            expectTypedError("llama-f32.gguf cut at byte \(cut) of \(whole.count)") {
                _ = try TransformerModel.load(path: file)
                _ = try ModelTokenizer(path: file)
            }
        }
    }

    @Test func ggufDimensionsOverflowingIntFailInEveryCommand() throws {
        let whole = try Data(contentsOf: Self.fixtures.appendingPathComponent("gguf/models/llama-f32.gguf"))
        let (_, dimensionOffsets) = try Self.ggufLayout(whole)
        let folder = try temporaryFolder("hostile-gguf-dims")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, offset) in dimensionOffsets.enumerated().filter({ $0.offset % 5 == 0 }) {
            for huge in [UInt64(1) << 62, UInt64.max, UInt64(1) << 33] {
                var data = whole
                withUnsafeBytes(of: huge.littleEndian) { data.replaceSubrange(offset..<(offset + 8), with: $0) }
                let file = folder.appendingPathComponent("dims-\(index)-\(huge).gguf")
                try data.write(to: file)
                expectTypedError("tensor \(index) with dimension \(huge)") { _ = try TransformerModel.load(path: file) }
                if index == 0 {
                    let run = try SkeinRun(["generate", "--model", file.path, "--prompt", "x", "--max-tokens", "1"], timeout: Self.limit)
                    #expect(run.status == 65 && run.stderr.hasPrefix("Error: "), "dimension \(huge): \(run.status) \(run.stderr)")
                }
            }
        }
    }

    // MARK: - Tokenizer and chat template

    @Test func aTokenizerWithATenMegabyteTokenLoadsAndEncodesInTime() throws {
        let source = Self.fixtures.appendingPathComponent("tokenizers/gpt2/tokenizer.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        var model = try #require(json["model"] as? [String: Any])
        var vocab = try #require(model["vocab"] as? [String: Int])
        let huge = String(repeating: "a", count: 10 << 20)
        vocab[huge] = vocab.count
        model["vocab"] = vocab
        json["model"] = model
        let data = try JSONSerialization.data(withJSONObject: json)
        let start = Date()
        do {
            let tokenizer = try Tokenizer(json: data)
            let ids = tokenizer.encode(String(repeating: "a", count: 1 << 20))
            #expect(!ids.isEmpty)
        } catch is TokenizerError {}
        #expect(Date().timeIntervalSince(start) < Self.limit)
    }

    @Test(arguments: [
        "{% for i in range(1000000000) %}x{% endfor %}",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "{% for m in messages %}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{% endfor %}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s.replace('x', 'xx') %}{% endfor %}{{ ns.s }}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}",
        "{{ 'a\nb' | indent(1000000000000) }}",
        "{{ messages | tojson(indent=1000000000000) }}",
        "{{ 'x' * 9223372036854775807 }}",
        "{{ [1] * 9223372036854775807 }}",
        "{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x | length }}",
        "{% set ns = namespace(x=none) %}{% for i in range(100000) %}{% set ns.x = {'a': ns.x} %}{% endfor %}{{ ns.x }}",
        "{% set ns = namespace(x=none) %}{% for i in range(100000) %}{% set ns.x = namespace(y=ns.x) %}{% endfor %}{{ ns.x }}",
        "{% set ns = namespace(x=1) %}{% set ns.me = ns %}{{ ns }}",
        "{% set a = namespace(x=1) %}{% set b = namespace(a=a) %}{% set a.b = b %}{{ a }}",
    ])
    func aChatTemplateThatLoopsEndsInATypedError(source: String) throws {
        expectTypedError("template \(source)") {
            let template = try ChatTemplate(source: source)
            _ = try template.render(messages: [["role": "user", "content": "hi"]], addGenerationPrompt: true)
        }
    }
}
