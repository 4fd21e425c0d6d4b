/// A value that must never be printed, logged or encoded by accident.
public struct Secret<Value: Sendable>: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself. Read it only where it is used.
    public let value: Value

    public init(_ value: Value) { self.value = value }

    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
}
