import Foundation

/// Process resource figures for reports.
public enum ResourceUsage {
    /// Peak resident set size so far (Linux reports ru_maxrss in kilobytes).
    public static var peakResidentMegabytes: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
