/// Why an API call failed, in the terms a user needs.
public enum APIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with an error body: `{"error":{"code","message"}}`.
    case server(status: Int, code: String, message: String)
    /// The server could not be reached, or the connection broke.
    case unreachable(String)
    /// The server answered with something this client cannot read.
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .server(_, _, let message): message
        case .unreachable(let detail): "cannot reach the server (\(detail))"
        case .invalidResponse(let detail): "unexpected answer from the server (\(detail))"
        }
    }

    /// The HTTP status, for server errors.
    public var status: Int? {
        if case .server(let status, _, _) = self { status } else { nil }
    }

    /// The error code, for server errors.
    public var code: String? {
        if case .server(_, let code, _) = self { code } else { nil }
    }

    /// Whether trying again later may succeed: the network, a 5xx, or rate limiting.
    public var isRetryable: Bool {
        switch self {
        case .unreachable: true
        case .invalidResponse: false
        case .server(let status, _, _): status >= 500 || status == 429 || status == 408
        }
    }

    /// Whether the session is no longer valid (401).
    public var isUnauthorized: Bool { self.status == 401 }
}
