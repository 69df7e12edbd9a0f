/// ArgumentParser reads `-1` as a short flag, so `--temperature -1` used to fail with "Missing
/// value" before the option's own check could say what is wrong. Joining a negative number to
/// the option before it (`--temperature=-1`, `-d=-5`) lets every numeric option on every
/// command reach its validation, without listing the options.
enum NegativeNumberArguments {
    /// `arguments` with every `--name -N` written `--name=-N` (and `-x -N` written `-x=-N`)
    /// where `-N` is a negative number or a list starting with one (`-1,2`). Arguments after a
    /// lone `--` are left alone.
    static func join(_ arguments: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(arguments.count)
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                out.append(contentsOf: arguments[index...])
                break
            }
            if index + 1 < arguments.count, isOptionName(argument), isNegativeNumber(arguments[index + 1]) {
                out.append(argument + "=" + arguments[index + 1])
                index += 2
                continue
            }
            out.append(argument)
            index += 1
        }
        return out
    }

    /// `--name` or `-x` without an attached value.
    static func isOptionName(_ argument: String) -> Bool {
        guard argument.hasPrefix("-"), !argument.contains("="), !isNegativeNumber(argument) else { return false }
        if argument.hasPrefix("--") { return argument.count > 2 }
        return argument.count == 2
    }

    /// `-5`, `-0.5`, `-.5`, `-1e-3`, `-1,2,3`: a minus sign followed by a digit or by a dot and a digit.
    static func isNegativeNumber(_ argument: String) -> Bool {
        let scalars = Array(argument.unicodeScalars)
        guard scalars.count >= 2, scalars[0] == "-" else { return false }
        let isDigit = { (s: Unicode.Scalar) in ("0"..."9").contains(s) }
        if isDigit(scalars[1]) { return true }
        return scalars.count >= 3 && scalars[1] == "." && isDigit(scalars[2])
    }
}
