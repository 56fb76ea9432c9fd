/// A mutable pickled list or set (a reference, since the memo can share it while it is filled).
public final class PickleList: PickleContainer {
    public internal(set) var items: [PickleValue]

    init(_ items: [PickleValue] = []) {
        self.items = items
    }

    func dropChildren() { items = [] }
}
