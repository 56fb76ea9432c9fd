import ArgumentParser
import Foundation

/// Turns any library error into one line on stderr and a non-zero exit, instead of a trap or
/// ArgumentParser's multi-line dump.
enum CLIError {
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            Terminal.status("error: \(error)")
            throw ExitCode(1)
        }
    }
}
