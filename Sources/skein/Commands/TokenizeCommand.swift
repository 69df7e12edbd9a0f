import ArgumentParser
import Foundation
import SkeinTokenizers

/// `skein tokenize`: text to token ids with the model's tokenizer.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode text with a model's tokenizer.json.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The text to encode.")
    var text: String?

    @Option(help: "A UTF-8 file to encode instead of --text.")
    var file: String?

    @Flag(help: "Do not add the special tokens of the post-processor (e.g. BOS).")
    var noSpecialTokens = false

    @Flag(help: "Print {\"ids\": [...]} instead of comma-separated ids.")
    var json = false

    @Flag(help: "Print only the token count and the encoding speed (MB/s, one thread).")
    var time = false

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give exactly one of --text and --file") }
    }

    func run() throws {
        let tokenizer = try ModelTokenizer(path: modelOptions.resolvedURL())
        let input = try text ?? readTextFile(file!)
        let started = DispatchTime.now().uptimeNanoseconds
        let ids = tokenizer.encode(input, addSpecialTokens: !noSpecialTokens)
        if time {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let megabytes = Double(input.utf8.count) / 1e6
            print(String(format: "%d tokens from %.2f MB in %.3f s: %.2f MB/s", ids.count, megabytes, seconds, megabytes / seconds))
            return
        }
        let list = ids.map(String.init).joined(separator: json ? ", " : ",")
        print(json ? "{\"ids\": [\(list)]}" : list)
    }
}

/// `skein detokenize`: token ids back to text.
struct DetokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize",
        abstract: "Decode token ids with a model's tokenizer.json.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Comma-separated token ids, e.g. \"1,2,3\".")
    var ids: String

    @Flag(help: "Drop special tokens (BOS, EOS, ...) from the text.")
    var skipSpecialTokens = false

    func run() throws {
        let tokenizer = try ModelTokenizer(path: modelOptions.resolvedURL())
        print(try tokenizer.decode(parseTokenList(ids, option: "--ids"), skipSpecialTokens: skipSpecialTokens))
    }
}

/// The contents of a UTF-8 text file, or a missing-file error naming it.
func readTextFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw RuntimeError(.missingFile, "\(path): cannot read the file")
    }
    return String(decoding: data, as: UTF8.self)
}
