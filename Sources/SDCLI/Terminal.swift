import Foundation

/// stderr output: progress and status lines go there so stdout stays machine-readable.
enum Terminal {
    static func status(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
