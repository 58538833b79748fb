/// A failure to open or read a MaxMind DB (`.mmdb`) file.
///
/// Each libmaxminddb status becomes one ``Code`` with a readable name, so callers can match and count failures
/// (`activityd_enrich_database_load_errors_total{reason="invalid_metadata"}`) without seeing C return codes.
/// ``description`` is written for an operator: what failed, on which file, and what to check.
public struct MaxMindDBError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set of reasons.
    public enum Code: Hashable, Sendable {
        /// The file could not be opened or mapped (missing, unreadable, not a regular file).
        case fileOpen
        /// The search tree points outside the file: the file is corrupt or truncated.
        case corruptSearchTree
        /// The metadata section is missing or malformed: not an `.mmdb` file, or truncated.
        case invalidMetadata
        /// An I/O error while reading the file.
        case io
        /// libmaxminddb could not allocate memory.
        case outOfMemory
        /// The file declares a binary format version this libmaxminddb does not support.
        case unknownDatabaseFormat
        /// A data record is malformed (bad pointer, bad type marker, bad size).
        case invalidData
        /// A lookup path was malformed (for example a non-numeric array index).
        case invalidLookupPath
        /// A lookup path walks through a value that is not a map or array.
        case lookupPathDoesNotMatchData
        /// The search tree references a node that does not exist.
        case invalidNodeNumber
        /// An IPv6 address was looked up in an IPv4-only database.
        case ipv6LookupInIPv4Database
        /// A value exists at the path but has another type than the one asked for.
        case unexpectedDataType
        /// A status code this wrapper does not know (a newer libmaxminddb).
        case other(Int32)

        /// A short snake_case name, stable and bounded, for metric labels and log metadata.
        public var label: String {
            switch self {
            case .fileOpen: return "file_open"
            case .corruptSearchTree: return "corrupt_search_tree"
            case .invalidMetadata: return "invalid_metadata"
            case .io: return "io"
            case .outOfMemory: return "out_of_memory"
            case .unknownDatabaseFormat: return "unknown_database_format"
            case .invalidData: return "invalid_data"
            case .invalidLookupPath: return "invalid_lookup_path"
            case .lookupPathDoesNotMatchData: return "lookup_path_does_not_match_data"
            case .invalidNodeNumber: return "invalid_node_number"
            case .ipv6LookupInIPv4Database: return "ipv6_lookup_in_ipv4_database"
            case .unexpectedDataType: return "unexpected_data_type"
            case .other: return "other"
            }
        }
    }

    /// The reason.
    public var code: Code
    /// The database file concerned, when known.
    public var path: String?
    /// libmaxminddb's own message (and the system error for file failures), for logs.
    public var detail: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: the reason.
    ///   - path: the database file concerned, if known.
    ///   - detail: a human-readable detail for logs.
    public init(code: Code, path: String? = nil, detail: String = "") {
        self.code = code
        self.path = path
        self.detail = detail
    }

    /// An operator-facing message: what failed, where, and what to check.
    public var description: String {
        let file = path.map { " '\($0)'" } ?? ""
        let hint: String
        switch code {
        case .fileOpen: hint = "check that the file exists and is readable by activityd"
        case .invalidMetadata, .unknownDatabaseFormat:
            hint = "the file is not a MaxMind DB (.mmdb) or is truncated; download it again"
        case .corruptSearchTree, .invalidData, .invalidNodeNumber:
            hint = "the file is corrupt; download it again"
        case .io: hint = "the disk or file system reported an error"
        case .outOfMemory: hint = "the host is out of memory"
        case .ipv6LookupInIPv4Database: hint = "use a database that includes IPv6"
        case .invalidLookupPath, .lookupPathDoesNotMatchData, .unexpectedDataType:
            hint = "the database does not have the expected record layout"
        case .other: hint = "unexpected libmaxminddb status"
        }
        let d = detail.isEmpty ? "" : ": \(detail)"
        return "MaxMind DB\(file): \(code.label)\(d) (\(hint))"
    }
}
