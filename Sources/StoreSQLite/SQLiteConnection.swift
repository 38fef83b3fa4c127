import CSQLite
import Store

/// A thin wrapper over one sqlite3 handle with cached prepared statements. Not thread-safe:
/// exactly one actor owns it.
final class SQLiteConnection {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws(StoreError) {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            db = nil
            throw .unavailable("sqlite: opening \(path): \(message)")
        }
        // One connection holds the database exclusively: waiting on a lock never helps.
        sqlite3_busy_timeout(db, 0)
    }

    deinit { close() }

    func close() {
        for s in statements.values { sqlite3_finalize(s) }
        statements.removeAll()
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    var lastError: String { db.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }

    func exec(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? lastError
            sqlite3_free(err)
            throw .unavailable("sqlite: \(message)")
        }
    }

    enum Binding {
        case int(Int64)
        case text(String)
        case blob([UInt8])
        case null
    }

    /// A row reader valid only inside the `query` callback.
    struct Row {
        let statement: OpaquePointer
        func int(_ i: Int32) -> Int64 { sqlite3_column_int64(statement, i) }
        func isNull(_ i: Int32) -> Bool { sqlite3_column_type(statement, i) == SQLITE_NULL }
        func text(_ i: Int32) -> String {
            guard let p = sqlite3_column_text(statement, i) else { return "" }
            return String(cString: p)
        }
        func blob(_ i: Int32) -> [UInt8] {
            let n = Int(sqlite3_column_bytes(statement, i))
            guard n > 0, let p = sqlite3_column_blob(statement, i) else { return [] }
            return Array(UnsafeRawBufferPointer(start: p, count: n))
        }
    }

    private func prepare(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK, let stmt else {
            throw .corrupt("sqlite: preparing statement: \(lastError)")
        }
        statements[sql] = stmt
        return stmt
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func bind(_ stmt: OpaquePointer, _ args: [Binding]) {
        for (i, arg) in args.enumerated() {
            let idx = Int32(i + 1)
            switch arg {
            case .int(let v): sqlite3_bind_int64(stmt, idx, v)
            case .text(let s): sqlite3_bind_text(stmt, idx, s, -1, Self.transient)
            case .blob(let b):
                b.withUnsafeBytes { buf in
                    _ = sqlite3_bind_blob(stmt, idx, buf.baseAddress, Int32(buf.count), Self.transient)
                }
            case .null: sqlite3_bind_null(stmt, idx)
            }
        }
    }

    /// Runs a statement, calling `row` for each result row.
    func query(_ sql: String, _ args: [Binding] = [], row: (Row) throws(StoreError) -> Void = { _ in }) throws(StoreError) {
        let stmt = try prepare(sql)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        bind(stmt, args)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW {
                try row(Row(statement: stmt))
            } else if rc == SQLITE_DONE {
                return
            } else if rc == SQLITE_CONSTRAINT {
                throw .revisionMismatch(key: "", current: nil)
            } else {
                throw .unavailable("sqlite: \(lastError)")
            }
        }
    }

    func scalar(_ sql: String, _ args: [Binding] = []) throws(StoreError) -> Int64? {
        var result: Int64?
        try query(sql, args) { (r: Row) throws(StoreError) in result = r.isNull(0) ? nil : r.int(0) }
        return result
    }
}
