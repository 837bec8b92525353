import Foundation
import Logging

/// Files only the server's user may read: the database (with its `-wal` and `-shm`, which SQLite creates with
/// the database's mode), the secret, and the folder that holds them. Created 0600 and 0700 whatever the umask.
enum PrivateFiles {
    /// Creates `path`'s folder (0700) when it is missing, and `path` itself (0600, empty) when it is missing;
    /// an existing database readable by others is narrowed to 0600, with a warning.
    static func prepare(file path: String, logger: Logger) throws {
        try self.createFolder(of: path)
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            for file in [path, path + "-wal", path + "-shm"] {
                guard let mode = (try? manager.attributesOfItem(atPath: file))?[.posixPermissions] as? Int, mode & 0o077 != 0 else { continue }
                logger.warning("Database file was readable by others; setting its mode to 0600", metadata: ["path": "\(file)"])
                try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
            }
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            // Another process may have created it meanwhile; SQLite reports anything else.
            if errno == EEXIST { return }
            throw ConfigurationError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }

    /// Creates the folder of `path` with mode 0700 when it does not exist yet (an existing one is left as it is).
    static func createFolder(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard !FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigurationError("cannot create the folder \(directory): \(error.localizedDescription)")
        }
    }
}
