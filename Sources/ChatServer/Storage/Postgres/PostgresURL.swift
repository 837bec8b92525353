import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL, parsed.
///
/// `sslmode` follows libpq: `disable`, `prefer` (the default: TLS when the server offers it, without
/// verifying it), `require` (TLS, not verified), `verify-ca` and `verify-full` (TLS with the system's trust
/// roots; `verify-full` also checks the host name).
struct PostgresURL: Sendable, Hashable {
    enum SSLMode: String, Sendable, Hashable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var sslMode: SSLMode

    init(_ text: String) throws(ConfigurationError) {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw ConfigurationError("DATABASE_URL must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ConfigurationError("DATABASE_URL needs a user name: postgres://USER:PASSWORD@HOST/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw ConfigurationError("DATABASE_URL needs a database name: postgres://…/DATABASE") }
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw ConfigurationError("DATABASE_URL sslmode must be disable, prefer, require, verify-ca or verify-full (got \(mode))")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
    }

    /// The client TLS settings for the mode.
    var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch self.sslMode {
        case .disable, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        return configuration
    }

    /// Settings for the connection pool.
    func clientConfiguration(applicationName: String) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch self.sslMode {
            case .disable: .disable
            case .prefer: .prefer(self.tlsConfiguration)
            case .require, .verifyCA, .verifyFull: .require(self.tlsConfiguration)
            }
        var configuration = PostgresClient.Configuration(
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: tls
        )
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.maximumConnections = 20
        return configuration
    }

    /// Settings for a single connection (the LISTEN connection).
    func connectionConfiguration(applicationName: String) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch self.sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: self.tlsConfiguration))
            case .require, .verifyCA, .verifyFull: .require(try NIOSSLContext(configuration: self.tlsConfiguration))
            }
        var configuration = PostgresConnection.Configuration(
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: tls
        )
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }
}
