import Foundation
import XCTest
@testable import SDModels

/// Token ids must equal transformers 5.24 `CLIPTokenizer` exactly (fixtures from
/// scripts/make-tokenizer-fixtures.py), for folder-loaded and bundled tokenizers.
final class CLIPTokenizerTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")

    struct Case {
        let text: String
        let expected: [String: [Int]]
    }

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("prompts.json")),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = root["cases"] as? [[String: Any]] else { return [] }
        return cases.compactMap { entry in
            guard let text = entry["text"] as? String else { return nil }
            var expected: [String: [Int]] = [:]
            for (key, value) in entry where key != "text" {
                expected[key] = (value as? [NSNumber])?.map(\.intValue)
            }
            return Case(text: text, expected: expected)
        }
    }()

    private func check(_ tokenizer: CLIPTokenizer, against name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(Self.cases.count, 40, "prompts.json missing or short", file: file, line: line)
        for testCase in Self.cases {
            guard let padded = testCase.expected[name], let unpadded = testCase.expected[name + "_unpadded"] else {
                XCTFail("no \(name) ids for \(testCase.text.debugDescription)", file: file, line: line)
                continue
            }
            let result = tokenizer.tokenize(testCase.text)
            XCTAssertEqual(result.ids.count, 77, file: file, line: line)
            XCTAssertEqual(result.ids, padded, "\(name): \(testCase.text.debugDescription)", file: file, line: line)
            XCTAssertEqual(tokenizer.encode(testCase.text), unpadded, "\(name) unpadded: \(testCase.text.debugDescription)",
                           file: file, line: line)
        }
    }

    private func folder(_ name: String) -> URL { Self.fixtures.appendingPathComponent(name) }

    /// A temporary copy of sd1/'s vocab.json and merges.txt with `files` (name -> contents) beside them.
    private func temporaryFolder(_ files: [String: Data], vocabAndMerges: Bool = true) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clip-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        if vocabAndMerges {
            for name in ["vocab.json", "merges.txt"] {
                try FileManager.default.copyItem(at: folder("sd1").appendingPathComponent(name), to: url.appendingPathComponent(name))
            }
        }
        for (name, contents) in files { try contents.write(to: url.appendingPathComponent(name)) }
        return url
    }

    func testSD1FolderMatchesTransformers() throws {
        let tokenizer = try CLIPTokenizer(folder: folder("sd1"))
        XCTAssertEqual(tokenizer.padTokenId, 49407)
        check(tokenizer, against: "sd1")
    }

    func testSD2FolderMatchesTransformers() throws {
        let tokenizer = try CLIPTokenizer(folder: folder("sd2"))
        XCTAssertEqual(tokenizer.padTokenId, 0)
        check(tokenizer, against: "sd2")
    }

    func testBundledMatchesTransformers() throws {
        check(try CLIPTokenizer.bundled(pad: .endOfText), against: "sd1")
        check(try CLIPTokenizer.bundled(pad: .exclamation), against: "sd2")
    }

    /// Folders registering added tokens differently (textual inversion, added_tokens_decoder).
    func testVariantFoldersMatchTransformers() throws {
        let variants = ["sd1-textual-inversion", "sd2-added-tokens-decoder", "config-dicts-without-normalized", "decoder-defaults"]
        for name in variants {
            let source = folder("variants/\(name)")
            var files: [String: Data] = [:]
            for file in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                files[file] = try Data(contentsOf: source.appendingPathComponent(file))
            }
            check(try CLIPTokenizer(folder: try temporaryFolder(files)), against: name)
        }
    }

    func testBundledVocabularyEqualsVocabJSON() throws {
        let folderTokenizer = try CLIPTokenizer(folder: folder("sd1"))
        let bundled = try CLIPTokenizer.bundled(pad: .endOfText)
        XCTAssertEqual(folderTokenizer.vocabulary.count, 49408)
        XCTAssertEqual(bundled.vocabulary, folderTokenizer.vocabulary)
        XCTAssertEqual(bundled.bosTokenId, 49406)
        XCTAssertEqual(bundled.eosTokenId, 49407)
    }

    func testTokensAreVocabularyStrings() throws {
        let tokenizer = try CLIPTokenizer.bundled(pad: .exclamation)
        let result = tokenizer.tokenize("A photo!", maxLength: 8)
        XCTAssertEqual(result.ids, [49406, 320, 1125, 0, 49407, 0, 0, 0])
        XCTAssertEqual(result.tokens, ["<|startoftext|>", "a</w>", "photo</w>", "!", "<|endoftext|>", "!", "!", "!"])
        XCTAssertEqual(tokenizer.decodeToken(-1), "")
        XCTAssertEqual(tokenizer.decodeToken(49408), "")
    }

    func testTruncationKeepsEndToken() throws {
        let tokenizer = try CLIPTokenizer.bundled(pad: .endOfText)
        let result = tokenizer.tokenize("one two three four five", maxLength: 5)
        XCTAssertEqual(result.ids, [49406] + Array(tokenizer.encode("one two three")) + [49407])
        XCTAssertEqual(tokenizer.tokenize("x", maxLength: 0).ids, [49406, 49407])
    }

    func testConcurrentUseGivesSameIds() throws {
        let tokenizer = try CLIPTokenizer(folder: folder("sd1"))
        let texts = Self.cases.map(\.text)
        let expected = texts.map { tokenizer.tokenize($0).ids }
        let mismatches = NSLock()
        var failures = 0
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (index, text) in texts.enumerated() where (index + worker) % 2 == 0 {
                if tokenizer.tokenize(text).ids != expected[index] {
                    mismatches.lock()
                    failures += 1
                    mismatches.unlock()
                }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    /// A 75-token prompt must take well under a millisecond once its words are cached.
    func testTokenizeIsFast() throws {
        let tokenizer = try CLIPTokenizer.bundled(pad: .endOfText)
        let prompt = Array(repeating: "a highly detailed photograph of a red fox in the snow,", count: 7).joined(separator: " ")
        XCTAssertGreaterThanOrEqual(tokenizer.encode(prompt).count, 75)
        _ = tokenizer.tokenize(prompt)
        let iterations = 200
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { _ = tokenizer.tokenize(prompt) }
        let perCall = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations) / 1e6
        XCTAssertLessThan(perCall, 0.5, "tokenize took \(perCall) ms")
    }

    func testMissingVocabularyThrows() throws {
        let url = try temporaryFolder(["merges.txt": Data("#version: 0.2\na b\n".utf8)], vocabAndMerges: false)
        XCTAssertThrowsError(try CLIPTokenizer(folder: url)) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .missingFile(url.appendingPathComponent("vocab.json").path))
        }
    }

    func testMissingMergesThrows() throws {
        let url = try temporaryFolder([:])
        try FileManager.default.removeItem(at: url.appendingPathComponent("merges.txt"))
        XCTAssertThrowsError(try CLIPTokenizer(folder: url)) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .missingFile(url.appendingPathComponent("merges.txt").path))
        }
    }

    func testCorruptMergesThrow() throws {
        let corruptions: [(String, Int)] = [
            ("#version: 0.2\ni n\nthree parts here\n", 3),
            ("#version: 0.2\ni n\nnot-in-vocab x\n", 3),
            ("#version: 0.2\n\ni n\n", 2),
        ]
        for (contents, badLine) in corruptions {
            let url = try temporaryFolder(["merges.txt": Data(contents.utf8)])
            XCTAssertThrowsError(try CLIPTokenizer(folder: url), contents.debugDescription) { error in
                guard case .invalidMerges(_, let line, _)? = error as? CLIPTokenizerError else {
                    return XCTFail("unexpected \(error)")
                }
                XCTAssertEqual(line, badLine)
            }
        }
        let binary = try temporaryFolder(["merges.txt": Data([0xFF, 0xFE, 0x00, 0x41])])
        XCTAssertThrowsError(try CLIPTokenizer(folder: binary)) { error in
            guard case .unreadableFile? = error as? CLIPTokenizerError else { return XCTFail("unexpected \(error)") }
        }
    }

    func testCorruptVocabularyThrows() throws {
        for contents in ["{\"a\": 1", "[1, 2]", "{\"a\": \"b\"}", "{\"a\": 0}"] {
            let url = try temporaryFolder(["vocab.json": Data(contents.utf8)])
            XCTAssertThrowsError(try CLIPTokenizer(folder: url), contents) { error in
                guard case .invalidVocabulary? = error as? CLIPTokenizerError else { return XCTFail("unexpected \(error)") }
            }
        }
    }

    func testCorruptConfigThrows() throws {
        let cases: [String: String] = [
            "tokenizer_config.json": "{not json",
            "special_tokens_map.json": "{\"pad_token\": 5}",
            "added_tokens.json": "{\"<x>\": \"y\"}",
        ]
        for (file, contents) in cases {
            let url = try temporaryFolder([file: Data(contents.utf8)])
            XCTAssertThrowsError(try CLIPTokenizer(folder: url), file) { error in
                guard case .invalidConfig(let path, _)? = error as? CLIPTokenizerError else { return XCTFail("unexpected \(error)") }
                XCTAssertTrue(path.hasSuffix(file))
            }
        }
    }

    /// Without SwiftPM's bundle next to the binary the lookup throws instead of crashing.
    func testMissingResourceBundleThrows() throws {
        let empty = try temporaryFolder([:], vocabAndMerges: false)
        XCTAssertThrowsError(try SDModelsResources.url(of: "clip-merges.txt", searching: [empty])) { error in
            guard case .resourceBundleNotFound(let searched)? = error as? CLIPTokenizerError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(searched.count, SDModelsResources.bundleNames.count)
        }
        let bundle = empty.appendingPathComponent(SDModelsResources.bundleNames[0])
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        try Data("#version: 0.2\n".utf8).write(to: bundle.appendingPathComponent("clip-merges.txt"))
        XCTAssertEqual(try SDModelsResources.url(of: "clip-merges.txt", searching: [empty]).path,
                       bundle.appendingPathComponent("clip-merges.txt").path)
    }

    func testErrorDescriptionsNameTheFile() {
        let error = CLIPTokenizerError.invalidMerges("/x/merges.txt", line: 7, reason: "bad")
        XCTAssertEqual(error.description, "CLIP tokenizer: invalid merges /x/merges.txt line 7: bad")
    }
}
