import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Blocking HTTP requests over URLSession (libcurl on Linux): small bodies read whole, large
/// ones streamed to a callback. No caching, no cookies; an idle timeout on every request.
struct HTTPClient {
    let timeout: TimeInterval

    /// Sends `request` and collects the body (for JSON and HEAD replies).
    func send(_ request: URLRequest, followRedirects: Bool) throws -> (HTTPURLResponse, Data) {
        var body = Data()
        let response = try stream(request, followRedirects: followRedirects, onResponse: { _ in }, onData: { body.append($0) })
        return (response, body)
    }

    /// Sends `request`, calls `onResponse` once the headers are in (throw to abandon the body),
    /// then `onData` for each piece of the body, on a URLSession queue, one call at a time.
    func stream(_ request: URLRequest, followRedirects: Bool, onResponse: @escaping (HTTPURLResponse) throws -> Void,
                onData: @escaping (Data) throws -> Void) throws -> HTTPURLResponse {
        var request = request
        request.timeoutInterval = timeout
        request.cachePolicy = .reloadIgnoringLocalCacheData
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("swift-sd", forHTTPHeaderField: "User-Agent")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.timeoutIntervalForRequest = timeout
        let delegate = TransferDelegate(followRedirects: followRedirects, onResponse: onResponse, onData: onData)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        task.resume()
        return try delegate.wait(for: task)
    }

    /// A response header, looked up without regard to case.
    static func header(_ name: String, in response: HTTPURLResponse) -> String? {
        let lowered = name.lowercased()
        for (key, value) in response.allHeaderFields {
            if let key = key as? String, key.lowercased() == lowered { return value as? String }
        }
        return nil
    }
}
