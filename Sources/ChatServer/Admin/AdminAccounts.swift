import ChatCore
import Foundation

/// The admin command's writes to accounts, through the same repository calls as the API's, so that running
/// servers hear of them (PostgreSQL: a notification; SQLite: ``ExternalWriteWatcher``).
package enum AdminAccounts {
    /// Disables or enables the account named by id or email; returns how to name it in the answer.
    package static func setDisabled(_ idOrEmail: String, _ disabled: Bool, in repository: any AdminRepository) async throws -> String {
        guard let user = try await repository.adminUser(idOrEmail: idOrEmail), user.deletedAt == nil else {
            throw ConfigurationError("no account \(idOrEmail)")
        }
        let name = "\(user.displayName) (\(user.email ?? user.id))"
        guard try await repository.setDisabled(user.id, disabled, at: Date()) else {
            throw ConfigurationError("\(name) is \(disabled ? "disabled" : "enabled") already")
        }
        return name
    }
}

/// `admin users reset-password`.
package enum AdminPassword {
    /// 20 characters from an alphabet without look-alikes (about 110 bits).
    package static func random() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// Sets the password of the account with `email` and ends its sessions; returns the email.
    package static func reset(email: String, to password: String, cost: UInt8, in repository: any AdminRepository) async throws -> String {
        do {
            try Validation.newPassword(password)
        } catch let error as ChatError {
            throw ConfigurationError(error.message)
        }
        guard let user = try await repository.adminUser(idOrEmail: email), user.deletedAt == nil, let address = user.email else {
            throw ConfigurationError("no account with the email \(email) (guests have no password)")
        }
        let hash = try await PasswordHasher(cost: cost).hash(password)
        _ = try await repository.endSessions(of: user.id, passwordHash: hash)
        return address
    }
}
