/// A mutable pickled dict keeping insertion order, indexed by string keys (state dicts use
/// only string keys; other keys are kept but can only be reached through `entries`).
public final class PickleDict: PickleContainer {
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringIndex: [String: Int] = [:]

    init() {}

    func dropChildren() {
        entries = []
        stringIndex = [:]
    }

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case let .string(text) = key {
            if let index = stringIndex[text] {
                entries[index].value = value
                return
            }
            stringIndex[text] = entries.count
        }
        entries.append((key, value))
    }

    public subscript(key: String) -> PickleValue? {
        guard let index = stringIndex[key] else { return nil }
        return entries[index].value
    }
}
