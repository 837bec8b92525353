import Crypto
import Foundation
import NIOSSL
import X509

/// A self-signed server certificate made for one test, with its key, as PEM files in `directory`.
struct TestCertificate {
    let certificatePath: String
    let keyPath: String
    let certificate: NIOSSLCertificate

    /// Writes `NAME.crt` and `NAME.key` (replacing them, as a renewal does).
    init(named name: String, in directory: URL, fileName: String = "server") throws {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 3600,
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(key)
        )
        let pem = try certificate.serializeAsPEM().pemString
        self.certificatePath = directory.appendingPathComponent("\(fileName).crt").path
        self.keyPath = directory.appendingPathComponent("\(fileName).key").path
        try pem.write(toFile: self.certificatePath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: self.keyPath, atomically: true, encoding: .utf8)
        self.certificate = try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem)
    }

    /// A client configuration that trusts this certificate only (host names are not checked: tests dial 127.0.0.1).
    var clientConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([self.certificate])
        configuration.certificateVerification = .noHostnameVerification
        return configuration
    }
}
