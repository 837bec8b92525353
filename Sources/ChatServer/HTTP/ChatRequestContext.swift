import ChatCore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The per-request context: who is calling (once authenticated), and the JSON coders of the API.
public struct ChatRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<ChatRequestContext>
    /// The connection's channel, so that a WebSocket session can close its socket.
    public let channel: any Channel
    /// The authenticated user's id, set by ``AuthMiddleware``.
    public var userID: String?
    /// When the caller's token expires.
    public var tokenExpiresAt: Date?
    /// The account's token version the caller's token carries.
    public var tokenVersion: Int64?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }

    /// Request bodies beyond this size are refused with 413.
    public var maxUploadSize: Int { 64 * 1024 }

    public var requestDecoder: JSONDecoder { ChatJSON.decoder }
    public var responseEncoder: JSONEncoder { ChatJSON.encoder }

    /// The authenticated user's id; routes behind ``AuthMiddleware`` always have one.
    func requireUserID() throws -> String {
        guard let userID = self.userID else { throw ChatError.invalidToken }
        return userID
    }
}
