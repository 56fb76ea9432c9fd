import Foundation

/// Entry point. libgomp (shared by oneDNN and our kernels) reads its settings once, when it is
/// loaded, so they are put in the environment and the process re-executes itself before any
/// work: passive waiting (spinning OpenMP workers starve everything else on a busy 2-core
/// machine: measured 2.6 s vs 0.007 s for a tiny U-Net step) and `--threads N`.
@main
enum SDMain {
    static func main() {
        prepareThreadingEnvironment()
        SDCommand.main()
    }

    private static func prepareThreadingEnvironment() {
        let marker = "SD_THREADING_PREPARED"
        guard getenv(marker) == nil else { return }
        setenv(marker, "1", 1)
        setenv("OMP_WAIT_POLICY", "passive", 0)
        let args = CommandLine.arguments
        if let i = args.firstIndex(of: "--threads"), i + 1 < args.count, let n = Int(args[i + 1]), n > 0 {
            setenv("OMP_NUM_THREADS", String(n), 1)
        }
        var cArgs = args.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArgs)
        // exec failed (no /proc): carry on with the inherited settings.
    }
}
