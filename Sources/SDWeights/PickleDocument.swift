/// The result of one unpickling: the root value and the arena owning its containers. The
/// containers reachable from `value` are emptied when the document is freed, so read what you
/// need while holding the document.
public final class PickleDocument {
    public let value: PickleValue
    /// Offset just past the STOP opcode (pickles can follow one another, as in torch's legacy format).
    public let end: Int
    let arena: PickleArena

    init(value: PickleValue, end: Int, arena: PickleArena) {
        self.value = value
        self.end = end
        self.arena = arena
    }
}
