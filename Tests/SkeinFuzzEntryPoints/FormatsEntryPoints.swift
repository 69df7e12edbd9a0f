import Foundation
import SkeinFormats

/// Safetensors: the whole input is a file image.
func feedSafetensors(_ bytes: UnsafeRawBufferPointer) throws {
    _ = try SafetensorsFile.parse(bytes, file: "fuzz.safetensors")
}

/// GGUF: the whole input is a file image; the configuration is read and tensors of up to 1 MiB
/// are dequantized (their data bounds were checked by the parser).
func feedGGUF(_ bytes: UnsafeRawBufferPointer) throws {
    let file = try GGUFFile(bytes: bytes, path: "fuzz.gguf")
    try all({ _ = try ModelConfiguration(gguf: file) }, {
        for info in file.tensors where info.byteCount <= 1 << 20 {
            _ = info.type.dequantize(file.data(of: info), count: info.elementCount)
        }
    })
}

/// config.json and generation_config.json: both parsers read the same bytes (accepted when one does).
func feedConfig(_ data: Data) throws {
    try any({ _ = try ModelConfiguration(json: data, file: "fuzz/config.json") },
            { _ = try GenerationConfiguration(json: data, file: "fuzz/generation_config.json") })
}
