import CKernels

/// The machine's float32 FMA peak, measured rather than looked up: the CPUs this runs on vary
/// between sessions and clouds.
public enum MachinePeak {
    /// GFLOP/s of all OpenMP threads together.
    public static func measureGFLOPS(seconds: Double = 0.3) -> Double {
        sd_measure_fma_peak_gflops(seconds)
    }
}
