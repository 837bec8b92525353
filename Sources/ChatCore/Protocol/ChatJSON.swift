import Foundation

/// The JSON coders that both ends use, so that dates always travel as ``Timestamp`` strings.
public enum ChatJSON {
    /// A new encoder that writes dates as ISO 8601 UTC with milliseconds, and keys in a stable order.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    /// A new decoder that reads ISO 8601 dates, with or without a fraction.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "Expected an ISO 8601 date, got \"\(text)\"")
            }
            return date
        }
        return decoder
    }
}

extension ChatJSON {
    /// A shared encoder; `JSONEncoder` is safe to use from several threads once configured.
    public static let encoder = makeEncoder()
    /// A shared decoder.
    public static let decoder = makeDecoder()
}
