/// An immutable pickled tuple (a reference, so the arena can take deep nests apart).
public final class PickleTuple: PickleContainer {
    public private(set) var items: [PickleValue]

    init(_ items: [PickleValue]) {
        self.items = items
    }

    func dropChildren() { items = [] }
}
