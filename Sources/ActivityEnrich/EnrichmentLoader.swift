import ActivityIPList
import ActivityModel
import Foundation
import MaxMindDB

/// Something that went wrong, or was only partly right, while loading enrichment files.
///
/// Issues are data for logs (`GeoDatabaseLoadError`) and counters (``Reason/label`` is a bounded metric label);
/// they never stop loading. ``keptPrevious`` says whether the previous snapshot's copy of this part is still
/// serving.
public struct EnrichmentLoadIssue: Hashable, Sendable, CustomStringConvertible {
    /// Which configured part the issue is about.
    public enum Source: Hashable, Sendable, CustomStringConvertible {
        /// A MaxMind database.
        case database(EnrichmentDatabaseKind)
        /// An IP list, by name.
        case list(String)

        /// `database city` or `list vpn-ranges`.
        public var description: String {
            switch self {
            case .database(let k): return "database \(k)"
            case .list(let n): return "list \(n)"
            }
        }
    }

    /// Why.
    public enum Reason: Hashable, Sendable {
        /// The file does not exist.
        case missingFile
        /// The file exists but could not be read (permissions, I/O); the detail is the system's message.
        case unreadableFile(String)
        /// libmaxminddb refused the file: not an `.mmdb`, truncated, corrupt.
        case invalidDatabase(MaxMindDBError)
        /// The file is a valid database of another kind (its metadata's `database_type` is given).
        case wrongDatabaseKind(found: String)
        /// The list loaded, but some lines were bad (count, and the first few). Not a load failure.
        case badLines(count: Int, examples: [IPListBadLine])
        /// Two lists have the same name; the later one is ignored.
        case duplicateListName

        /// A bounded snake_case label for metrics (`reason="wrong_database_kind"`).
        public var label: String {
            switch self {
            case .missingFile: return "missing_file"
            case .unreadableFile: return "unreadable_file"
            case .invalidDatabase(let e): return "invalid_database_" + e.code.label
            case .wrongDatabaseKind: return "wrong_database_kind"
            case .badLines: return "bad_lines"
            case .duplicateListName: return "duplicate_list_name"
            }
        }
    }

    /// The part concerned.
    public var source: Source
    /// The configured file.
    public var path: String
    /// Why.
    public var reason: Reason
    /// True when this part failed to load and the previous snapshot's copy is still serving; false when the part
    /// loaded (``Reason/badLines``) or when there was nothing to keep (the part is now absent).
    public var keptPrevious: Bool

    /// True when the part could not be loaded from its file (everything but ``Reason/badLines``).
    public var isLoadFailure: Bool {
        if case .badLines = reason { return false }
        return true
    }

    /// Creates an issue.
    ///
    /// - Parameters:
    ///   - source: the part.
    ///   - path: the file.
    ///   - reason: why.
    ///   - keptPrevious: whether the previous copy keeps serving.
    public init(source: Source, path: String, reason: Reason, keptPrevious: Bool) {
        self.source = source
        self.path = path
        self.reason = reason
        self.keptPrevious = keptPrevious
    }

    /// An operator-facing line: what, which file, why, and what is serving now.
    public var description: String {
        let why: String
        switch reason {
        case .missingFile: why = "file not found"
        case .unreadableFile(let d): why = "cannot read file: \(d)"
        case .invalidDatabase(let e): why = e.description
        case .wrongDatabaseKind(let found):
            why = "database type is '\(found)', which cannot serve as '\(source)' (check the configured path)"
        case .badLines(let count, let examples):
            let shown = examples.prefix(5).map(\.description).joined(separator: "; ")
            why = "\(count) bad line(s) ignored: \(shown)\(examples.count < count || examples.count > 5 ? "; …" : "")"
        case .duplicateListName: why = "another list already has this name; this one is ignored"
        }
        let serving: String
        if !isLoadFailure {
            serving = ""
        } else if keptPrevious {
            serving = "; the previously loaded copy stays in service"
        } else {
            serving = "; enrichment runs without it"
        }
        return "\(source) '\(path)': \(why)\(serving)"
    }
}

/// A loaded part or the reason it could not be loaded.
enum LoadOutcome<Value> {
    case success(Value)
    case failure(EnrichmentLoadIssue.Reason)
}

extension EnrichmentSnapshot {
    /// Loads every configured database and list into a new snapshot.
    ///
    /// Each file stands alone. A file that fails to load — missing, unreadable, truncated, not an `.mmdb`, or a
    /// database whose `database_type` does not fit its configured kind — does not fail the reload: the previous
    /// snapshot's part of the same kind (database) or name (list) stays in service, and an issue says why. A part
    /// that is no longer configured is dropped. A list with bad lines loads its good lines and reports the bad
    /// ones. A part whose file is unchanged since `previous` loaded it (same device, inode, size and mtime) is
    /// reused as is: no re-parse, and the database keeps its decoded-record cache.
    ///
    /// Databases are memory-mapped: replace them by renaming a new file over the old path, never by overwriting
    /// in place (see ``MaxMindDB/MaxMindDatabase``), or the copy the previous snapshot still serves changes under it.
    ///
    /// This does blocking file I/O (open/mmap, reading lists); call it off the cooperative pool.
    ///
    /// - Parameters:
    ///   - config: what to load.
    ///   - previous: the snapshot serving now, if any.
    /// - Returns: the new snapshot and the issues, in configuration order.
    public static func load(
        _ config: EnrichmentConfiguration, previous: EnrichmentSnapshot?
    ) -> (EnrichmentSnapshot, [EnrichmentLoadIssue]) {
        var issues: [EnrichmentLoadIssue] = []
        var databases: [EnrichmentDatabaseKind: EnrichmentDatabase] = [:]
        for kind in EnrichmentDatabaseKind.allCases {
            guard let path = config.path(for: kind) else { continue }
            let old = previous?.database(kind)
            let fingerprint = FileFingerprint.of(path)
            if let old, old.path == path, let f = old.fingerprint, f == fingerprint {
                databases[kind] = old  // unchanged file: keep the mapping and its warm record cache
                continue
            }
            switch openDatabase(kind: kind, path: path, fingerprint: fingerprint, indexIPv4: config.indexIPv4) {
            case .success(let db):
                databases[kind] = db
            case .failure(let reason):
                databases[kind] = old
                issues.append(
                    EnrichmentLoadIssue(
                        source: .database(kind), path: path, reason: reason,
                        keptPrevious: old != nil))
            }
        }
        var lists: [IPListSnapshot] = []
        var seen: Set<String> = []
        let parser = IPListParser()
        for entry in config.lists {
            guard seen.insert(entry.name).inserted else {
                issues.append(
                    EnrichmentLoadIssue(
                        source: .list(entry.name), path: entry.path,
                        reason: .duplicateListName, keptPrevious: false))
                continue
            }
            let old = previous?.lists.first { $0.name == entry.name }
            // Taken before reading: if the file changes while it is read, the next reload sees a new fingerprint.
            let fingerprint = FileFingerprint.of(entry.path)
            if let old, old.path == entry.path, let f = old.fingerprint, f == fingerprint {
                lists.append(old.retagged(entry.tag))  // unchanged file: no re-parse
                if old.badLineCount > 0 {
                    issues.append(
                        EnrichmentLoadIssue(
                            source: .list(entry.name), path: entry.path,
                            reason: .badLines(count: old.badLineCount, examples: old.badLines), keptPrevious: false))
                }
                continue
            }
            switch readFile(entry.path) {
            case .success(let data):
                let result = data.withUnsafeBytes { parser.parse(bytes: $0) }
                lists.append(
                    IPListSnapshot(
                        name: entry.name, tag: entry.tag, path: entry.path, ranges: result.ranges,
                        entryCount: result.entryCount, badLineCount: result.badLineCount,
                        badLines: result.badLines, fingerprint: fingerprint))
                if result.badLineCount > 0 {
                    issues.append(
                        EnrichmentLoadIssue(
                            source: .list(entry.name), path: entry.path,
                            reason: .badLines(count: result.badLineCount, examples: result.badLines),
                            keptPrevious: false))
                }
            case .failure(let reason):
                if let old {
                    // Keep serving the old ranges, under the (possibly changed) tag configured now.
                    lists.append(old.retagged(entry.tag))
                }
                issues.append(
                    EnrichmentLoadIssue(
                        source: .list(entry.name), path: entry.path, reason: reason,
                        keptPrevious: old != nil))
            }
        }
        let snapshot = EnrichmentSnapshot(
            city: databases[.city], country: databases[.country], asn: databases[.asn],
            anonymousIP: databases[.anonymousIP], lists: lists)
        return (snapshot, issues)
    }

    static func openDatabase(
        kind: EnrichmentDatabaseKind, path: String, fingerprint: FileFingerprint?, indexIPv4: Bool = false
    )
        -> LoadOutcome<EnrichmentDatabase>
    {
        guard FileManager.default.fileExists(atPath: path) else { return .failure(.missingFile) }
        let db: MaxMindDatabase
        do throws(MaxMindDBError) {
            db = try MaxMindDatabase(path: path, options: indexIPv4 ? .indexIPv4 : [])
        } catch {
            if error.code == .fileOpen { return .failure(.unreadableFile(error.detail)) }
            return .failure(.invalidDatabase(error))
        }
        guard kind.accepts(databaseType: db.metadata.databaseType) else {
            return .failure(.wrongDatabaseKind(found: db.metadata.databaseType))
        }
        return .success(EnrichmentDatabase(kind: kind, database: db, fingerprint: fingerprint))
    }

    static func readFile(_ path: String) -> LoadOutcome<Data> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(.missingFile)
        }
        if isDirectory.boolValue { return .failure(.unreadableFile("is a directory")) }
        do {
            return .success(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            return .failure(.unreadableFile(String(describing: error)))
        }
    }
}
