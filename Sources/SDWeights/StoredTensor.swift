#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One tensor inside a weights file: its raw bytes in the file's own dtype, never converted
/// until a model asks, so f16 checkpoints stay f16 (and zero-copy) in memory.
public struct StoredTensor: @unchecked Sendable {
    public var name: String
    public let dtype: StorageType
    public let shape: [Int]
    /// Exactly `count * dtype.size` bytes; may be unaligned (safetensors data is packed).
    public let bytes: UnsafeRawBufferPointer
    /// Keeps `bytes` valid (a `MappedFile` or an `OwnedBuffer`).
    public let owner: AnyObject
    /// The file the tensor came from, for error messages.
    public let source: String

    /// Callers guarantee `bytes.count == shape.product * dtype.size`; loaders check it before calling.
    public init(name: String, dtype: StorageType, shape: [Int], bytes: UnsafeRawBufferPointer, owner: AnyObject,
                source: String = "") {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.owner = owner
        self.source = source
    }

    /// Element count: the product of `shape` (1 for a scalar).
    public var count: Int { StoredTensor.elementCount(shape) ?? 0 }

    /// Product of the dimensions, or nil when a dimension is negative or the product overflows.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var total = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Drops this tensor's whole pages of a memory-mapped file from the process's resident set
    /// (they stay in the page cache and come back on the next read): a model that has copied
    /// its weights into its own layout should not also count the file in its memory.
    public func releaseResidentPages() {
        guard owner is MappedFile, let base = bytes.baseAddress, bytes.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + bytes.count) / page * page
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, Int32(MADV_DONTNEED))
    }

    /// Same bytes under another name.
    public func renamed(_ newName: String) -> StoredTensor {
        var copy = self
        copy.name = newName
        return copy
    }

    /// Same bytes viewed with another shape of the same element count (e.g. a [C, C, 1, 1]
    /// 1x1 convolution kernel read as a [C, C] linear weight); nil when the counts differ.
    public func reshaped(_ newShape: [Int]) -> StoredTensor? {
        guard StoredTensor.elementCount(newShape) == count else { return nil }
        return StoredTensor(name: name, dtype: dtype, shape: newShape, bytes: bytes, owner: owner, source: source)
    }

    /// Rows `range` of the first dimension, zero-copy (rows are contiguous); nil when out of range.
    public func rows(_ range: Range<Int>, name newName: String) -> StoredTensor? {
        guard let first = shape.first, range.lowerBound >= 0, range.upperBound <= first else { return nil }
        let rowBytes = (StoredTensor.elementCount(Array(shape.dropFirst())) ?? 0) * dtype.size
        let slice = UnsafeRawBufferPointer(
            rebasing: bytes[(range.lowerBound * rowBytes)..<(range.upperBound * rowBytes)])
        var newShape = shape
        newShape[0] = range.count
        return StoredTensor(name: newName, dtype: dtype, shape: newShape, bytes: slice, owner: owner, source: source)
    }
}
