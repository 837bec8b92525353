/// Stable group numbers, as weechat's buffers: a group keeps its number until the user moves it. New groups
/// take the next numbers; when a group goes, the ones after it move up by one. Activity never reorders.
public struct GroupNumbers: Sendable, Hashable, Codable {
    /// Group ids; number 1 first.
    public private(set) var order: [String]

    public init(order: [String] = []) {
        self.order = order
    }

    /// Takes in the groups that exist now (`present`, in the order new ones should be numbered).
    public mutating func update(present: [String]) {
        let ids = Set(present)
        self.order.removeAll { !ids.contains($0) }
        let known = Set(self.order)
        self.order += present.filter { !known.contains($0) }
    }

    /// The 1-based number of a group.
    public func number(of groupID: String) -> Int? {
        self.order.firstIndex(of: groupID).map { $0 + 1 }
    }

    /// The group with a 1-based number.
    public func group(number: Int) -> String? {
        self.order.indices.contains(number - 1) ? self.order[number - 1] : nil
    }

    /// Moves a group to `number` (clamped to the list); the others keep their order.
    public mutating func move(_ groupID: String, to number: Int) {
        guard let index = self.order.firstIndex(of: groupID) else { return }
        self.order.remove(at: index)
        self.order.insert(groupID, at: min(max(0, number - 1), self.order.count))
    }

    /// The group `offset` places after `groupID`, wrapping around.
    public func neighbour(of groupID: String?, offset: Int) -> String? {
        guard !self.order.isEmpty else { return nil }
        let current = groupID.flatMap { self.order.firstIndex(of: $0) } ?? 0
        return self.order[((current + offset) % self.order.count + self.order.count) % self.order.count]
    }
}
