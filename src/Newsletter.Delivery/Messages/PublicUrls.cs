using System.Globalization;
using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Delivery.Messages;

/// <summary>
/// Every public URL of the newsletter, in one place: the absolute ones that go into email (under
/// <see cref="SenderOptions.PublicBaseUrl"/>) and the site-relative paths the pages link and post to, which are also the
/// routes the web endpoints map. A link in an email identifies its reader only when that is its job (unsubscribe).
/// Thread-safe; register as a singleton.
/// </summary>
/// <remarks>To add a URL: a path constant or method here (the route the endpoint maps), and an absolute method built with <see cref="Absolute"/> for email.</remarks>
public sealed class PublicUrls
{
    /// <summary>The public, non-personal unsubscribe page, and the prefix of the personal ones (<c>/unsubscribe/{token}</c>).</summary>
    public const string UnsubscribePath = "/unsubscribe";

    /// <summary>The archive's index of past issues, and the prefix of each issue's page (<c>/issues/{number}</c>).</summary>
    public const string ArchivePath = "/issues";

    private readonly string _base;
    private readonly UnsubscribeTokens _tokens;

    /// <exception cref="ArgumentException"><see cref="SenderOptions.PublicBaseUrl"/> is not an absolute http(s) URL (the options validator reports the same at start-up).</exception>
    public PublicUrls(IOptions<SenderOptions> sender, UnsubscribeTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(tokens);
        var baseUrl = sender.Value.PublicBaseUrl;
        if (!SenderOptionsValidator.IsUsableBaseUrl(baseUrl))
            throw new ArgumentException($"{SenderOptions.SectionName}:PublicBaseUrl '{baseUrl}' is not an absolute http(s) URL.", nameof(sender));
        _base = baseUrl.TrimEnd('/');
        _tokens = tokens;
    }

    /// <summary>The page of one issue, relative to the site: <c>/issues/{number}</c>.</summary>
    public static string IssuePath(int issueNumber) => ArchivePath + "/" + issueNumber.ToString(CultureInfo.InvariantCulture);

    /// <summary>Where a reader's unsubscribe page posts, relative to the site: <c>/unsubscribe/{token}</c>.</summary>
    public static string UnsubscribeTokenPath(string token) => UnsubscribePath + "/" + Uri.EscapeDataString(token);

    /// <summary>Where the page after unsubscribing posts to undo it: <c>/unsubscribe/{token}/resubscribe</c>.</summary>
    public static string ResubscribePath(string token) => UnsubscribeTokenPath(token) + "/resubscribe";

    /// <summary>The public archive page of an issue ("view in browser"): <c>{PublicBaseUrl}/issues/{number}</c>.</summary>
    public Uri ViewInBrowser(int issueNumber) => new(Absolute(IssuePath(issueNumber)));

    /// <summary>The archive's index: <c>{PublicBaseUrl}/issues</c>.</summary>
    public Uri Archive => new(Absolute(ArchivePath));

    /// <summary>The unsubscribe link of the web copy of an issue: a page explaining where the personal link is, not anyone's token.</summary>
    public string PublicUnsubscribe => Absolute(UnsubscribePath);

    /// <summary>The one-click unsubscribe URL for <paramref name="subscriber"/> on <paramref name="list"/>: <c>{PublicBaseUrl}/unsubscribe/{token}</c>.</summary>
    public string Unsubscribe(ListIdentity list, Subscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(subscriber);
        return Absolute(UnsubscribeTokenPath(_tokens.Create(list.Name, subscriber.Email)));
    }

    /// <summary>A site-relative path (starting with '/') under <see cref="SenderOptions.PublicBaseUrl"/>.</summary>
    private string Absolute(string path) => _base + path;
}
