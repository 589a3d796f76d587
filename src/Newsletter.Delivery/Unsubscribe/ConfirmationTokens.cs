using System.Globalization;
using Newsletter.Core.Lists;

namespace Newsletter.Delivery.Unsubscribe;

/// <summary>
/// The signed token in a signup's confirmation link: <c>list \n address key \n nonce \n expiry</c>, made and checked by the
/// unsubscribe tokens' key and code (<see cref="UnsubscribeTokens.Sign"/>) under a purpose of its own, so an unsubscribe
/// token is never a confirmation token or the reverse. It names the list and address (its job) and expires; the nonce
/// makes it single-use against the store's waiting signup. Thread-safe.
/// </summary>
public sealed class ConfirmationTokens(UnsubscribeTokens keys)
{
    private const string Purpose = "newsletter-signup-confirm";

    /// <summary>Creates the token of a waiting signup.</summary>
    /// <exception cref="ArgumentException">A value is empty or the list name or nonce contains a line break.</exception>
    public string Create(string listName, string email, string nonce, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(listName);
        ArgumentException.ThrowIfNullOrEmpty(email);
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        if (listName.Contains('\n') || nonce.Contains('\n'))
            throw new ArgumentException("A list name or nonce cannot contain a line break.");
        return keys.Sign(Purpose, string.Join('\n', listName, EmailKey.Of(email).Value, nonce,
            expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Reads a token whose signature is valid (expired or not: the caller tells the reader which).</summary>
    /// <returns><c>false</c> for anything malformed, truncated, tampered with or signed with another key. Never throws.</returns>
    public bool TryRead(string? token, out Confirmation confirmation)
    {
        confirmation = default;
        if (!keys.TryVerify(Purpose, token, out var payload))
            return false;
        var parts = payload.Split('\n');
        if (parts.Length != 4 || parts.Take(3).Any(p => p.Length == 0)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
            return false;
        confirmation = new Confirmation(parts[0], parts[1], parts[2], DateTimeOffset.FromUnixTimeSeconds(expires));
        return true;
    }

    /// <summary>What a valid token says.</summary>
    /// <param name="Email">The address's <see cref="EmailKey"/>.</param>
    public readonly record struct Confirmation(string ListName, string Email, string Nonce, DateTimeOffset ExpiresAt)
    {
        public bool HasExpired(DateTimeOffset now) => now >= ExpiresAt;
    }
}
