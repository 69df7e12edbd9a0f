/// Expressions, lowest to highest precedence: conditional, `or`, `and`, `not`, comparisons,
/// `+ -`, `~`, `* / // %`, `**`, unary sign, then primary with postfix (`.`, `[]`, call) and filters/tests.
extension Parser {

    /// An expression, or a tuple of them when separated by commas (`a, b`).
    mutating func parseTuple(allowConditional: Bool = true) throws -> Expr {
        let first = try parseExpression(allowConditional: allowConditional)
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if current.kind == .blockEnd || current.kind == .variableEnd || isOp(")") { break }
            items.append(try parseExpression(allowConditional: allowConditional))
        }
        return .tuple(items)
    }

    mutating func parseExpression(allowConditional: Bool = true) throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw error("expression nested too deeply") }
        var expr = try parseOr()
        while allowConditional, skipName("if") {
            let condition = try parseOr()
            let otherwise = skipName("else") ? try parseExpression() : nil
            expr = .conditional(expr, condition: condition, otherwise: otherwise)
        }
        return expr
    }

    mutating func parseOr() throws -> Expr {
        var expr = try parseAnd()
        while skipName("or") { try grow(); expr = .or(expr, try parseAnd()) }
        return expr
    }

    mutating func parseAnd() throws -> Expr {
        var expr = try parseNot()
        while skipName("and") { try grow(); expr = .and(expr, try parseNot()) }
        return expr
    }

    mutating func parseNot() throws -> Expr {
        if skipName("not") { return .unary("not", try parseNot()) }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expr {
        let first = try parseMath1()
        var comparisons: [(String, Expr)] = []
        while true {
            if case let .op(op) = current.kind, ["==", "!=", "<", ">", "<=", ">="].contains(op) {
                index += 1
                comparisons.append((op, try parseMath1()))
            } else if skipName("in") {
                comparisons.append(("in", try parseMath1()))
            } else if isName("not"), peek().kind == .name("in") {
                index += 2
                comparisons.append(("not in", try parseMath1()))
            } else {
                break
            }
        }
        // `a < b < c` means `a < b and b < c`.
        var left = first
        var result: Expr?
        for (op, right) in comparisons {
            try grow()
            let pair = Expr.binary(op, left, right)
            result = result.map { .and($0, pair) } ?? pair
            left = right
        }
        return result ?? first
    }

    mutating func parseBinary(_ ops: [String], _ operand: (inout Parser) throws -> Expr) throws -> Expr {
        var expr = try operand(&self)
        while case let .op(op) = current.kind, ops.contains(op) {
            index += 1
            try grow()
            expr = .binary(op, expr, try operand(&self))
        }
        return expr
    }

    mutating func parseMath1() throws -> Expr { try parseBinary(["+", "-"]) { try $0.parseConcat() } }
    mutating func parseConcat() throws -> Expr { try parseBinary(["~"]) { try $0.parseMath2() } }
    mutating func parseMath2() throws -> Expr { try parseBinary(["*", "/", "//", "%"]) { try $0.parsePow() } }
    mutating func parsePow() throws -> Expr { try parseBinary(["**"]) { try $0.parseUnary() } }

    /// `-x|abs` is `(-x)|abs` in jinja2: filters apply after the sign, so the operand takes none.
    mutating func parseUnary(withFilters: Bool = true) throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw error("expression nested too deeply") }
        var expr: Expr
        if case let .op(op) = current.kind, op == "-" || op == "+" {
            index += 1
            expr = .unary(op, try parseUnary(withFilters: false))
        } else {
            expr = try parsePostfix(try parsePrimary())
        }
        return withFilters ? try parseFilters(expr) : expr
    }

    mutating func parsePrimary() throws -> Expr {
        let token = next()
        switch token.kind {
        case let .name(name):
            switch name {
            case "true", "True": return .constant(.bool(true))
            case "false", "False": return .constant(.bool(false))
            case "none", "None": return .constant(.null)
            default: return .name(name)
            }
        case var .string(text):
            while case let .string(more) = current.kind { text += more; index += 1 }
            return .constant(.string(text))
        case let .integer(i): return .constant(.int(i))
        case let .float(d): return .constant(.double(d))
        case .op("("):
            if skipOp(")") { return .tuple([]) }
            let expr = try parseTuple()
            try expectOp(")")
            return expr
        case .op("["):
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return .list(items)
        case .op("{"):
            var pairs: [(key: Expr, value: Expr)] = []
            while !isOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            try expectOp("}")
            return .dict(pairs)
        default:
            throw ChatTemplateError.syntax(line: token.line, message: "unexpected \(describe(token)) in expression")
        }
    }

    mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var expr = base
        while true {
            if skipOp(".") {
                try grow()
                switch next().kind {
                case let .name(name): expr = .attribute(expr, name)
                case let .integer(i): expr = .item(expr, .constant(.int(i)))
                default: throw error("expected attribute name after '.'")
                }
            } else if skipOp("[") {
                try grow()
                expr = try parseSubscript(expr)
            } else if skipOp("(") {
                try grow()
                expr = .call(expr, try parseCallArguments())
            } else {
                return expr
            }
        }
    }

    mutating func parseSubscript(_ base: Expr) throws -> Expr {
        var parts: [Expr?] = []
        var sawColon = false
        var currentPart: Expr? = nil
        while !isOp("]") {
            if skipOp(":") {
                sawColon = true
                parts.append(currentPart)
                currentPart = nil
            } else {
                if currentPart != nil { throw error("expected ':' or ']' in subscript") }
                currentPart = try parseExpression()
            }
        }
        try expectOp("]")
        parts.append(currentPart)
        if !sawColon {
            guard let key = currentPart else { throw error("empty subscript") }
            return .item(base, key)
        }
        guard parts.count <= 3 else { throw error("too many ':' in slice") }
        return .slice(base, start: parts[0], stop: parts.count > 1 ? parts[1] : nil, step: parts.count > 2 ? parts[2] : nil)
    }

    mutating func parseCallArguments() throws -> CallArguments {
        var arguments = CallArguments()
        var first = true
        while !isOp(")") {
            if !first { try expectOp(",") }
            first = false
            if isOp(")") { break }
            if case let .name(name) = current.kind, peek().kind == .op("=") {
                index += 2
                arguments.keyword.append((name, try parseExpression()))
            } else {
                if !arguments.keyword.isEmpty { throw error("positional argument after keyword argument") }
                arguments.positional.append(try parseExpression())
            }
        }
        try expectOp(")")
        return arguments
    }

    mutating func parseFilters(_ base: Expr) throws -> Expr {
        var expr = base
        while true {
            if skipOp("|") {
                try grow()
                var name = try expectName()
                while isOp("."), case .name = peek().kind { index += 1; name += "." + (try expectName()) }
                let arguments = skipOp("(") ? try parseCallArguments() : CallArguments()
                expr = .filter(expr, name: name, arguments)
            } else if skipName("is") {
                try grow()
                let negated = skipName("not")
                let name = try expectName()
                var arguments = CallArguments()
                if skipOp("(") {
                    arguments = try parseCallArguments()
                } else if startsBareTestArgument() {
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                expr = .test(expr, name: name, arguments, negated: negated)
            } else {
                return expr
            }
        }
    }

    /// `x is divisibleby 3` / `x is sameas false`: a single argument without parentheses.
    func startsBareTestArgument() -> Bool {
        switch current.kind {
        case .string, .integer, .float: return true
        case let .name(name): return !["and", "or", "else", "if", "in", "is", "not"].contains(name)
        case .op("["), .op("{"): return true
        default: return false
        }
    }
}
