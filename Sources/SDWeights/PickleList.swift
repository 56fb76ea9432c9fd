/// A mutable pickled list or set (a reference, since the memo can share it while it is filled).
public final class PickleList {
    public var items: [PickleValue]

    public init(_ items: [PickleValue] = []) {
        self.items = items
    }
}
