using System.Security.Cryptography;
using System.Text;

namespace Newsletter.Core.Signups;

/// <summary>A list that accepts readers through its signup form (<c>Newsletter:Lists:{name}:Signup</c> with <c>Enabled: true</c>).</summary>
/// <param name="ListName">The list's key.</param>
/// <param name="DisplayName">The name readers see.</param>
/// <param name="ConsentText">What the form tells the reader they agree to; shown beside the button.</param>
public sealed record ListSignup(string ListName, string DisplayName, string ConsentText)
{
    /// <summary>
    /// The SHA-256 of <see cref="ConsentText"/> (lower-case hex): what the store keeps of the text a reader was shown. The text
    /// itself lives in the operator's configuration history; the hash proves which version it was without copying it per reader.
    /// </summary>
    public string ConsentHash { get; } = HashOf(ConsentText);

    /// <summary>The hash of a consent text, as <see cref="ConsentHash"/>.</summary>
    public static string HashOf(string consentText) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(consentText.ReplaceLineEndings("\n").Trim())));

    /// <summary>Whether <paramref name="text"/> looks like a <see cref="ConsentHash"/> (64 lower-case hex digits).</summary>
    public static bool IsConsentHash(string? text) =>
        text is { Length: 64 } && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
