/// How cached keys and values are stored: `--kv-type f32|f16|q8|q4[:residual=N,group=G]`.
///
/// q8 / q4 follow KIVI (Liu et al., 2024): keys are quantized per channel over groups of `group`
/// tokens (outlier channels get their own range), values per token over groups of `group`
/// channels; the most recent `residual` tokens stay at full precision. With residual 0 every token
/// is read quantized (the key group still filling is re-quantized from its f32 originals as
/// tokens join). f16 rounds every key and value to half precision.
public struct KVStorageType: Sendable, Equatable, CustomStringConvertible {
    public enum Format: String, Sendable, Equatable {
        case f32, f16, q8, q4
    }

    public var format: Format
    /// Most recent tokens kept at f32 (q8/q4 only).
    public var residual: Int
    /// Tokens per key group and channels per value group (q8/q4 only).
    public var group: Int

    public init(format: Format, residual: Int = 128, group: Int = 32) {
        self.format = format
        self.residual = residual
        self.group = group
    }

    public static let f32 = KVStorageType(format: .f32)

    public var isQuantized: Bool { format != .f32 }

    /// Quantization levels - 1 (255 for q8, 15 for q4); 0 for the float formats.
    var maxCode: Int {
        switch format {
        case .q8: 255
        case .q4: 15
        case .f32, .f16: 0
        }
    }

    public var description: String {
        switch format {
        case .f32, .f16: format.rawValue
        case .q8, .q4: "\(format.rawValue):residual=\(residual),group=\(group)"
        }
    }

    /// The formats and their keys for `skein policies`.
    public static let entries: [(name: String, options: String, summary: String)] = [
        ("f32", "-", "full precision (default)"),
        ("f16", "-", "half precision keys and values"),
        ("q8", "residual=128,group=32", "KIVI-style 8-bit: keys per channel, values per token, recent tokens f32"),
        ("q4", "residual=128,group=32", "KIVI-style 4-bit: keys per channel, values per token, recent tokens f32"),
    ]

    /// Parses `f32`, `f16`, `q8[:residual=N,group=G]` or `q4[:...]`.
    public init(parsing text: String) throws {
        let spec = try PolicySpec(parsing: text, what: "kv-type")
        guard let format = Format(rawValue: spec.name) else {
            throw EngineError.invalidOption(name: "kv-type", reason: "unknown type '\(spec.name)'; valid: f32, f16, q8, q4")
        }
        let quantized = format == .q8 || format == .q4
        let r = try OptionReader(spec, what: "kv-type", allowed: quantized ? ["residual", "group"] : [])
        self.init(format: format, residual: try r.int("residual", default: 128, minimum: 0), group: try r.int("group", default: 32))
    }
}
