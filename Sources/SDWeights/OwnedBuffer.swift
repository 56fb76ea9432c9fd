/// Heap memory owned by tensors that could not point into a file (copies of strided torch
/// tensors, tensors built in memory).
public final class OwnedBuffer: @unchecked Sendable {
    public let bytes: UnsafeMutableRawBufferPointer

    public init(count: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// The first `count` bytes (the allocation is never empty, so an empty tensor still has a base).
    public func prefix(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[0..<count])
    }

    deinit { bytes.deallocate() }
}
