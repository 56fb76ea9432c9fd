import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Address space for real-size tensors that are never read: an anonymous read-only mapping
/// costs no memory until touched, so tests can build a full SD checkpoint's tensor table.
final class VirtualBuffer {
    let bytes: UnsafeRawBufferPointer

    init?(count: Int) {
        guard let base = mmap(nil, count, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              base != MAP_FAILED else { return nil }
        bytes = UnsafeRawBufferPointer(start: base, count: count)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}
