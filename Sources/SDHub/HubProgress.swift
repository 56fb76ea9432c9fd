import Foundation

/// One progress report for a file being downloaded; the hub reports a file's start, then at
/// most a few times a second, then its end.
public struct HubProgress: Sendable, Equatable {
    /// Repo-relative path (`unet/diffusion_pytorch_model.safetensors`).
    public let file: String
    /// 1-based position of this download among the files this call downloads.
    public let fileIndex: Int
    public let fileCount: Int
    /// Bytes on disk, including those of a resumed partial download.
    public let bytesDone: Int64
    /// Expected size, when the hub announced one.
    public let bytesTotal: Int64?
    /// Transfer rate of this run (resumed bytes excluded).
    public let bytesPerSecond: Double

    public init(file: String, fileIndex: Int, fileCount: Int, bytesDone: Int64, bytesTotal: Int64?, bytesPerSecond: Double) {
        self.file = file
        self.fileIndex = fileIndex
        self.fileCount = fileCount
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.bytesPerSecond = bytesPerSecond
    }

    /// Seconds left at the current rate; nil while the rate or the size is unknown.
    public var secondsRemaining: Double? {
        guard let bytesTotal, bytesPerSecond > 0 else { return nil }
        return Double(max(0, bytesTotal - bytesDone)) / bytesPerSecond
    }

    public var isComplete: Bool { bytesTotal.map { bytesDone >= $0 } ?? false }
}
