/// Mentions of the user in a message: `@` and their display name, in any case, as a whole word.
public enum Mention {
    /// Whether `text` mentions `name`.
    public static func mentions(_ text: String, name: String) -> Bool {
        let target = Array(("@" + name).lowercased())
        guard target.count > 1 else { return false }
        let characters = Array(text.lowercased())
        guard characters.count >= target.count else { return false }
        for start in 0...(characters.count - target.count) where characters[start] == "@" {
            guard Array(characters[start..<(start + target.count)]) == target else { continue }
            let before = start == 0 ? nil : characters[start - 1]
            let after = start + target.count < characters.count ? characters[start + target.count] : nil
            if !Self.isWordCharacter(before), !Self.isWordCharacter(after) { return true }
        }
        return false
    }

    private static func isWordCharacter(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isLetter || character.isNumber || character == "_" || character == "@"
    }
}
