import Hummingbird

/// `GET /openapi.json`: the API's OpenAPI 3.1 document, compiled into the binary from `openapi.json`.
struct OpenAPIController {
    var endpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self).get { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json))
            )
        }
    }
}
