import ArgumentParser
import Foundation
import SkeinEval

/// Throws when `file` exists and Skein did not write it (reports carry `HTMLReport.marker`).
func refuseForeign(_ file: URL) throws {
    if let existing = FileManager.default.contents(atPath: file.path),
       !String(decoding: existing, as: UTF8.self).contains(HTMLReport.marker) {
        throw ValidationError("\(file.path) exists and was not written by skein; choose another --out")
    }
}

/// Writes `html` as folder/report.html and `value` as pretty JSON in folder/`jsonName`, after
/// checking that an existing report.html is one Skein wrote. Returns the report's URL.
func writeReport(_ html: String, json value: some Encodable, named jsonName: String, in folder: URL) throws -> URL {
    let report = folder.appendingPathComponent("report.html")
    try refuseForeign(report)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(value).write(to: folder.appendingPathComponent(jsonName))
    try html.write(to: report, atomically: true, encoding: .utf8)
    return report
}
