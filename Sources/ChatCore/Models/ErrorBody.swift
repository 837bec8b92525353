/// The body of every error answer: `{"error":{"code":"snake_case","message":"…"}}`.
public struct ErrorBody: Codable, Sendable, Hashable {
    /// The inner object of an error answer.
    public struct Detail: Codable, Sendable, Hashable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var error: Detail

    public init(code: String, message: String) {
        self.error = Detail(code: code, message: message)
    }
}

/// `GET /healthz`.
public struct HealthStatus: Codable, Sendable, Hashable {
    public var status: String

    public init(status: String) {
        self.status = status
    }
}
