import Foundation

/// Thread-safe word -> ids cache. Like tokenizers, it stops growing at a fixed capacity and skips
/// long words, so memory stays bounded whatever text arrives. Keys are UTF-8 bytes, not Strings:
/// String equality is canonical equivalence, which would merge words tokenizers keeps apart.
final class BPECache: @unchecked Sendable {
    static let capacity = 10_000
    static let maxWordLength = 256

    private let lock = NSLock()
    private var storage: [[UInt8]: [Int32]] = [:]

    func ids(for word: [UInt8]) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return storage[word]
    }

    func store(_ ids: [Int32], for word: [UInt8]) {
        guard word.count <= Self.maxWordLength else { return }
        lock.lock()
        defer { lock.unlock() }
        if storage.count < Self.capacity { storage[word] = ids }
    }
}
