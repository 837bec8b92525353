import Foundation
import Logging

/// The JWT secret kept beside a SQLite database when `JWT_SECRET` is not set, so that tokens survive restarts.
enum SecretFile {
    /// `chat.sqlite` keeps its secret in `chat.sqlite.jwt-secret`.
    static func path(forDatabase databasePath: String) -> String {
        databasePath + ".jwt-secret"
    }

    /// Reads the secret at `path`, or creates it (256 random bits, hex) with mode 0600.
    static func loadOrCreate(at path: String, logger: Logger) throws -> String {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            guard let contents = manager.contents(atPath: path), let text = String(data: contents, encoding: .utf8) else {
                throw ConfigurationError("cannot read the JWT secret file \(path)")
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.utf8.count >= TokenService.minimumSecretBytes else {
                throw ConfigurationError("the JWT secret in \(path) is shorter than 32 bytes; delete the file to generate a new one")
            }
            if let mode = (try? manager.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                logger.warning("JWT secret file was readable by others; setting its mode to 0600", metadata: ["path": "\(path)"])
                try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            }
            return secret
        }
        try PrivateFiles.createFolder(of: path)
        let secret = randomHex(bytes: 32)
        // O_EXCL with mode 0600: the secret is never readable by others, not even for a moment.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw ConfigurationError("cannot create the JWT secret file \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array((secret + "\n").utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw ConfigurationError("cannot write the JWT secret file \(path)")
        }
        logger.notice("Generated a JWT secret", metadata: ["path": "\(path)"])
        return secret
    }

    /// `bytes` random bytes from the system CSPRNG, in hex.
    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}
