using MimeKit;

namespace Newsletter.Core.Lists;

/// <summary>
/// The one place that decides whether a configured address is usable: a bare RFC 5322 addr-spec as
/// MimeKit parses it in strict mode, with a local part and a domain that has a dot (or is
/// <c>localhost</c>), and no spaces or control characters. In Core because it is one rule for two users: the lists (every
/// subscriber's address) and the sender (From, Reply-To and Return-Path, checked at start and by the transport).
/// </summary>
public static class EmailAddressRules
{
    private static readonly ParserOptions Strict = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
        AllowUnquotedCommasInAddresses = false,
    };

    /// <summary>Validates and trims <paramref name="raw"/>.</summary>
    /// <param name="raw">The address as written in the config or CSV.</param>
    /// <param name="address">The trimmed address when valid, otherwise empty.</param>
    /// <param name="reason">Why it is invalid, phrased to follow the quoted value (e.g. "is not a valid email address (no '@')").</param>
    public static bool TryNormalize(string? raw, out string address, out string reason)
    {
        address = "";
        var text = raw?.Trim() ?? "";

        if (text.Length == 0)
        {
            reason = "is empty; an email address is required";
            return false;
        }

        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                reason = "is not a valid email address (it contains spaces, line breaks or control characters)";
                return false;
            }
        }

        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            reason = "is not a valid email address (no '@')";
            return false;
        }

        if (at == 0)
        {
            reason = "is not a valid email address (nothing before the '@')";
            return false;
        }

        var domain = text[(at + 1)..];
        if (domain.Length == 0)
        {
            reason = "is not a valid email address (no domain after the '@')";
            return false;
        }

        if (!MailboxAddress.TryParse(Strict, text, out var mailbox)
            || !string.IsNullOrEmpty(mailbox.Name)
            || mailbox.Route.Count > 0
            || !string.Equals(mailbox.Address, text, StringComparison.Ordinal))
        {
            reason = "is not a valid email address (RFC 5322 addr-spec, e.g. ada@example.com)";
            return false;
        }

        if (!domain.Contains('.') && !domain.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            reason = "is not a valid email address (the domain has no dot)";
            return false;
        }

        if (domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains(".."))
        {
            reason = "is not a valid email address (the domain is malformed)";
            return false;
        }

        address = text;
        reason = "";
        return true;
    }
}
