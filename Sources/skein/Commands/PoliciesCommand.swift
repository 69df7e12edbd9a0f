import ArgumentParser
import SkeinEngine

/// `skein policies`: every attention policy and RoPE scaling with its option keys and defaults.
struct PoliciesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policies",
        abstract: "List the attention policies, KV storage types and RoPE scalings with their options and defaults.")

    @Option(help: "Show defaults for this training length instead of in terms of L.")
    var trainingLength: Int?

    func run() throws {
        print("Attention policies (--attention NAME[:key=value,...]); L = the model's training length:")
        for entry in PolicyCatalog.attentionEntries(trainingLength: trainingLength) {
            let options = entry.options.map { "\($0.key)=\($0.defaultValue)" }.joined(separator: ",")
            print("  \(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(options.isEmpty ? "-" : options)")
            print("  \(String(repeating: " ", count: 12)) \(entry.summary)")
        }
        print("\nKV storage types (--kv-type NAME[:key=value,...]); combine with any policy that keeps no extra key channels:")
        for entry in KVStorageType.entries {
            print("  \(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.options)")
            print("  \(String(repeating: " ", count: 12)) \(entry.summary)")
        }
        print("\nRoPE scalings (--rope NAME[:key=value,...]):")
        for entry in RopeOverride.entries {
            let options = entry.options.map { "\($0.key)=\($0.defaultValue)" }.joined(separator: ",")
            print("  \(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(options.isEmpty ? "-" : options)")
            print("  \(String(repeating: " ", count: 12)) \(entry.summary)")
        }
    }
}
