import Foundation

/// One request the fake hub received, as the tests inspect it.
struct RecordedRequest: Equatable {
    let method: String
    /// Percent-decoded path, without the query.
    let path: String
    /// Header names lowercased.
    let headers: [String: String]

    var isDownload: Bool { method == "GET" && !path.hasPrefix("/api/") }
}
