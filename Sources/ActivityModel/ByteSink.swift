/// Where this module's text formatters (times, addresses, numbers, JSON) write UTF-8: a `[UInt8]`, or a
/// ``JSONWriter``'s own buffer. Generic over it, one formatter serves both without an intermediate array.
public protocol ByteSink: ~Copyable {
    mutating func put(_ byte: UInt8)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: ByteSink where Element == UInt8 {
    /// Appends one byte.
    @inline(__always) public mutating func put(_ byte: UInt8) { append(byte) }
    /// Appends the bytes.
    @inline(__always) public mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

extension ByteSink where Self: ~Copyable {
    /// A string's UTF-8 as is (no escaping).
    @inline(__always) public mutating func put(_ s: StaticString) {
        put(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}

/// The lower-case hexadecimal digit of `v` (0...15), as UTF-8 (JSON escapes, IPv6 text).
@inline(__always) func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 &+ v : 0x57 &+ v }

/// A growable byte buffer written without the per-append uniqueness check of an `Array` held in a
/// struct (a write is one bounds comparison and a store). Owned: not copyable, freed with its owner.
public struct ByteOutput: ~Copyable, ByteSink {
    private var base: UnsafeMutablePointer<UInt8>
    /// Number of bytes written so far.
    public private(set) var count = 0
    private var capacity: Int

    /// An empty buffer with room for `capacity` bytes (at least 16); it doubles when full.
    public init(capacity: Int = 512) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far; valid until the next write.
    public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Forgets what was written, keeping the memory.
    public mutating func removeAll() { count = 0 }

    /// Appends one byte, growing the buffer when it is full.
    @inline(__always) public mutating func put(_ byte: UInt8) {
        if count == capacity { grow(1) }
        base[count] = byte
        count &+= 1
    }

    /// Appends the bytes, growing the buffer when they do not fit.
    @inline(__always) public mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count > capacity &- count { grow(bytes.count) }
        if let src = bytes.baseAddress { (base + count).update(from: src, count: bytes.count) }
        count &+= bytes.count
    }

    @inline(never) private mutating func grow(_ needed: Int) {
        let newCapacity = max(capacity * 2, count + needed)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        new.update(from: base, count: count)
        base.deallocate()
        base = new
        capacity = newCapacity
    }
}
