/// A map of at most `capacity` entries that evicts the least recently used one to make room: reads and writes
/// are O(1), over a doubly linked list kept in an array (no allocation per entry once warm).
struct RecentlyUsed<Value> {
    private struct Node {
        var key: String
        var value: Value
        var newer: Int
        var older: Int
    }

    let capacity: Int
    private var index: [String: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    /// The most and the least recently used node, or -1.
    private var newest = -1
    private var oldest = -1

    init(capacity: Int) {
        precondition(capacity > 0, "a RecentlyUsed map needs room for one entry")
        self.capacity = capacity
    }

    var count: Int { self.index.count }

    /// The value of `key`, which becomes the most recently used; setting `nil` removes it.
    subscript(key: String) -> Value? {
        mutating get {
            guard let slot = self.index[key] else { return nil }
            self.touch(slot)
            return self.nodes[slot].value
        }
        set {
            if let slot = self.index[key] {
                if let newValue {
                    self.nodes[slot].value = newValue
                    self.touch(slot)
                } else {
                    self.remove(slot)
                }
                return
            }
            guard let newValue else { return }
            if self.index.count >= self.capacity { self.remove(self.oldest) }
            let node = Node(key: key, value: newValue, newer: -1, older: self.newest)
            let slot: Int
            if let reused = self.free.popLast() {
                slot = reused
                self.nodes[slot] = node
            } else {
                slot = self.nodes.count
                self.nodes.append(node)
            }
            if self.newest >= 0 { self.nodes[self.newest].newer = slot }
            self.newest = slot
            if self.oldest < 0 { self.oldest = slot }
            self.index[key] = slot
        }
    }

    /// Removes the entries `shouldRemove` accepts; returns how many.
    mutating func removeAll(where shouldRemove: (Value) -> Bool) -> Int {
        var removed = 0
        var slot = self.oldest
        while slot >= 0 {
            let next = self.nodes[slot].newer
            if shouldRemove(self.nodes[slot].value) {
                self.remove(slot)
                removed += 1
            }
            slot = next
        }
        return removed
    }

    private mutating func touch(_ slot: Int) {
        guard slot != self.newest else { return }
        self.unlink(slot)
        self.nodes[slot].older = self.newest
        self.nodes[slot].newer = -1
        self.nodes[self.newest].newer = slot
        self.newest = slot
    }

    private mutating func remove(_ slot: Int) {
        self.unlink(slot)
        self.index[self.nodes[slot].key] = nil
        self.nodes[slot].key = ""
        self.free.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (self.nodes[slot].newer, self.nodes[slot].older)
        if newer >= 0 { self.nodes[newer].older = older } else { self.newest = older }
        if older >= 0 { self.nodes[older].newer = newer } else { self.oldest = newer }
    }
}
