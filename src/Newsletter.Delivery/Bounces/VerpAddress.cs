namespace Newsletter.Delivery.Bounces;

/// <summary>
/// Variable envelope return paths: a message to alice@example.com goes out with the envelope sender
/// <c>bounces+alice=example.com@newsletter.example.com</c>, so a bounce addressed there names its subscriber
/// whatever the remote server writes in its report.
/// </summary>
public static class VerpAddress
{
    /// <summary>
    /// Decodes <c>local+user=domain@host</c> to <c>user@domain</c>; null when the address has no such part. The first
    /// <c>+</c> ends the return path's own local part (a subscriber's local part may contain <c>+</c> and <c>=</c>), and the
    /// last <c>=</c> starts the subscriber's domain (a domain has none).
    /// </summary>
    public static string? TryDecode(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return null;
        }

        var text = address.Trim().Trim('<', '>');
        var at = text.LastIndexOf('@');
        if (at <= 0)
        {
            return null;
        }

        var local = text[..at];
        var plus = local.IndexOf('+');
        if (plus < 0)
        {
            return null;
        }

        var encoded = local[(plus + 1)..];
        var equals = encoded.LastIndexOf('=');
        if (equals <= 0 || equals == encoded.Length - 1)
        {
            return null;
        }

        var user = encoded[..equals];
        var domain = encoded[(equals + 1)..];
        return domain.Contains('.') && !domain.Contains('@') && !user.Contains('@') ? $"{user}@{domain}" : null;
    }
}
