namespace Newsletter.Delivery.Messages;

/// <summary>
/// Variable envelope return paths (VERP, as qmail and Postfix write them): the recipient is folded into the
/// envelope sender's local part, so a bounce that arrives at <c>bounces+alice=example.com@bounces.example.com</c>
/// names <c>alice@example.com</c> without parsing the bounce report.
/// </summary>
public static class VerpAddress
{
    /// <summary>RFC 5321 limit on a local part; longer ones are refused by some servers.</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>
    /// <c>bounces@b.example</c> + <c>alice@example.com</c> → <c>bounces+alice=example.com@b.example</c>.
    /// </summary>
    /// <returns>
    /// False, with <paramref name="verp"/> empty, when the result would not be a plain ASCII dot-atom local part of
    /// at most 64 characters (a quoted or internationalised recipient, or a very long one); the caller then uses the
    /// plain return path, which still gets the bounce, only without the recipient in it.
    /// </returns>
    public static bool TryEncode(string returnPath, string recipient, out string verp)
    {
        ArgumentNullException.ThrowIfNull(returnPath);
        ArgumentNullException.ThrowIfNull(recipient);
        verp = "";
        var at = returnPath.LastIndexOf('@');
        var recipientAt = recipient.LastIndexOf('@');
        if (at <= 0 || recipientAt <= 0 || recipientAt == recipient.Length - 1)
            return false;

        var local = returnPath[..at] + "+" + recipient[..recipientAt] + "=" + recipient[(recipientAt + 1)..];
        if (local.Length > MaxLocalPartLength || !IsDotAtom(local))
            return false;

        verp = local + returnPath[at..];
        return true;
    }

    /// <summary>
    /// The recipient folded into a VERP address by <see cref="TryEncode"/>: <c>bounces+alice=example.com@b.example</c> → <c>alice@example.com</c>.
    /// The first '+' ends the return path's own local part and the last '=' stands for the recipient's '@'.
    /// </summary>
    /// <returns>False for anything else: no '+' part, no '=', an empty user or a domain without a dot.</returns>
    public static bool TryDecode(string? verp, out string recipient)
    {
        recipient = "";
        if (string.IsNullOrWhiteSpace(verp))
            return false;
        verp = verp.Trim().Trim('<', '>');
        var at = verp.LastIndexOf('@');
        if (at <= 0)
            return false;
        var local = verp.AsSpan(0, at);
        var plus = local.IndexOf('+');
        var equals = local.LastIndexOf('=');
        if (plus < 0 || equals <= plus + 1 || equals == local.Length - 1)
            return false;

        var domain = local[(equals + 1)..];
        if (!domain.Contains('.'))
            return false;
        recipient = string.Concat(local[(plus + 1)..equals], "@", domain);
        return true;
    }

    // RFC 5322 atext plus '.', ASCII only; no leading, trailing or doubled dots.
    private static bool IsDotAtom(string local)
    {
        if (local.Length == 0 || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (var c in local)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c)))
                return false;
        }
        return true;
    }
}
