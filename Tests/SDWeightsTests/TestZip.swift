import Foundation

/// Writes stored (uncompressed) zip archives, optionally with every size and offset moved to
/// zip64 records as torch does for files over 4 GiB, so the reader's zip64 path is exercised
/// without a 4 GiB fixture.
enum TestZip {
    static func make(_ entries: [(name: String, data: [UInt8])], zip64: Bool = false) -> Data {
        var out = Data()
        var central = Data()
        func u16(_ value: Int, _ data: inout Data) { var v = UInt16(value).littleEndian; withUnsafeBytes(of: &v) { data.append(contentsOf: $0) } }
        func u32(_ value: Int, _ data: inout Data) { var v = UInt32(truncatingIfNeeded: value).littleEndian; withUnsafeBytes(of: &v) { data.append(contentsOf: $0) } }
        func u64(_ value: Int, _ data: inout Data) { var v = UInt64(value).littleEndian; withUnsafeBytes(of: &v) { data.append(contentsOf: $0) } }
        for entry in entries {
            let offset = out.count
            let name = Array(entry.name.utf8)
            u32(0x0403_4b50, &out); u16(zip64 ? 45 : 20, &out); u16(0, &out); u16(0, &out)
            u16(0, &out); u16(0, &out); u32(0, &out)
            u32(zip64 ? 0xFFFF_FFFF : entry.data.count, &out); u32(zip64 ? 0xFFFF_FFFF : entry.data.count, &out)
            u16(name.count, &out); u16(zip64 ? 20 : 0, &out)
            out.append(contentsOf: name)
            if zip64 { u16(1, &out); u16(16, &out); u64(entry.data.count, &out); u64(entry.data.count, &out) }
            out.append(contentsOf: entry.data)

            u32(0x0201_4b50, &central); u16(45, &central); u16(zip64 ? 45 : 20, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u16(0, &central); u32(0, &central)
            u32(zip64 ? 0xFFFF_FFFF : entry.data.count, &central); u32(zip64 ? 0xFFFF_FFFF : entry.data.count, &central)
            u16(name.count, &central); u16(zip64 ? 28 : 0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central)
            u32(zip64 ? 0xFFFF_FFFF : offset, &central)
            central.append(contentsOf: name)
            if zip64 {
                u16(1, &central); u16(24, &central)
                u64(entry.data.count, &central); u64(entry.data.count, &central); u64(offset, &central)
            }
        }
        let centralOffset = out.count
        out.append(central)
        if zip64 {
            let recordOffset = out.count
            u32(0x0606_4b50, &out); u64(44, &out); u16(45, &out); u16(45, &out); u32(0, &out); u32(0, &out)
            u64(entries.count, &out); u64(entries.count, &out); u64(central.count, &out); u64(centralOffset, &out)
            u32(0x0706_4b50, &out); u32(0, &out); u64(recordOffset, &out); u32(1, &out)
        }
        u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out)
        u16(zip64 ? 0xFFFF : entries.count, &out); u16(zip64 ? 0xFFFF : entries.count, &out)
        u32(zip64 ? 0xFFFF_FFFF : central.count, &out); u32(zip64 ? 0xFFFF_FFFF : centralOffset, &out); u16(0, &out)
        return out
    }
}
