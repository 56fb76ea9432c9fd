import Foundation

/// Turns byte counts into `HubProgress` reports: the rate since this transfer began, and no
/// more than five reports a second besides the first and the last.
struct ProgressMeter {
    let file: String
    let fileIndex: Int
    let fileCount: Int
    let total: Int64?
    private var startBytes: Int64
    private var start = Date()
    private var lastReport: Date?

    init(file: String, fileIndex: Int, fileCount: Int, total: Int64?, startBytes: Int64) {
        self.file = file
        self.fileIndex = fileIndex
        self.fileCount = fileCount
        self.total = total
        self.startBytes = startBytes
    }

    /// Starts the rate over (a retry, or a server that ignored the range and sent it all again).
    mutating func restart(at bytes: Int64) {
        startBytes = bytes
        start = Date()
    }

    /// A report for `bytes` done, or nil when the last one was too recent. The final report
    /// of a file whose size was not announced gives its size as the total.
    mutating func report(_ bytes: Int64, force: Bool = false, finished: Bool = false) -> HubProgress? {
        let now = Date()
        if !force {
            // the last report of a file is the caller's forced one, after the file is checked
            if let total, bytes >= total { return nil }
            if let lastReport, now.timeIntervalSince(lastReport) < 0.2 { return nil }
        }
        lastReport = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(bytes - startBytes) / elapsed : 0
        return HubProgress(file: file, fileIndex: fileIndex, fileCount: fileCount, bytesDone: bytes, bytesTotal: finished ? total ?? bytes : total,
                           bytesPerSecond: max(0, rate))
    }
}
