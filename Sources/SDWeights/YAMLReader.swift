import Foundation

/// Reads the YAML subset that LDM/CompVis model configs (`v2-inference-v.yaml`, ...) use.
/// Anything beyond it (anchors, multi-line strings, tags) is reported as an error rather than
/// guessed at.
public struct YAMLReader {
    struct Line {
        let indent: Int
        let text: String
        let number: Int
    }

    let lines: [Line]
    let path: String
    var position = 0

    public static func parse(_ text: String, path: String) throws -> YAMLValue {
        var reader = YAMLReader(text: text, path: path)
        guard !reader.lines.isEmpty else { return .null }
        let value = try reader.block(indent: reader.lines[0].indent)
        if reader.position < reader.lines.count {
            throw WeightsError.badConfig(path: path, detail: "unexpected indentation at line \(reader.lines[reader.position].number)")
        }
        return value
    }

    init(text: String, path: String) {
        self.path = path
        var result: [Line] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let stripped = YAMLReader.stripComment(String(raw)).replacingOccurrences(of: "\t", with: "  ")
            let trimmed = stripped.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == "---" { continue }
            let indent = stripped.prefix(while: { $0 == " " }).count
            result.append(Line(indent: indent, text: trimmed, number: number + 1))
        }
        lines = result
    }

    /// Drops a `#` comment that is outside quotes and starts a word.
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, char) in line.enumerated() {
            if let open = quote {
                if char == open { quote = nil }
            } else if char == "'" || char == "\"" {
                quote = char
            } else if char == "#", previous == " " || previous == "\t" || offset == 0 {
                return String(line.prefix(offset))
            }
            previous = char
        }
        return line
    }

    func error(_ detail: String) -> WeightsError {
        let line = position < lines.count ? lines[position].number : (lines.last?.number ?? 0)
        return .badConfig(path: path, detail: "\(detail) at line \(line)")
    }

    /// A block node whose lines are indented exactly `indent`.
    mutating func block(indent: Int) throws -> YAMLValue {
        guard position < lines.count else { return .null }
        if lines[position].text.hasPrefix("- ") || lines[position].text == "-" {
            return try sequence(indent: indent)
        }
        return try mapping(indent: indent)
    }

    mutating func sequence(indent: Int) throws -> YAMLValue {
        var items: [YAMLValue] = []
        while position < lines.count, lines[position].indent == indent,
              lines[position].text.hasPrefix("- ") || lines[position].text == "-" {
            let line = lines[position]
            let rest = line.text == "-" ? "" : String(line.text.dropFirst(2)).trimmingCharacters(in: .whitespaces)
            position += 1
            if rest.isEmpty {
                items.append(try nested(deeperThan: indent))
            } else if YAMLReader.splitKey(rest) != nil, !rest.hasPrefix("[") && !rest.hasPrefix("{") && !rest.hasPrefix("\"") && !rest.hasPrefix("'") {
                // "- key: value" starts a mapping whose other keys are indented past the dash.
                let inner = indent + 2
                var synthetic = lines
                synthetic[position - 1] = Line(indent: inner, text: rest, number: line.number)
                var sub = YAMLReader(lines: synthetic, path: path, position: position - 1)
                items.append(try sub.mapping(indent: inner))
                position = sub.position
            } else {
                items.append(try YAMLReader.scalarOrFlow(rest, path: path, line: line.number))
            }
        }
        return .sequence(items)
    }

    init(lines: [Line], path: String, position: Int) {
        self.lines = lines
        self.path = path
        self.position = position
    }

    mutating func mapping(indent: Int) throws -> YAMLValue {
        var map: [String: YAMLValue] = [:]
        while position < lines.count, lines[position].indent == indent {
            let line = lines[position]
            guard let (key, rest) = YAMLReader.splitKey(line.text) else { throw error("expected 'key: value'") }
            position += 1
            if rest.isEmpty {
                // A block sequence may sit at the same indentation as its key.
                if position < lines.count, lines[position].indent == indent, lines[position].text.hasPrefix("- ") {
                    map[key] = try sequence(indent: indent)
                } else {
                    map[key] = try nested(deeperThan: indent)
                }
            } else {
                map[key] = try YAMLReader.scalarOrFlow(rest, path: path, line: line.number)
            }
        }
        return .mapping(map)
    }

    mutating func nested(deeperThan indent: Int) throws -> YAMLValue {
        guard position < lines.count, lines[position].indent > indent else { return .null }
        return try block(indent: lines[position].indent)
    }

    /// Splits `key: value` at the first `: ` (or a trailing `:`) outside quotes and brackets.
    static func splitKey(_ text: String) -> (String, String)? {
        var depth = 0
        var quote: Character?
        let chars = Array(text)
        for index in chars.indices {
            let char = chars[index]
            if let open = quote {
                if char == open { quote = nil }
                continue
            }
            switch char {
            case "'", "\"": quote = char
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            case ":" where depth == 0 && (index + 1 == chars.count || chars[index + 1] == " "):
                let key = unquote(String(chars[..<index]).trimmingCharacters(in: .whitespaces))
                let value = String(chars[(index + 1)...]).trimmingCharacters(in: .whitespaces)
                return key.isEmpty ? nil : (key, value)
            default: break
            }
        }
        return nil
    }

    static func unquote(_ text: String) -> String {
        if text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    static func scalarOrFlow(_ text: String, path: String, line: Int) throws -> YAMLValue {
        if text.hasPrefix("[") || text.hasPrefix("{") {
            var flow = FlowParser(chars: Array(text), index: 0)
            let value = try flow.value()
            flow.skipSpaces()
            guard flow.index == flow.chars.count, let parsed = value else {
                throw WeightsError.badConfig(path: path, detail: "malformed flow collection at line \(line)")
            }
            return parsed
        }
        if text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("!") || text == "|" || text == ">" {
            throw WeightsError.badConfig(path: path, detail: "unsupported YAML feature at line \(line)")
        }
        return scalar(text)
    }

    static func scalar(_ text: String) -> YAMLValue {
        switch text {
        case "~", "null", "Null", "NULL", "None": return .null
        default: return .scalar(unquote(text))
        }
    }

    /// `[a, [b, c], {k: v}]`.
    struct FlowParser {
        let chars: [Character]
        var index: Int

        mutating func skipSpaces() {
            while index < chars.count, chars[index] == " " { index += 1 }
        }

        mutating func value() throws -> YAMLValue? {
            skipSpaces()
            guard index < chars.count else { return nil }
            if chars[index] == "[" {
                index += 1
                var items: [YAMLValue] = []
                while true {
                    skipSpaces()
                    guard index < chars.count else { return nil }
                    if chars[index] == "]" { index += 1; return .sequence(items) }
                    guard let item = try value() else { return nil }
                    items.append(item)
                    skipSpaces()
                    guard index < chars.count else { return nil }
                    if chars[index] == "," { index += 1 }
                }
            }
            if chars[index] == "{" {
                index += 1
                var map: [String: YAMLValue] = [:]
                while true {
                    skipSpaces()
                    guard index < chars.count else { return nil }
                    if chars[index] == "}" { index += 1; return .mapping(map) }
                    let key = token(stopAt: [":", ",", "}"])
                    guard index < chars.count, chars[index] == ":" else { return nil }
                    index += 1
                    guard let item = try value() else { return nil }
                    map[unquote(key)] = item
                    skipSpaces()
                    guard index < chars.count else { return nil }
                    if chars[index] == "," { index += 1 }
                }
            }
            return scalar(token(stopAt: [",", "]", "}"]))
        }

        mutating func token(stopAt stops: Set<Character>) -> String {
            var text = ""
            var quote: Character?
            while index < chars.count {
                let char = chars[index]
                if let open = quote {
                    if char == open { quote = nil }
                } else if char == "'" || char == "\"" {
                    quote = char
                } else if stops.contains(char) {
                    break
                }
                text.append(char)
                index += 1
            }
            return text.trimmingCharacters(in: .whitespaces)
        }
    }
}
