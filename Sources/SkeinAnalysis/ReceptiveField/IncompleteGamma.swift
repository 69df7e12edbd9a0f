import Foundation

/// The upper incomplete gamma function Gamma(a, z) = integral from z to infinity of t^(a-1) e^-t dt,
/// in logarithms so tiny tails do not underflow.
enum IncompleteGamma {
    /// log Gamma(a, z) for a > 0, z >= 0.
    static func logUpper(a: Double, z: Double) -> Double {
        if z <= 0 { return lgamma(a) }
        if z < a + 1 {
            // Gamma(a, z) = Gamma(a) - gamma(a, z), the lower part from its power series
            // gamma(a, z) = z^a e^-z sum_n z^n / (a (a+1) ... (a+n)).
            var term = 1 / a, sum = term, k = a
            for _ in 0..<10_000 {
                k += 1
                term *= z / k
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            let logLower = a * log(z) - z + log(sum)
            let lower = exp(logLower - lgamma(a))           // regularized P(a, z)
            return lgamma(a) + log(max(1 - lower, .leastNormalMagnitude))
        }
        // Continued fraction (modified Lentz) for Gamma(a, z) e^z z^-a.
        let tiny = 1e-300
        var b = z + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return -z + a * log(z) + log(h)
    }
}
