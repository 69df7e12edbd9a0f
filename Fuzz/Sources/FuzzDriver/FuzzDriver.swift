import Foundation
@_exported import SkeinFuzzEntryPoints

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// Hands the process to libFuzzer's driver with `callback` as `LLVMFuzzerTestOneInput`.
///
/// SwiftPM gives every executable its own `main`, so the targets cannot use libFuzzer's; each
/// target's `@main` calls this instead (the driver reads the usual libFuzzer options from argv).
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runFuzzerDriver(&argc, &argv, callback))
}
