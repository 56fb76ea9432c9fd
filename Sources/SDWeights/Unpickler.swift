/// A restricted unpickler: it interprets the opcodes `torch.save` emits and builds plain data.
/// Globals are checked against `PickleGlobal` when read, calls are only the fixed set of
/// tensor/container constructors, and every read is bounds-checked, so a hostile file can
/// produce an error but never run code, crash or loop.
public struct Unpickler {
    let data: UnsafeRawBufferPointer
    let path: String
    /// Turns a persistent id (torch's storage tuple) into a value.
    let persistentLoad: (PickleValue) throws -> PickleValue

    public init(data: UnsafeRawBufferPointer, path: String,
                persistentLoad: @escaping (PickleValue) throws -> PickleValue) {
        self.data = data
        self.path = path
        self.persistentLoad = persistentLoad
    }

    /// Runs from `start` to the STOP opcode.
    public func load(from start: Int = 0) throws -> PickleDocument {
        let arena = PickleArena()
        var reader = Reader(data: data, position: start, path: path)
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        func bad(_ detail: String) -> WeightsError { .malformedPickle(path: path, detail: detail) }
        func pop() throws -> PickleValue {
            guard let value = stack.popLast() else { throw bad("stack underflow at byte \(reader.position)") }
            return value
        }
        func popMark() throws -> [PickleValue] {
            guard let mark = marks.popLast(), mark <= stack.count else { throw bad("missing MARK at byte \(reader.position)") }
            let items = Array(stack[mark...])
            stack.removeSubrange(mark...)
            return items
        }
        func top() throws -> PickleValue {
            guard let value = stack.last else { throw bad("stack underflow at byte \(reader.position)") }
            return value
        }
        func setItems(_ target: PickleValue, _ items: [PickleValue]) throws {
            guard case let .dict(dict) = target, items.count % 2 == 0 else {
                throw bad("SETITEM(S) on a non-dict at byte \(reader.position)")
            }
            var index = 0
            while index < items.count {
                dict.set(items[index], items[index + 1])
                index += 2
            }
        }
        func append(_ target: PickleValue, _ items: [PickleValue]) throws {
            guard case let .list(list) = target else { throw bad("APPEND(S) on a non-list at byte \(reader.position)") }
            list.items.append(contentsOf: items)
        }
        func global(_ module: String, _ name: String) throws -> PickleValue {
            guard let resolved = PickleGlobal.resolve(module: module, name: name) else {
                throw WeightsError.unsafePickleGlobal(path: path, global: "\(module).\(name)")
            }
            return .global(resolved)
        }

        while true {
            let opcodeOffset = reader.position
            let opcode = try reader.byte()
            switch opcode {
            case 0x80: _ = try reader.byte()  // PROTO
            case 0x95: _ = try reader.bytes(8)  // FRAME: framing is only a read-ahead hint
            case 0x2e:  // STOP
                return PickleDocument(value: try pop(), end: reader.position, arena: arena)
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP
            case 0x4e: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4a: stack.append(.int(Int(Int32(bitPattern: try reader.uint32()))))  // BININT
            case 0x4b: stack.append(.int(Int(try reader.byte())))  // BININT1
            case 0x4d: stack.append(.int(Int(try reader.uint16())))  // BININT2
            case 0x8a: stack.append(Unpickler.long(try reader.bytes(Int(try reader.byte()))))  // LONG1
            case 0x8b:  // LONG4
                let length = Int(Int32(bitPattern: try reader.uint32()))
                guard length >= 0 else { throw bad("negative LONG4 length") }
                stack.append(Unpickler.long(try reader.bytes(length)))
            case 0x49:  // INT (text; "01"/"00" are booleans)
                let line = try reader.line()
                if line == "01" || line == "00" { stack.append(.bool(line == "01")); break }
                guard let value = Int(line) else { throw bad("bad INT '\(line)'") }
                stack.append(.int(value))
            case 0x4c:  // LONG (text)
                var line = try reader.line()
                if line.hasSuffix("L") { line.removeLast() }
                let digits = line.hasPrefix("-") ? line.dropFirst() : Substring(line)
                guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw bad("bad LONG '\(line)'") }
                stack.append(Int(line).map(PickleValue.int) ?? .bigInt(line))
            case 0x47:  // BINFLOAT, big-endian
                stack.append(.float(Double(bitPattern: UInt64(bigEndian: try reader.uint64Raw()))))
            case 0x46:  // FLOAT (text)
                let line = try reader.line()
                guard let value = Double(line) else { throw bad("bad FLOAT '\(line)'") }
                stack.append(.float(value))
            case 0x58: stack.append(.string(try reader.utf8(Int(try reader.uint32()))))  // BINUNICODE
            case 0x8c: stack.append(.string(try reader.utf8(Int(try reader.byte()))))  // SHORT_BINUNICODE
            case 0x8d: stack.append(.string(try reader.utf8(try reader.length64())))  // BINUNICODE8
            case 0x56: stack.append(.string(try reader.rawUnicodeEscapeLine()))  // UNICODE
            case 0x55: stack.append(.string(try reader.latin1(Int(try reader.byte()))))  // SHORT_BINSTRING
            case 0x54:  // BINSTRING
                let length = Int(Int32(bitPattern: try reader.uint32()))
                guard length >= 0 else { throw bad("negative BINSTRING length") }
                stack.append(.string(try reader.latin1(length)))
            case 0x53:  // STRING (quoted text)
                var line = try reader.line()
                if line.count >= 2, let first = line.first, first == line.last, first == "'" || first == "\"" {
                    line = String(line.dropFirst().dropLast())
                }
                stack.append(.string(line))
            case 0x43: stack.append(.bytes(Array(try reader.bytes(Int(try reader.byte())))))  // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(try reader.bytes(Int(try reader.uint32())))))  // BINBYTES
            case 0x8e: stack.append(.bytes(Array(try reader.bytes(try reader.length64()))))  // BINBYTES8
            case 0x29: stack.append(.tuple(arena.adopt(PickleTuple([]))))  // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(arena.adopt(PickleTuple(try popMark()))))  // TUPLE
            case 0x85: stack.append(.tuple(arena.adopt(PickleTuple([try pop()]))))  // TUPLE1
            case 0x86:  // TUPLE2
                let second = try pop()
                stack.append(.tuple(arena.adopt(PickleTuple([try pop(), second]))))
            case 0x87:  // TUPLE3
                let third = try pop()
                let second = try pop()
                stack.append(.tuple(arena.adopt(PickleTuple([try pop(), second, third]))))
            case 0x5d: stack.append(.list(arena.adopt(PickleList())))  // EMPTY_LIST
            case 0x6c: stack.append(.list(arena.adopt(PickleList(try popMark()))))  // LIST
            case 0x7d: stack.append(.dict(arena.adopt(PickleDict())))  // EMPTY_DICT
            case 0x64:  // DICT
                let dict = PickleValue.dict(arena.adopt(PickleDict()))
                try setItems(dict, try popMark())
                stack.append(dict)
            case 0x8f: stack.append(.list(arena.adopt(PickleList())))  // EMPTY_SET (kept as a list)
            case 0x91: stack.append(.list(arena.adopt(PickleList(try popMark()))))  // FROZENSET
            case 0x90:  // ADDITEMS
                let items = try popMark()
                try append(try top(), items)
            case 0x61:  // APPEND
                let item = try pop()
                try append(try top(), [item])
            case 0x65:  // APPENDS
                let items = try popMark()
                try append(try top(), items)
            case 0x73:  // SETITEM
                let value = try pop()
                let key = try pop()
                try setItems(try top(), [key, value])
            case 0x75:  // SETITEMS
                let items = try popMark()
                try setItems(try top(), items)
            case 0x71: memo[Int(try reader.byte())] = try top()  // BINPUT
            case 0x72: memo[Int(try reader.uint32())] = try top()  // LONG_BINPUT
            case 0x70:  // PUT
                let line = try reader.line()
                guard let index = Int(line) else { throw bad("bad PUT index") }
                memo[index] = try top()
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68, 0x6a, 0x67:  // BINGET, LONG_BINGET, GET
                let index: Int
                if opcode == 0x68 {
                    index = Int(try reader.byte())
                } else if opcode == 0x6a {
                    index = Int(try reader.uint32())
                } else {
                    guard let parsed = Int(try reader.line()) else { throw bad("bad GET index") }
                    index = parsed
                }
                guard let value = memo[index] else { throw bad("memo entry \(index) read before it was written") }
                stack.append(value)
            case 0x63:  // GLOBAL
                let module = try reader.line()
                let name = try reader.line()
                stack.append(try global(module, name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard let moduleName = module.stringValue, let globalName = name.stringValue else {
                    throw bad("STACK_GLOBAL without string operands")
                }
                stack.append(try global(moduleName, globalName))
            case 0x51: stack.append(try persistentLoad(try pop()))  // BINPERSID
            case 0x50: stack.append(try persistentLoad(.string(try reader.line())))  // PERSID
            case 0x52:  // REDUCE
                let arguments = try pop()
                let callable = try pop()
                stack.append(try call(callable, arguments, at: opcodeOffset, arena: arena))
            case 0x81:  // NEWOBJ
                let arguments = try pop()
                let callable = try pop()
                stack.append(try call(callable, arguments, at: opcodeOffset, arena: arena))
            case 0x92:  // NEWOBJ_EX (keyword arguments are dropped: only opaque classes take them)
                _ = try pop()
                let arguments = try pop()
                let callable = try pop()
                stack.append(try call(callable, arguments, at: opcodeOffset, arena: arena))
            case 0x62:  // BUILD
                let state = try pop()
                let target = try top()
                if case let .opaque(object) = target { object.state = state }
                // Tensors and containers ignore BUILD state (parameter flags, empty __dict__).
            default:
                throw WeightsError.unsupportedPickleOpcode(path: path, opcode: opcode, offset: opcodeOffset)
            }
        }
    }

    /// Applies a whitelisted callable. Only tensor rebuilders and container constructors do
    /// anything; tolerated classes produce opaque records.
    func call(_ callable: PickleValue, _ arguments: PickleValue, at offset: Int, arena: PickleArena) throws -> PickleValue {
        func bad(_ detail: String) -> WeightsError {
            .malformedPickle(path: path, detail: "\(detail) at byte \(offset)")
        }
        guard case let .global(function) = callable else { throw bad("call of a non-callable value") }
        guard let args = arguments.sequence else { throw bad("call arguments are not a tuple") }
        switch function {
        case .orderedDict:
            let dict = arena.adopt(PickleDict())
            if let pairs = args.first?.sequence {
                for pair in pairs {
                    guard let kv = pair.sequence, kv.count == 2 else { throw bad("OrderedDict item is not a pair") }
                    dict.set(kv[0], kv[1])
                }
            }
            return .dict(dict)
        case .set:
            return .list(arena.adopt(PickleList(args.first?.sequence ?? [])))
        case .codecsEncode:
            // How protocols 0-2 spell bytes: _codecs.encode(text, "latin1").
            guard let text = args.first?.stringValue, args.count == 2, args[1].stringValue == "latin1",
                  text.unicodeScalars.allSatisfy({ $0.value < 256 }) else {
                throw bad("unsupported _codecs.encode arguments")
            }
            return .bytes(text.unicodeScalars.map { UInt8($0.value) })
        case .rebuildTensorV2, .rebuildTensor:
            guard args.count >= 4, case let .storage(storage) = args[0], let offset = args[1].intValue,
                  let shape = Unpickler.ints(args[2]), let strides = Unpickler.ints(args[3]),
                  shape.count == strides.count, offset >= 0 else {
                throw bad("malformed _rebuild_tensor arguments")
            }
            return .tensor(TorchTensorRef(storage: storage, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter, .rebuildParameterWithState:
            guard let data = args.first, case .tensor = data else { throw bad("_rebuild_parameter without a tensor") }
            return data
        case .rebuildFromTypeV2:
            // (function, type, args, state): rebuild with the inner function, ignore the subclass.
            guard args.count >= 3, case .global(.tensorType) = args[1] else {
                throw bad("_rebuild_from_type_v2 of an unsupported type")
            }
            return try call(args[0], args[2], at: offset, arena: arena)
        case let .opaque(name):
            return .opaque(arena.adopt(PickleOpaque(typeName: name, arguments: args)))
        case .tensorType, .storageType:
            throw bad("unexpected call of a torch type")
        }
    }

    /// A tuple/list of integers (shape, stride).
    static func ints(_ value: PickleValue) -> [Int]? {
        guard let items = value.sequence else { return nil }
        var result: [Int] = []
        for item in items {
            guard let number = item.intValue else { return nil }
            result.append(number)
        }
        return result
    }

    /// LONG1/LONG4 payload: little-endian two's complement of any length.
    static func long(_ bytes: UnsafeRawBufferPointer) -> PickleValue {
        if bytes.isEmpty { return .int(0) }
        if bytes.count > 8 { return .bigInt(decimal(littleEndian: Array(bytes))) }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        let bits = bytes.count * 8
        if bits < 64, bytes[bytes.count - 1] & 0x80 != 0 { value |= ~UInt64(0) << UInt64(bits) }
        return .int(Int(Int64(bitPattern: value)))
    }

    /// Decimal text of a little-endian two's-complement integer of any width.
    static func decimal(littleEndian bytes: [UInt8]) -> String {
        var magnitude = bytes
        let negative = (bytes.last ?? 0) & 0x80 != 0
        if negative {
            // Two's complement negation: invert, add one.
            var carry = 1
            for index in magnitude.indices {
                let sum = Int(~magnitude[index]) + carry
                magnitude[index] = UInt8(sum & 0xFF)
                carry = sum >> 8
            }
        }
        var digits: [Character] = []
        var number = Array(magnitude.reversed().drop(while: { $0 == 0 }))  // big-endian, no leading zeros
        while !number.isEmpty {
            var remainder = 0
            var quotient: [UInt8] = []
            for byte in number {
                let current = remainder * 256 + Int(byte)
                let digit = current / 10
                remainder = current % 10
                if !quotient.isEmpty || digit != 0 { quotient.append(UInt8(digit)) }
            }
            digits.append(Character(String(remainder)))
            number = quotient
        }
        let text = digits.isEmpty ? "0" : String(digits.reversed())
        return negative ? "-" + text : text
    }
}
