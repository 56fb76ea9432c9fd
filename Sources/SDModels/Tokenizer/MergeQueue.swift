/// Min-heap of candidate merges ordered by (rank, position), the order in which tokenizers' BPE
/// applies them; keeps long words O(n log n).
struct MergeQueue {
    struct Entry {
        var rank: Int32
        var position: Int32
        var newId: Int32
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }

    mutating func reserve(_ count: Int) { entries.reserveCapacity(count) }

    @inline(__always)
    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.position < b.position
    }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let last = entries.popLast() else { return nil }
        guard !entries.isEmpty else { return last }
        let top = entries[0]
        entries[0] = last
        var parent = 0
        let count = entries.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && Self.precedes(entries[right], entries[left]) ? right : left
            guard Self.precedes(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            parent = child
        }
        return top
    }
}
