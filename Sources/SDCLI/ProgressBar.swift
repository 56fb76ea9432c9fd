import Foundation
import SDPipelines

/// One self-overwriting stderr line: step i/n, seconds per step, ETA.
final class ProgressBar {
    private let label: String
    private let interactive = isatty(STDERR_FILENO) != 0

    init(label: String) { self.label = label }

    func update(_ p: GenerationProgress) {
        let width = 24
        let filled = p.totalSteps > 0 ? width * p.step / p.totalSteps : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "%@ [%@] step %d/%d, %.2f s/it, ETA %@", label, bar, p.step, p.totalSteps,
                          p.secondsPerStep, Self.clock(p.remainingSeconds))
        if interactive {
            FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        } else {
            Terminal.status(line)
        }
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%02d:%02d", s / 60, s % 60)
    }
}
