import ArgumentParser
import ChatCore
import Foundation

/// `chat-tui search [--group G] TEXT`: messages of the user's groups that match, newest first.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the messages of your groups, newest first.",
        discussion: """
            TEXT is words that must all appear, "a phrase" in quotes, -word to leave out, and pre* for a prefix.
            Matches are shown in bold on a terminal (not under NO_COLOR), between » and « otherwise.
            When the server cannot be reached, the messages in chat-tui's offline cache are searched instead
            (the newest 1,000 of each group), and a line on stderr says so.
            Examples: chat-tui search deploy; chat-tui search --group Friends '"release notes" -draft'
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this group (id or exact name).") var group: String?
    @Option(help: "How many hits (1–100; default 20).") var limit = 20
    @Option(help: "Continue after an earlier page (its nextCursor, printed at the end).") var cursor: String?
    @Flag(help: "Print the API's JSON (the SearchPage).") var json = false
    @Argument(help: "What to look for.") var text: [String]

    func validate() throws {
        guard (1...100).contains(self.limit) else { throw ValidationError("--limit must be between 1 and 100") }
        guard !self.text.joined().trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("give the text to look for") }
    }

    func run() async throws {
        let (api, session) = try self.global.signedIn()
        let query = self.text.joined(separator: " ")
        let found: (page: SearchPage, names: [String: String])
        do throws(CLIError) {
            found = try await self.searchServer(query, api: api)
        } catch {
            guard error.exitCode == CLIError.Status.temporary, self.cursor == nil, let cached = try self.searchCache(query, session: session) else {
                throw error
            }
            FileHandle.standardError.write(Data("chat-tui: \(error.message); searched the offline cache instead\n".utf8))
            found = cached
        }
        let (page, names) = found
        if self.json { return try printJSON(page) }
        if page.hits.isEmpty { return print(self.cursor == nil ? "Nothing matches." : "No more matches.") }
        let bold = Terminal.isTTY(STDOUT_FILENO) && !Terminal.noColor()
        for hit in page.hits {
            let place = TerminalText.line(names[hit.message.groupId] ?? hit.message.groupId)
            let text = Self.marked(hit, bold: bold)
            print(
                "\(place) #\(hit.message.seq)  \(LocalTime.format(hit.message.createdAt))  \(TerminalText.line(hit.message.sender.displayName)): \(text)"
            )
        }
        if let next = page.nextCursor { print("More: chat-tui search --cursor \(next) …") }
    }

    /// The server's hits, with the names of the groups they are in.
    private func searchServer(_ query: String, api: APIClient) async throws(CLIError) -> (page: SearchPage, names: [String: String]) {
        var group: Group?
        if let name = self.group { group = try await GroupResolver.resolve(name, with: api) }
        let page = try await attempt(api.baseURL) { () async throws(APIError) in
            try await api.search(query, groupID: group?.id, cursor: self.cursor, limit: self.limit)
        }
        var names = group.map { [$0.id: $0.name] } ?? [:]
        if group == nil, !self.json, let groups = try? await api.groups() {
            names = Dictionary(groups.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        }
        return (page, names)
    }

    /// The hits in chat-tui's offline cache, with the cached groups' names, or `nil` when there is no cache.
    private func searchCache(_ query: String, session: Session) throws(CLIError) -> (page: SearchPage, names: [String: String])? {
        guard let cache = ClientCache.existing(in: self.global.store.directory, for: session) else { return nil }
        defer { cache.close() }
        let groups = cache.groups()
        var groupID: String?
        if let wanted = self.group {
            do throws(CLIError) {
                groupID = try GroupResolver.resolve(wanted, among: groups).id
            } catch {
                throw CLIError("\(error.message), in the offline cache (the server cannot be reached)", exitCode: CLIError.Status.temporary)
            }
        }
        let hits = cache.search(SearchQuery(parsing: query), groupID: groupID, limit: self.limit)
        let names = Dictionary(groups.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return (SearchPage(hits: hits, nextCursor: nil), names)
    }

    /// The message's text on one line, its matches marked; nothing from the network reaches the terminal raw.
    static func marked(_ hit: SearchHit, bold: Bool) -> String {
        let (open, close) = bold ? ("\u{1B}[1m", "\u{1B}[22m") : ("»", "«")
        var result = ""
        for (text, matched) in SearchMatches.split(hit.message.text, hit.highlights) {
            let safe = TerminalText.line(text)
            result += matched ? open + safe + close : safe
        }
        return result
    }
}

/// A message's text cut into runs, each a match or not, from the server's highlights (in Unicode scalars).
enum SearchMatches {
    static func split(_ text: String, _ highlights: [TextRange]) -> [(text: String, matched: Bool)] {
        let scalars = Array(text.unicodeScalars)
        var runs: [(String, Bool)] = []
        var position = 0
        func take(_ end: Int, matched: Bool) {
            let end = min(max(end, position), scalars.count)
            guard end > position else { return }
            var run = String.UnicodeScalarView()
            run.append(contentsOf: scalars[position..<end])
            runs.append((String(run), matched))
            position = end
        }
        for range in TextRange.merged(highlights) {
            take(range.start, matched: false)
            take(range.start + range.length, matched: true)
        }
        take(scalars.count, matched: false)
        return runs
    }
}
