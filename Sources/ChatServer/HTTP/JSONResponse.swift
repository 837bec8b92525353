import Hummingbird

/// A JSON body with an explicit status, such as `201 Created`.
struct JSONResponse<Value: Encodable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var value: Value
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(self.value, from: request, context: context)
        response.status = self.status
        response.headers.append(contentsOf: self.headers)
        return response
    }
}

extension Request {
    /// The body decoded as JSON. An empty, oversized or malformed body, or a field of the wrong type, is a
    /// ``ChatError`` that names the problem.
    /// An empty body is read as `emptyAs` where given (for endpoints whose fields are all optional).
    func decodeJSON<T: Decodable>(_ type: T.Type, context: ChatRequestContext, emptyAs: String? = nil) async throws -> T {
        var request = self
        var buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ChatError.bodyTooLarge(limit: context.maxUploadSize)
        }
        if buffer.readableBytes == 0 {
            guard let emptyAs else { throw ChatError.invalid("invalid_json", "The request needs a JSON object body.") }
            buffer = ByteBuffer(string: emptyAs)
        }
        do {
            return try context.requestDecoder.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw ChatError.invalid("invalid_json", Self.describe(error))
        } catch {
            throw ChatError.invalid("invalid_json", "The body is not valid JSON.")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "Missing field `\(path(context.codingPath + [key]))`."
        case .typeMismatch(let type, let context):
            return context.codingPath.isEmpty
                ? "The body must be a JSON object." : "Field `\(path(context.codingPath))` must be \(Self.name(of: type))."
        case .valueNotFound(let type, let context):
            return "Field `\(path(context.codingPath))` must be \(Self.name(of: type)), not null."
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "The body is not valid JSON." : "Field `\(path(context.codingPath))` is not valid: \(context.debugDescription)"
        @unknown default:
            return "The body is not valid JSON."
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "of another type"
        }
    }
}
