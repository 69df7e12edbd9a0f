/// Expression tree of a template.
indirect enum Expr: Sendable {
    case constant(TemplateValue)
    case name(String)
    case list([Expr])
    case tuple([Expr])
    case dict([(key: Expr, value: Expr)])
    case attribute(Expr, String)
    case item(Expr, Expr)
    case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
    case call(Expr, CallArguments)
    case filter(Expr, name: String, CallArguments)
    case test(Expr, name: String, CallArguments, negated: Bool)
    /// `not`, `-` or `+`.
    case unary(String, Expr)
    /// Arithmetic, `~`, comparisons, `in` and `not in`.
    case binary(String, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case conditional(Expr, condition: Expr, otherwise: Expr?)
}

/// Arguments as written at a call site.
struct CallArguments: Sendable {
    var positional: [Expr] = []
    var keyword: [(name: String, value: Expr)] = []
}

/// Target of `{% set %}`: plain names, or `namespace.attribute`.
enum SetTarget: Sendable {
    case names([String])
    case attribute(String, String)
}

/// A `{% macro %}` definition.
struct MacroDefinition: Sendable {
    var name: String
    /// Parameter names with their default expressions.
    var parameters: [(name: String, defaultValue: Expr?)]
    var body: [Node]
}

/// A statement of a template body.
indirect enum Node: Sendable {
    case text(String)
    case output(Expr, line: Int)
    case ifChain([(condition: Expr, body: [Node])], otherwise: [Node], line: Int)
    case forLoop(targets: [String], iterable: Expr, filter: Expr?, body: [Node], otherwise: [Node], line: Int)
    case set(SetTarget, Expr, line: Int)
    case setBlock(SetTarget, [Node], line: Int)
    case macro(MacroDefinition)
    case breakLoop
    case continueLoop
    /// transformers' `{% generation %}` block: rendered as its body.
    case generation([Node])
    /// `{% filter name(args) %}...{% endfilter %}`: the body's output passed through a filter.
    case filterBlock(name: String, CallArguments, [Node], line: Int)

    /// The source line of statements that evaluate expressions.
    var line: Int? {
        switch self {
        case let .output(_, line), let .ifChain(_, _, line), let .set(_, _, line), let .setBlock(_, _, line),
             let .filterBlock(_, _, _, line): return line
        case let .forLoop(_, _, _, _, _, line): return line
        default: return nil
        }
    }
}
