#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// A failed libsystemd journal call: which operation, on what, and the `errno` it returned.
///
/// libsystemd reports failures as negative `errno` values. This type keeps the number, its symbolic name
/// (`ENOENT`) and the operation (`sd_journal_open_directory`) so an operator can act on the message, and so
/// callers can match on ``code`` without parsing text.
///
/// ```swift
/// do { try journal.seek(cursor: saved) }
/// catch let error where error.errnoName == "EINVAL" { /* malformed cursor */ }
/// ```
public struct JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The libsystemd function that failed, e.g. `sd_journal_open_directory`.
    public var operation: String
    /// The positive `errno` value the call reported.
    public var code: Int32
    /// What the call was applied to (a path, a match, a cursor), when there is one.
    public var context: String?

    /// Creates an error for `operation`, which returned `code` (positive or negative `errno`).
    ///
    /// - Parameters:
    ///   - operation: The C function name.
    ///   - code: The `errno` value; the sign is ignored because libsystemd returns `-errno`.
    ///   - context: The argument the call was applied to, if useful to an operator.
    public init(operation: String, code: Int32, context: String? = nil) {
        self.operation = operation
        self.code = code == Int32.min ? Int32.max : abs(code)
        self.context = context
    }

    /// The symbolic name of ``code`` (`ENOENT`, `EINVAL`), or `errno <n>` for values without a known name.
    public var errnoName: String { ErrnoNames.name(code) }

    /// `sd_journal_open_directory(/var/log/journal) failed: ENOENT (No such file or directory)`.
    public var description: String {
        var text = operation
        if let context { text += "(\(context))" }
        text += " failed: \(errnoName) (\(ErrnoNames.message(code)))"
        return text
    }
}

/// A failed libsystemd daemon-protocol call (`sd_notify`, `sd_watchdog_enabled`, `sd_listen_fds`, `sd_is_socket`).
///
/// Same shape as ``JournalError``: the operation, the positive `errno` value and its symbolic name.
public struct SystemdError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The libsystemd function that failed, e.g. `sd_notify`.
    public var operation: String
    /// The positive `errno` value the call reported.
    public var code: Int32

    /// Creates an error for `operation`, which returned `code` (positive or negative `errno`).
    ///
    /// - Parameters:
    ///   - operation: The C function name.
    ///   - code: The `errno` value; the sign is ignored because libsystemd returns `-errno`.
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code == Int32.min ? Int32.max : abs(code)
    }

    /// The symbolic name of ``code`` (`EBADF`, `EINVAL`), or `errno <n>` for values without a known name.
    public var errnoName: String { ErrnoNames.name(code) }

    /// `sd_notify failed: ECONNREFUSED (Connection refused)`.
    public var description: String { "\(operation) failed: \(errnoName) (\(ErrnoNames.message(code)))" }
}

/// Symbolic names for the `errno` values libsystemd is documented or known to return.
enum ErrnoNames {
    static func name(_ code: Int32) -> String {
        switch code {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case ESRCH: "ESRCH"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case ENXIO: "ENXIO"
        case E2BIG: "E2BIG"
        case EBADF: "EBADF"
        case ECHILD: "ECHILD"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EFAULT: "EFAULT"
        case EBUSY: "EBUSY"
        case EEXIST: "EEXIST"
        case ENODEV: "ENODEV"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case EINVAL: "EINVAL"
        case ENFILE: "ENFILE"
        case EMFILE: "EMFILE"
        case ENOTTY: "ENOTTY"
        case EFBIG: "EFBIG"
        case ENOSPC: "ENOSPC"
        case ESPIPE: "ESPIPE"
        case EROFS: "EROFS"
        case EPIPE: "EPIPE"
        case ERANGE: "ERANGE"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case ENOSYS: "ENOSYS"
        case ENOTEMPTY: "ENOTEMPTY"
        case ELOOP: "ELOOP"
        case ENODATA: "ENODATA"
        case ETIME: "ETIME"
        case ENOLINK: "ENOLINK"
        case EPROTO: "EPROTO"
        case EBADMSG: "EBADMSG"
        case EOVERFLOW: "EOVERFLOW"
        case ENOTSOCK: "ENOTSOCK"
        case EMSGSIZE: "EMSGSIZE"
        case EPROTOTYPE: "EPROTOTYPE"
        case EPROTONOSUPPORT: "EPROTONOSUPPORT"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case EAFNOSUPPORT: "EAFNOSUPPORT"
        case EADDRINUSE: "EADDRINUSE"
        case EADDRNOTAVAIL: "EADDRNOTAVAIL"
        case ENETDOWN: "ENETDOWN"
        case ENOBUFS: "ENOBUFS"
        case EISCONN: "EISCONN"
        case ENOTCONN: "ENOTCONN"
        case ETIMEDOUT: "ETIMEDOUT"
        case ECONNREFUSED: "ECONNREFUSED"
        case EHOSTUNREACH: "EHOSTUNREACH"
        case EALREADY: "EALREADY"
        case EINPROGRESS: "EINPROGRESS"
        case ESTALE: "ESTALE"
        case EDQUOT: "EDQUOT"
        case ECANCELED: "ECANCELED"
        case EUCLEAN: "EUCLEAN"
        case ECHRNG: "ECHRNG"
        case ESHUTDOWN: "ESHUTDOWN"
        case EHOSTDOWN: "EHOSTDOWN"
        case EMEDIUMTYPE: "EMEDIUMTYPE"
        default: "errno \(code)"
        }
    }

    /// The C library's message for `code` (`strerror_r`, the thread-safe variant).
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        // Swift imports the XSI strerror_r: 0 on success, the message written into `buffer`.
        let text: String? = buffer.withUnsafeMutableBufferPointer { buf -> String? in
            guard let base = buf.baseAddress, strerror_r(code, base, buf.count) == 0 else { return nil }
            return String(cString: base)
        }
        return text ?? "errno \(code)"
    }
}
