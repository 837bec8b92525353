import SQLiteNIO

/// The names of a statement's columns, shared by all of its rows.
package final class SQLiteColumns: Sendable {
    package let names: [String]
    private let offsets: [String: Int]

    package init(names: [String]) {
        self.names = names
        self.offsets = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    package var count: Int { self.names.count }

    package func offset(of name: String) -> Int? { self.offsets[name] }
}

/// One row of a result, read by column name (see `SQLiteRecord+Decoding`).
package struct SQLiteRecord: Sendable {
    package let columns: SQLiteColumns
    package let values: [SQLiteData]

    package init(columns: SQLiteColumns, values: [SQLiteData]) {
        self.columns = columns
        self.values = values
    }

    package func column(_ name: String) -> SQLiteData? {
        self.columns.offset(of: name).map { self.values[$0] }
    }
}
