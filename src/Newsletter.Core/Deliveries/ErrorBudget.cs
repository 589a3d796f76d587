namespace Newsletter.Core.Deliveries;

/// <summary>
/// When a send has failed too often to go on: the rule that pauses a send instead of burning through a list whose
/// addresses (or whose relay) are broken.
/// </summary>
/// <remarks>
/// Failures cluster: old sign-ups sit at the head of a list, and the first few dozen attempts are not a fair sample. "5 of
/// 24 failed" is 21%, yet nine dead addresses in a thousand is normal. So the observed rate alone never pauses a send.
/// It pauses when, after at least <see cref="MinimumAttempts"/> attempts, the failure rate is above the budget with 99%
/// confidence: the lower bound of the Wilson score interval (z = 2.576) of failed/tried exceeds <see cref="Budget"/>. With the
/// defaults (20%, 100 attempts) a send where half or more of the addresses fail stops at the 100th attempt, while a healthy
/// list may start with up to about 30 dead addresses in a row without pausing (30 of 100 is 30%, but its lower bound is 19.8%).
/// </remarks>
/// <param name="Budget">The share of permanent failures that is too many (0..1).</param>
/// <param name="MinimumAttempts">Never judge on fewer attempts than this.</param>
public sealed record ErrorBudget(double Budget, int MinimumAttempts)
{
    /// <summary>The z value of a one-sided 99.5% (two-sided 99%) normal quantile.</summary>
    private const double Z = 2.576;

    /// <summary>Whether <paramref name="failed"/> permanent failures out of <paramref name="tried"/> attempts exceed the budget.</summary>
    public bool IsExceeded(int failed, int tried) =>
        tried >= MinimumAttempts && tried > 0 && WilsonLowerBound(failed, tried) > Budget;

    /// <summary>The lower bound of the 99% Wilson score interval of the proportion <paramref name="failed"/>/<paramref name="tried"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tried"/> is not positive, or <paramref name="failed"/> is outside 0..tried.</exception>
    public static double WilsonLowerBound(int failed, int tried)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tried);
        ArgumentOutOfRangeException.ThrowIfNegative(failed);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(failed, tried);

        double n = tried;
        var p = failed / n;
        var z2 = Z * Z;
        var centre = p + z2 / (2 * n);
        var margin = Z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return Math.Max(0, (centre - margin) / (1 + z2 / n));
    }
}
