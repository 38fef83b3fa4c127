import NIOCore

/// Plain-language forms of errors that reach the command line from libraries.
enum CLIErrors {
    static func describe(_ error: any Error) -> String? {
        if let io = error as? IOError {
            switch io.errnoCode {
            case 98: return "cannot listen: the address is already in use"
            case 13: return "cannot listen: permission denied"
            case 99: return "cannot listen: the address is not available on this machine"
            default: return "\(io)"
            }
        }
        // Everything else: ArgumentParser's own wording, or the error's description.
        return nil
    }
}

/// A command's own failure, printed as one line.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
