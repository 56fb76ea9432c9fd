/// A torch storage named by a checkpoint's persistent id: `data/<key>` in a zip checkpoint.
public struct TorchStorageRef: Sendable {
    public let key: String
    public let dtype: StorageType
    /// Element count declared in the pickle; the stored member must hold at least this much.
    public let count: Int
}
