import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The certificate chain and key of built-in TLS. New connections take the current pair; ``reload()`` (on SIGHUP)
/// swaps in a new one without touching open connections, which keep the pair they started with.
final class CertificateStore: Sendable {
    let files: TLSFiles
    private let current: Mutex<NIOSSLContext>

    /// Reads both files; a missing, unreadable or mismatched one is a ``ConfigurationError`` saying which.
    init(files: TLSFiles) throws {
        self.files = files
        self.current = Mutex(try Self.makeContext(files))
    }

    /// The context for a connection accepted now.
    var context: NIOSSLContext { self.current.withLock { $0 } }

    /// Reads both files again. When they are bad, it throws and the pair in use stays.
    func reload() throws {
        let context = try Self.makeContext(self.files)
        self.current.withLock { $0 = context }
    }

    /// TLS 1.2 and 1.3 with NIOSSL's default cipher list (ECDHE with AES-GCM or ChaCha20-Poly1305 only), offering
    /// HTTP/2 and HTTP/1.1 by ALPN.
    static func makeContext(_ files: TLSFiles) throws -> NIOSSLContext {
        for (name, path) in [("TLS_CERT", files.certificatePath), ("TLS_KEY", files.keyPath)] {
            guard FileManager.default.isReadableFile(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read by this user" : "does not exist"
                throw ConfigurationError("\(name) \(path) \(reason)")
            }
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath)
        } catch {
            throw ConfigurationError("TLS_CERT \(files.certificatePath) is not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw ConfigurationError("TLS_CERT \(files.certificatePath) holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.keyPath, format: .pem)
        } catch {
            throw ConfigurationError("TLS_KEY \(files.keyPath) is not a PEM private key, or it is encrypted (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2", "http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError("TLS_KEY \(files.keyPath) does not belong to the first certificate of TLS_CERT \(files.certificatePath)")
        }
    }
}

/// Reloads the certificate on each SIGHUP (as after a certbot renewal), logging the outcome.
struct CertificateReloadService: Service {
    let store: CertificateStore
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try self.store.reload()
                self.logger.notice("TLS certificate reloaded", metadata: ["tls.cert": "\(self.store.files.certificatePath)"])
            } catch {
                self.logger.error("TLS certificate not reloaded; the previous one stays in use: \(error)")
            }
        }
    }
}
