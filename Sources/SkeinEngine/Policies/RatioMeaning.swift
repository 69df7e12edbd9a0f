import Foundation

/// Since 2026-12-04 every policy's `ratio` is kvpress's compression ratio, the fraction removed.
/// Before, h2o, tova, snapkv, sirllm, quest and tokenselect read it as the fraction kept (or read).
extension PolicyCatalog {
    /// The policies whose `ratio` meant the fraction kept before 2026-12-04.
    public static let formerlyKeptRatioNames = ["h2o", "tova", "snapkv", "sirllm", "quest", "tokenselect"]

    /// An attention spelling stored before 2026-12-04, rewritten to mean what it meant then:
    /// `snapkv:ratio=0.75` (75% kept) becomes `snapkv:ratio=0.25` (25% removed). Other spellings
    /// (no ratio, the kvpress presses, which always read it as removed) come back unchanged.
    ///
    /// A spelling that does not parse comes back unchanged (resolving it reports the error).
    ///
    /// - Throws: `EngineError.invalidOption` for a ratio outside (0, 1), such as `ratio=1`, which
    ///   kept everything and has no equivalent now.
    public static func upgradingKeptRatio(_ text: String) throws -> String {
        guard var spec = try? PolicySpec(parsing: text, what: "attention", allowsInner: true),
              formerlyKeptRatioNames.contains(spec.name),
              let index = spec.options.firstIndex(where: { $0.key == "ratio" }) else { return text }
        guard let kept = Double(spec.options[index].value), kept > 0, kept < 1 else {
            throw EngineError.invalidOption(name: "attention", reason: "'\(text)' was stored when ratio meant the fraction kept; "
                + "ratio=\(spec.options[index].value) has no equivalent now that ratio is the fraction removed, in (0, 1): give budget=N")
        }
        spec.options[index].value = String(format: "%.12g", 1 - kept)
        return spec.description
    }
}
