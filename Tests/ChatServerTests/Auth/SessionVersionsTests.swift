import Synchronization
import Testing

@testable import ChatServer

@Suite("Session versions: the cached check of a token's version")
struct SessionVersionsTests {
    /// A storage stand-in that counts its reads.
    final class Store: Sendable {
        let state = Mutex<SessionVersions.State?>(.init(version: 0, deleted: false))
        let reads = Mutex(0)

        func lookup() -> SessionVersions.State? {
            self.reads.withLock { $0 += 1 }
            return self.state.withLock { $0 }
        }

        var readCount: Int { self.reads.withLock { $0 } }
    }

    @Test("a fresh entry answers without reading storage; a raised version applies at once")
    func cached() async throws {
        let versions = SessionVersions(lifetime: .seconds(3600))
        let store = Store()
        #expect(try await versions.accepts(userID: "u", version: 0) { store.lookup() })
        #expect(try await versions.accepts(userID: "u", version: 0) { store.lookup() })
        #expect(store.readCount == 1)

        store.state.withLock { $0 = .init(version: 1, deleted: false) }
        versions.ended(userID: "u", version: 1, deleted: false)
        #expect(try await !versions.accepts(userID: "u", version: 0) { store.lookup() })
        #expect(try await versions.accepts(userID: "u", version: 1) { store.lookup() })
        #expect(store.readCount == 1)
        // An older notification arriving late changes nothing.
        versions.ended(userID: "u", version: 1, deleted: false)
        #expect(try await versions.accepts(userID: "u", version: 1) { store.lookup() })

        versions.ended(userID: "u", version: 0, deleted: true)
        #expect(try await !versions.accepts(userID: "u", version: 1) { store.lookup() })
        #expect(store.readCount == 1)
    }

    @Test("a token newer than the cache, an expired entry and a cleared cache read storage again")
    func rereads() async throws {
        let store = Store()
        let versions = SessionVersions(lifetime: .seconds(3600))
        #expect(try await versions.accepts(userID: "u", version: 0) { store.lookup() })
        // Raised on another instance whose notification has not arrived: the newer token makes the cache read.
        store.state.withLock { $0 = .init(version: 2, deleted: false) }
        #expect(try await versions.accepts(userID: "u", version: 2) { store.lookup() })
        #expect(store.readCount == 2)
        #expect(try await !versions.accepts(userID: "u", version: 0) { store.lookup() })
        #expect(store.readCount == 2)
        versions.removeAll()
        #expect(try await versions.accepts(userID: "u", version: 2) { store.lookup() })
        #expect(store.readCount == 3)

        let expiring = SessionVersions(lifetime: .zero)
        for _ in 0..<3 { #expect(try await expiring.accepts(userID: "u", version: 2) { store.lookup() }) }
        #expect(store.readCount == 6)
    }

    @Test("unknown and deleted accounts are refused")
    func refused() async throws {
        let versions = SessionVersions()
        #expect(try await !versions.accepts(userID: "gone", version: 0) { nil })
        #expect(try await !versions.accepts(userID: "deleted", version: 3) { .init(version: 3, deleted: true) })
    }

    @Test("the cache stays within its capacity")
    func bounded() async throws {
        let versions = SessionVersions(lifetime: .seconds(3600), capacity: 100)
        for index in 0..<1000 {
            #expect(try await versions.accepts(userID: "u\(index)", version: 0) { .init(version: 0, deleted: false) })
        }
        #expect(versions.count <= 100)
    }
}
