import Foundation

/// Ctrl-C stops between denoising steps with an error instead of killing the process, so
/// nothing is left half-written (files are written atomically only after a run completes).
enum Interrupt {
    struct Interrupted: Error, CustomStringConvertible {
        var description: String { "interrupted" }
    }

    nonisolated(unsafe) private static var requested: sig_atomic_t = 0

    static func install() {
        signal(SIGINT) { _ in
            if Interrupt.requested != 0 { _exit(130) }
            Interrupt.requested = 1
        }
    }

    static func check() throws {
        if requested != 0 { throw Interrupted() }
    }
}
