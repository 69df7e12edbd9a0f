import SkeinFormats
import SkeinTensor

/// The tensor-type mixes `skein quantize --type` writes, named as llama.cpp names its file types.
public enum GGUFQuantScheme: String, CaseIterable, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", q8_0 = "Q8_0"
    case q4_0 = "Q4_0", q4_1 = "Q4_1", q5_0 = "Q5_0", q5_1 = "Q5_1"
    case q4_K_M = "Q4_K_M", q5_K_M = "Q5_K_M", q6_K = "Q6_K"

    /// llama.cpp's `general.file_type` (llama_ftype) value.
    public var fileType: UInt32 {
        switch self {
        case .f32: 0
        case .f16: 1
        case .q4_0: 2
        case .q4_1: 3
        case .q8_0: 7
        case .q5_0: 8
        case .q5_1: 9
        case .q4_K_M: 15
        case .q5_K_M: 17
        case .q6_K: 18
        case .bf16: 32
        }
    }

    private var baseType: GGMLType {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        case .q8_0: .q8_0
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        case .q5_0: .q5_0
        case .q5_1: .q5_1
        case .q4_K_M: .q4_K
        case .q5_K_M: .q5_K
        case .q6_K: .q6_K
        }
    }

    /// Which part of the model a matrix is, for the mixed schemes.
    public enum Role: Sendable {
        case output          // the logits matrix (the embedding when tied)
        case embedding       // token_embd of an untied model
        case attentionValue  // attn_v
        case feedForwardDown // ffn_down
        case other
    }

    /// The type of a matrix with rows of `rowLength` in layer `layer` of `layerCount`, following llama.cpp's
    /// rules: the output matrix gets 6 bits; the _M mixes give attn_v and ffn_down 6 bits in the first and
    /// last eighth of the layers and every third layer between; a K-quant that does not fit the row length
    /// (not a multiple of 256) falls back to Q5_0 (from Q4_K), Q5_1 (from Q5_K) or Q8_0 (from Q6_K).
    public func type(for role: Role, layer: Int, layerCount: Int, rowLength: Int) -> GGMLType {
        var type = baseType
        let quantized = ![.f32, .f16, .bf16].contains(type)
        switch role {
        case .output where quantized && type != .q8_0:
            type = .q6_K
        case .attentionValue, .feedForwardDown:
            let n = layerCount
            let moreBits = layer < n / 8 || layer >= 7 * n / 8 || (layer - n / 8) % 3 == 2
            if (self == .q4_K_M || self == .q5_K_M) && moreBits { type = .q6_K }
        default:
            break
        }
        if type.blockSize == 256 && rowLength % 256 != 0 {
            type = [.q4_K: GGMLType.q5_0, .q5_K: .q5_1, .q6_K: .q8_0][type]!
        }
        if rowLength % type.blockSize != 0 { type = .f16 }
        return type
    }
}
