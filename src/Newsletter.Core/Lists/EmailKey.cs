using System.Globalization;
using System.Text;

namespace Newsletter.Core.Lists;

/// <summary>
/// The canonical form of an email address for matching: two spellings of one mailbox (<c>ÄDA@Example.com</c>,
/// <c>äda@example.com</c>) have the same key. This is the only place it is computed; the store keeps it in a key column
/// and compares keys as plain text, never with SQL's <c>lower()</c> (SQLite's folds ASCII only, so it disagreed with .NET
/// and unsubscribes of non-ASCII addresses were ignored).
/// </summary>
/// <remarks>
/// The rule: trim; Unicode NFC (a precomposed <c>é</c> and <c>e</c> + combining acute are one letter); the local part
/// lower-cased with .NET's invariant culture (full Unicode, not only ASCII; RFC 5321 lets a server treat case as
/// significant, but no mailbox provider does, and two subscribers differing only in case are one person); the domain
/// mapped by IDNA (UTS 46) and kept in Unicode (<c>EXÄMPLE.com</c> and <c>xn--exmple-cua.com</c> are both
/// <c>exämple.com</c>; DNS ignores case). A domain
/// IDNA rejects is lower-cased like the local part. The key is idempotent: the key of a key is itself.
/// </remarks>
public readonly record struct EmailKey
{
    private static readonly IdnMapping Idn = new();

    private EmailKey(string value) => Value = value;

    /// <summary>The canonical text, as stored in key columns.</summary>
    public string Value { get; }

    /// <summary>The key of <paramref name="email"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="email"/> is null, empty or white space.</exception>
    public static EmailKey Of(string email)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        var text = email.Trim().Normalize(NormalizationForm.FormC);
        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            return new EmailKey(text.ToLowerInvariant());
        }

        var local = text[..at].ToLowerInvariant();
        var domain = text[(at + 1)..];
        string canonicalDomain;
        try
        {
            // Through ASCII and back: IDNA's own mapping (case, width, NFC), and a readable key for the pages that show it.
            canonicalDomain = domain.Length == 0 ? "" : Idn.GetUnicode(Idn.GetAscii(domain)).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            canonicalDomain = domain.ToLowerInvariant();
        }
        return new EmailKey(local + "@" + canonicalDomain);
    }

    /// <summary>
    /// Why keys cannot be computed correctly in this process, or null when they can. Under .NET's invariant globalization
    /// (<c>DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1</c>, or a container image without ICU) <see cref="string.Normalize()"/>
    /// leaves text as it is, so <c>E</c> + combining acute and <c>É</c> would get different keys: a store written with ICU
    /// would stop matching its own suppressions. The program refuses to run rather than match wrongly.
    /// </summary>
    public static string? UnicodeSupportProblem()
    {
        try
        {
            if ("E\u0301".Normalize(NormalizationForm.FormC) == "\u00C9" && "\u00C9".ToLowerInvariant() == "\u00E9")
            {
                return null;
            }
        }
        catch (PlatformNotSupportedException)
        {
            // Same cause, reported below.
        }
        return "Unicode normalization is not available in this process (.NET runs with invariant globalization: " +
               "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT is set, or ICU is not installed), and email addresses cannot be matched " +
               "correctly without it. Install ICU (Debian: apt-get install libicu-dev or libicu72; Alpine: apk add icu-libs) and " +
               "unset DOTNET_SYSTEM_GLOBALIZATION_INVARIANT.";
    }

    /// <summary>Whether two addresses are the same mailbox for matching.</summary>
    public static bool SameMailbox(string a, string b) => Of(a) == Of(b);

    public override string ToString() => Value;
}
