/// A problem with the files or models given, found while running (after option parsing):
/// reported as one `error:` line rather than ArgumentParser's usage text.
struct InputError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
