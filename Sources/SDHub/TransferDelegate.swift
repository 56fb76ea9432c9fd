import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Receives one URLSession task's events and lets a blocked caller wait for the end:
/// redirects followed or not, the response checked before any body byte is kept, body bytes
/// handed over as they arrive (so a multi-GB file streams to disk).
final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let followRedirects: Bool
    private let onResponse: (HTTPURLResponse) throws -> Void
    private let onData: (Data) throws -> Void
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var response: HTTPURLResponse?
    private var failure: Error?

    init(followRedirects: Bool, onResponse: @escaping (HTTPURLResponse) throws -> Void, onData: @escaping (Data) throws -> Void) {
        self.followRedirects = followRedirects
        self.onResponse = onResponse
        self.onData = onData
    }

    /// Blocks until the task ends; returns its response or throws the first error (a transport
    /// error, or one thrown by the callbacks).
    func wait(for task: URLSessionTask) throws -> HTTPURLResponse {
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        if let response { return response }
        if let fallback = task.response as? HTTPURLResponse { return fallback }
        throw URLError(.badServerResponse)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(followRedirects ? request : nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            record(URLError(.badServerResponse))
            completionHandler(.cancel)
            return
        }
        lock.lock()
        self.response = http
        lock.unlock()
        do {
            try onResponse(http)
            completionHandler(.allow)
        } catch {
            record(error)
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard !hasFailed else { return }
        do {
            try onData(data)
        } catch {
            record(error)
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error { record(error) }
        done.signal()
    }

    private var hasFailed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return failure != nil
    }

    /// Keeps the first error: a callback's own error explains the cancellation that follows it.
    private func record(_ error: Error) {
        lock.lock()
        if failure == nil { failure = error }
        lock.unlock()
    }
}
