/// Builds the statement tree from tokens (recursive descent, jinja2's grammar and precedence).
struct Parser {
    private let tokens: [Token]
    private var index = 0
    private var depth = 0
    /// Guards against stack overflow on absurdly nested input.
    static let maxDepth = 200

    init(tokens: [Token]) { self.tokens = tokens }

    static func parse(_ source: String) throws -> [Node] {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        let (body, _) = try parser.parseBody(until: [])
        return body
    }

    // MARK: tokens

    private var current: Token { tokens[min(index, tokens.count - 1)] }
    private func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }
    private mutating func next() -> Token { let t = current; if index < tokens.count - 1 { index += 1 }; return t }
    private func error(_ message: String) -> ChatTemplateError { .syntax(line: current.line, message: message) }

    private func isName(_ name: String) -> Bool { current.kind == .name(name) }
    private func isOp(_ op: String) -> Bool { current.kind == .op(op) }

    private mutating func skipOp(_ op: String) -> Bool { if isOp(op) { index += 1; return true }; return false }
    private mutating func skipName(_ name: String) -> Bool { if isName(name) { index += 1; return true }; return false }

    private mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)', got \(describe(current))") }
    }

    private mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw error("expected end of statement block, got \(describe(current))") }
        index += 1
    }

    private mutating func expectName() throws -> String {
        guard case let .name(name) = current.kind else { throw error("expected a name, got \(describe(current))") }
        index += 1
        return name
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case let .text(t): return "text \(t.prefix(20).debugDescription)"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case let .name(n): return "'\(n)'"
        case let .string(s): return "string \(s.prefix(20).debugDescription)"
        case let .integer(i): return "\(i)"
        case let .float(d): return "\(d)"
        case let .op(o): return "'\(o)'"
        case .end: return "end of template"
        }
    }

    // MARK: statements

    /// Parses nodes until a block tag named in `stop`; returns that tag's name (the tag is consumed up to its name).
    mutating func parseBody(until stop: Set<String>) throws -> ([Node], String?) {
        var nodes: [Node] = []
        while true {
            let token = next()
            switch token.kind {
            case let .text(text):
                nodes.append(.text(text))
            case .variableBegin:
                let expr = try parseTuple()
                guard current.kind == .variableEnd else { throw error("expected '}}', got \(describe(current))") }
                index += 1
                nodes.append(.output(expr, line: token.line))
            case .blockBegin:
                let tagLine = current.line
                let tag = try expectName()
                if stop.contains(tag) { return (nodes, tag) }
                nodes.append(try parseStatement(tag, line: tagLine, stop: stop))
            case .end:
                if !stop.isEmpty {
                    throw ChatTemplateError.syntax(line: token.line, message: "unexpected end of template, expected one of \(stop.sorted().map { "'\($0)'" }.joined(separator: ", "))")
                }
                return (nodes, nil)
            default:
                throw ChatTemplateError.syntax(line: token.line, message: "unexpected \(describe(token))")
            }
        }
    }

    private mutating func parseStatement(_ tag: String, line: Int, stop: Set<String>) throws -> Node {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw error("blocks nested too deeply") }
        switch tag {
        case "for": return try parseFor(line: line)
        case "if": return try parseIf()
        case "set": return try parseSet(line: line)
        case "macro": return try parseMacro()
        case "break", "continue":
            try expectBlockEnd()
            return tag == "break" ? .breakLoop : .continueLoop
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endgeneration"])
            try expectBlockEnd()
            return .generation(body)
        default:
            let hint = stop.isEmpty ? "" : " (expected one of \(stop.sorted().map { "'\($0)'" }.joined(separator: ", ")))"
            throw ChatTemplateError.syntax(line: line, message: "unknown tag '\(tag)'\(hint)")
        }
    }

    private mutating func parseTargets() throws -> [String] {
        let parenthesized = skipOp("(")
        var names = [try expectName()]
        while skipOp(",") { names.append(try expectName()) }
        if parenthesized { try expectOp(")") }
        return names
    }

    private mutating func parseFor(line: Int) throws -> Node {
        let targets = try parseTargets()
        guard skipName("in") else { throw error("expected 'in' in for loop") }
        let iterable = try parseTuple(allowConditional: false)
        let filter = skipName("if") ? try parseExpression() : nil
        if isName("recursive") { throw error("recursive for loops are not supported") }
        try expectBlockEnd()
        let (body, end) = try parseBody(until: ["endfor", "else"])
        var otherwise: [Node] = []
        if end == "else" {
            try expectBlockEnd()
            (otherwise, _) = try parseBody(until: ["endfor"])
        }
        try expectBlockEnd()
        return .forLoop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise, line: line)
    }

    private mutating func parseIf() throws -> Node {
        var branches: [(condition: Expr, body: [Node])] = []
        var condition = try parseTuple()
        while true {
            try expectBlockEnd()
            let (body, end) = try parseBody(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            switch end {
            case "elif":
                condition = try parseTuple()
            case "else":
                try expectBlockEnd()
                let (otherwise, _) = try parseBody(until: ["endif"])
                try expectBlockEnd()
                return .ifChain(branches, otherwise: otherwise)
            default:
                try expectBlockEnd()
                return .ifChain(branches, otherwise: [])
            }
        }
    }

    private mutating func parseSet(line: Int) throws -> Node {
        let first = try expectName()
        let target: SetTarget
        if skipOp(".") {
            target = .attribute(first, try expectName())
        } else {
            var names = [first]
            while skipOp(",") { names.append(try expectName()) }
            target = .names(names)
        }
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target, value, line: line)
        }
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endset"])
        try expectBlockEnd()
        return .setBlock(target, body, line: line)
    }

    private mutating func parseMacro() throws -> Node {
        let name = try expectName()
        var parameters: [(name: String, defaultValue: Expr?)] = []
        try expectOp("(")
        while !isOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let parameter = try expectName()
            parameters.append((parameter, skipOp("=") ? try parseExpression() : nil))
        }
        try expectOp(")")
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endmacro"])
        if case .name = current.kind { index += 1 }  // `{% endmacro name %}`
        try expectBlockEnd()
        return .macro(MacroDefinition(name: name, parameters: parameters, body: body))
    }

    // MARK: expressions (lowest to highest precedence)

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

    private mutating func parseOr() throws -> Expr {
        var expr = try parseAnd()
        while skipName("or") { expr = .or(expr, try parseAnd()) }
        return expr
    }

    private mutating func parseAnd() throws -> Expr {
        var expr = try parseNot()
        while skipName("and") { expr = .and(expr, try parseNot()) }
        return expr
    }

    private mutating func parseNot() throws -> Expr {
        if skipName("not") { return .unary("not", try parseNot()) }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expr {
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
            let pair = Expr.binary(op, left, right)
            result = result.map { .and($0, pair) } ?? pair
            left = right
        }
        return result ?? first
    }

    private mutating func parseBinary(_ ops: [String], _ operand: (inout Parser) throws -> Expr) throws -> Expr {
        var expr = try operand(&self)
        while case let .op(op) = current.kind, ops.contains(op) {
            index += 1
            expr = .binary(op, expr, try operand(&self))
        }
        return expr
    }

    private mutating func parseMath1() throws -> Expr { try parseBinary(["+", "-"]) { try $0.parseConcat() } }
    private mutating func parseConcat() throws -> Expr { try parseBinary(["~"]) { try $0.parseMath2() } }
    private mutating func parseMath2() throws -> Expr { try parseBinary(["*", "/", "//", "%"]) { try $0.parsePow() } }
    private mutating func parsePow() throws -> Expr { try parseBinary(["**"]) { try $0.parseUnary() } }

    private mutating func parseUnary() throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw error("expression nested too deeply") }
        if case let .op(op) = current.kind, op == "-" || op == "+" {
            index += 1
            return try parseFilters(.unary(op, try parseUnary()))
        }
        return try parseFilters(try parsePostfix(try parsePrimary()))
    }

    private mutating func parsePrimary() throws -> Expr {
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

    private mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var expr = base
        while true {
            if skipOp(".") {
                switch next().kind {
                case let .name(name): expr = .attribute(expr, name)
                case let .integer(i): expr = .item(expr, .constant(.int(i)))
                default: throw error("expected attribute name after '.'")
                }
            } else if skipOp("[") {
                expr = try parseSubscript(expr)
            } else if skipOp("(") {
                expr = .call(expr, try parseCallArguments())
            } else {
                return expr
            }
        }
    }

    private mutating func parseSubscript(_ base: Expr) throws -> Expr {
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

    private mutating func parseCallArguments() throws -> CallArguments {
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

    private mutating func parseFilters(_ base: Expr) throws -> Expr {
        var expr = base
        while true {
            if skipOp("|") {
                var name = try expectName()
                while isOp("."), case .name = peek().kind { index += 1; name += "." + (try expectName()) }
                let arguments = skipOp("(") ? try parseCallArguments() : CallArguments()
                expr = .filter(expr, name: name, arguments)
            } else if skipName("is") {
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
    private func startsBareTestArgument() -> Bool {
        switch current.kind {
        case .string, .integer, .float: return true
        case let .name(name): return !["and", "or", "else", "if", "in", "is", "not"].contains(name)
        case .op("["), .op("{"): return true
        default: return false
        }
    }
}
