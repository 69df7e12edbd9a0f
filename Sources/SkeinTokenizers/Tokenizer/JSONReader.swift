import Foundation

/// Typed access to one JSON object of a tokenizer file; every failure names the field path.
struct JSONReader {
    let file: String
    let path: String
    let object: [String: Any]

    init(file: String, path: String, object: [String: Any]) {
        self.file = file
        self.path = path
        self.object = object
    }

    /// Parses `data` as a JSON object.
    init(file: String, data: Data) throws {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TokenizerError.invalidJSON(file: file, reason: "\(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizerError.invalidJSON(file: file, reason: "top level is not an object")
        }
        self.init(file: file, path: "", object: object)
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func failure(_ key: String, _ reason: String) -> TokenizerError {
        .invalidField(file: file, field: fieldPath(key), reason: reason)
    }

    /// True when the key is absent or JSON null.
    func isNull(_ key: String) -> Bool { object[key] == nil || object[key] is NSNull }

    func string(_ key: String) throws -> String {
        guard let value = object[key] as? String else { throw failure(key, "expected a string") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        if isNull(key) { return nil }
        return try string(key)
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        if isNull(key) { return fallback }
        guard let number = object[key] as? NSNumber, CFGetTypeIDIsBool(number) else {
            throw failure(key, "expected true or false")
        }
        return number.boolValue
    }

    func int(_ key: String, default fallback: Int) throws -> Int {
        if isNull(key) { return fallback }
        guard let number = object[key] as? NSNumber, !CFGetTypeIDIsBool(number),
              let value = Int(exactly: number.doubleValue) else {
            throw failure(key, "expected an integer")
        }
        return value
    }

    func child(_ key: String) throws -> JSONReader {
        guard let value = object[key] as? [String: Any] else { throw failure(key, "expected an object") }
        return JSONReader(file: file, path: fieldPath(key), object: value)
    }

    func optionalChild(_ key: String) throws -> JSONReader? {
        if isNull(key) { return nil }
        return try child(key)
    }

    func array(_ key: String) throws -> [Any] {
        guard let value = object[key] as? [Any] else { throw failure(key, "expected an array") }
        return value
    }

    /// The elements of an array of objects, each as a reader.
    func children(_ key: String) throws -> [JSONReader] {
        try array(key).enumerated().map { index, element in
            guard let object = element as? [String: Any] else {
                throw failure("\(key)[\(index)]", "expected an object")
            }
            return JSONReader(file: file, path: fieldPath("\(key)[\(index)]"), object: object)
        }
    }
}

/// Whether an `NSNumber` from JSONSerialization came from `true`/`false` (stored as a C char).
func CFGetTypeIDIsBool(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
}
