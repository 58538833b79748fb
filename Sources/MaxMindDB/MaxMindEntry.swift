#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A path into a record, such as `["country", "names", "en"]` or `["subdivisions", "0", "names", "en"]`.
///
/// Build paths once and reuse them: the C strings libmaxminddb walks are made at init, so a lookup allocates
/// nothing for the path. A numeric component indexes an array (a negative one counts from the end, as
/// libmaxminddb does).
///
/// Sendable: `@unchecked`. Invariant: the C strings are written only in `init` and freed only in `deinit`; in
/// between they are read-only.
public final class MaxMindPath: @unchecked Sendable, CustomStringConvertible {
    /// The components, for messages.
    public let components: [String]
    /// A NULL-terminated array of NUL-terminated C strings, owned by this object.
    let cPath: UnsafeMutablePointer<UnsafePointer<CChar>?>

    /// The components the C path holds (the last ones of ``components`` for a path below another).
    private let cCount: Int

    /// Makes a path from its components.
    ///
    /// - Parameter components: map keys and array indexes, outermost first.
    public init(_ components: [String]) {
        self.components = components
        cCount = components.count
        cPath = .allocate(capacity: components.count + 1)
        for (i, c) in components.enumerated() { cPath[i] = UnsafePointer(strdup(c)) }
        cPath[components.count] = nil
    }

    /// A path below the map `parent` leads to, read from that map (``MaxMindEntry/map(at:)``), and named in
    /// messages by the whole path (`parent`'s components, then these).
    init(_ components: [String], below parent: MaxMindPath) {
        self.components = parent.components + components
        cCount = components.count
        cPath = .allocate(capacity: components.count + 1)
        for (i, c) in components.enumerated() { cPath[i] = UnsafePointer(strdup(c)) }
        cPath[components.count] = nil
    }

    /// Makes a path from its components.
    ///
    /// - Parameter components: map keys and array indexes, outermost first.
    public convenience init(_ components: String...) { self.init(components) }

    deinit {
        for i in 0..<cCount { free(UnsafeMutableRawPointer(mutating: cPath[i])) }
        cPath.deallocate()
    }

    /// The path joined with `/`.
    public var description: String { components.joined(separator: "/") }
}

/// One data record found by ``MaxMindDatabase/lookup(_:)``, read value by value.
///
/// An entry keeps its database open. Getters return `nil` when the path does not exist in the record, and throw
/// when the data is corrupt or the value has another type than the getter's (a string where a number belongs).
public struct MaxMindEntry {
    /// The database the record lives in.
    public let database: MaxMindDatabase
    let offset: UInt32
    /// The prefix length of the network the address was found in (IPv4 lengths for IPv4 addresses, even in an
    /// IPv6 database).
    public let prefixLength: Int

    /// The record's offset in the data section. Addresses that share a record share this value, so it can key a
    /// cache of decoded records for the lifetime of the database object.
    public var dataOffset: Int { Int(offset) }

    /// A UTF-8 string value. Invalid UTF-8 is repaired with U+FFFD, never trusted.
    ///
    /// - Parameter path: where the value is.
    /// - Returns: the string, or `nil` when the path does not exist.
    /// - Throws: ``MaxMindDBError`` (``MaxMindDBError/Code/unexpectedDataType`` for a non-string).
    public func string(at path: MaxMindPath) throws(MaxMindDBError) -> String? {
        switch try database.value(at: offset, path: path) {
        case nil: return nil
        case .string(let s): return s
        default: throw mismatch(path, "a string")
        }
    }

    /// A floating-point value (`double` or `float` in the file).
    ///
    /// - Parameter path: where the value is.
    /// - Returns: the value, or `nil` when the path does not exist.
    /// - Throws: ``MaxMindDBError`` (``MaxMindDBError/Code/unexpectedDataType`` for a non-float).
    public func double(at path: MaxMindPath) throws(MaxMindDBError) -> Double? {
        switch try database.value(at: offset, path: path) {
        case nil: return nil
        case .double(let d): return d
        default: throw mismatch(path, "a floating-point number")
        }
    }

    /// An unsigned integer (`uint16`, `uint32`, `uint64`, or a non-negative `int32` in the file).
    ///
    /// - Parameter path: where the value is.
    /// - Returns: the value, or `nil` when the path does not exist.
    /// - Throws: ``MaxMindDBError`` (``MaxMindDBError/Code/unexpectedDataType`` for anything else).
    public func unsignedInteger(at path: MaxMindPath) throws(MaxMindDBError) -> UInt64? {
        switch try database.value(at: offset, path: path) {
        case nil: return nil
        case .unsigned(let u): return u
        case .signed(let i) where i >= 0: return UInt64(i)
        default: throw mismatch(path, "an unsigned integer")
        }
    }

    /// A boolean value.
    ///
    /// - Parameter path: where the value is.
    /// - Returns: the value, or `nil` when the path does not exist.
    /// - Throws: ``MaxMindDBError`` (``MaxMindDBError/Code/unexpectedDataType`` for a non-boolean).
    public func bool(at path: MaxMindPath) throws(MaxMindDBError) -> Bool? {
        switch try database.value(at: offset, path: path) {
        case nil: return nil
        case .bool(let b): return b
        default: throw mismatch(path, "a boolean")
        }
    }

    /// The map at `path`, as an entry whose getters read paths below it (made with
    /// `MaxMindPath(_:below:)`): several values under one map cost one walk from the record's start to the map
    /// instead of one each (a GeoLite2 City record's `location` follows the `city`, `continent` and `country`
    /// maps, each with its names in eight languages, which every full path skipped again).
    ///
    /// - Returns: the map's entry, or `nil` when the path does not exist or holds something other than a map
    ///   (as a full path through it would find nothing).
    func map(at path: MaxMindPath) throws(MaxMindDBError) -> MaxMindEntry? {
        guard let at = try database.mapOffset(at: offset, path: path) else { return nil }
        return MaxMindEntry(database: database, offset: at, prefixLength: prefixLength)
    }

    private func mismatch(_ path: MaxMindPath, _ wanted: String) -> MaxMindDBError {
        MaxMindDBError(code: .unexpectedDataType, path: database.path, detail: "\(path) is not \(wanted)")
    }
}
