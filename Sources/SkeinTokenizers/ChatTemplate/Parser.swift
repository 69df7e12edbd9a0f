/// Builds the statement tree from tokens (recursive descent, jinja2's grammar and precedence).
struct Parser {
    let tokens: [Token]
    var index = 0
    var depth = 0
    /// Guards against stack overflow on absurdly nested input.
    static let maxDepth = 200
    /// Bounds operator chains (`a ~ b ~ c ...`) in one expression, so evaluation cannot overflow the stack.
    static let maxChain = 2000
    var chain = 0

    init(tokens: [Token]) { self.tokens = tokens }

    static func parse(_ source: String) throws -> [Node] {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        let (body, _) = try parser.parseBody(until: [])
        return body
    }

    // MARK: tokens

    var current: Token { tokens[min(index, tokens.count - 1)] }
    func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }
    mutating func next() -> Token { let t = current; if index < tokens.count - 1 { index += 1 }; return t }
    func error(_ message: String) -> ChatTemplateError { .syntax(line: current.line, message: message) }

    func isName(_ name: String) -> Bool { current.kind == .name(name) }
    func isOp(_ op: String) -> Bool { current.kind == .op(op) }

    mutating func skipOp(_ op: String) -> Bool { if isOp(op) { index += 1; return true }; return false }
    mutating func skipName(_ name: String) -> Bool { if isName(name) { index += 1; return true }; return false }

    /// Counts one more compound node in the current expression.
    mutating func grow() throws {
        chain += 1
        if chain > Self.maxChain { throw error("expression longer than \(Self.maxChain) operations") }
    }

    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)', got \(describe(current))") }
    }

    mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw error("expected end of statement block, got \(describe(current))") }
        index += 1
    }

    mutating func expectName() throws -> String {
        guard case let .name(name) = current.kind else { throw error("expected a name, got \(describe(current))") }
        index += 1
        return name
    }

    func describe(_ token: Token) -> String {
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
            chain = 0
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

    mutating func parseStatement(_ tag: String, line: Int, stop: Set<String>) throws -> Node {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw error("blocks nested too deeply") }
        switch tag {
        case "for": return try parseFor(line: line)
        case "if": return try parseIf(line: line)
        case "set": return try parseSet(line: line)
        case "macro": return try parseMacro()
        case "break", "continue":
            try expectBlockEnd()
            return tag == "break" ? .breakLoop : .continueLoop
        case "filter":
            let name = try expectName()
            let arguments = skipOp("(") ? try parseCallArguments() : CallArguments()
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endfilter"])
            try expectBlockEnd()
            return .filterBlock(name: name, arguments, body, line: line)
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

    mutating func parseTargets() throws -> [String] {
        let parenthesized = skipOp("(")
        var names = [try expectName()]
        while skipOp(",") { names.append(try expectName()) }
        if parenthesized { try expectOp(")") }
        return names
    }

    mutating func parseFor(line: Int) throws -> Node {
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

    mutating func parseIf(line: Int) throws -> Node {
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
                return .ifChain(branches, otherwise: otherwise, line: line)
            default:
                try expectBlockEnd()
                return .ifChain(branches, otherwise: [], line: line)
            }
        }
    }

    mutating func parseSet(line: Int) throws -> Node {
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

    mutating func parseMacro() throws -> Node {
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
}
