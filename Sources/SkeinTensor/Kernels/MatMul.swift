import SkeinKernels

/// The kernel instruction set (the products themselves are `WeightMatrix.apply`).
public enum MatMul {
    /// The instruction set the kernels run with: "avx512", "avx2" or "generic".
    public static var kernelLevel: String {
        switch skein_kernel_level() {
        case 3: "avx512"
        case 2: "avx2"
        default: "generic"
        }
    }

    /// Caps the instruction set of the calling thread and of the `Parallel` loops it starts (tests
    /// compare every level against the generic path).
    @discardableResult
    public static func setKernelLevel(_ name: String) -> String {
        skein_set_kernel_level(name == "avx512" ? 3 : name == "avx2" ? 2 : 0)
        return kernelLevel
    }
}
