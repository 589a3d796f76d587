using System.Globalization;
using Microsoft.Extensions.Options;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Delivery.Messages;

/// <summary>
/// Every public URL of the newsletter, in one place: the absolute ones that go into email (under
/// <see cref="SenderOptions.PublicBaseUrl"/>) and the site-relative paths the pages link and post to, which are also the
/// routes the web endpoints map. A link in an email identifies its reader only when that is its job (unsubscribe, a signup's confirmation).
/// Thread-safe; register as a singleton.
/// </summary>
/// <remarks>To add a URL: a path constant or method here (the route the endpoint maps), and an absolute method built with <see cref="Absolute"/> for email.</remarks>
public sealed class PublicUrls
{
    /// <summary>The public, non-personal unsubscribe page, and the prefix of the personal ones (<c>/unsubscribe/{token}</c>).</summary>
    public const string UnsubscribePath = "/unsubscribe";

    /// <summary>The archive's index of past issues, and the prefix of each issue's page (<c>/issues/{number}</c>).</summary>
    public const string ArchivePath = "/issues";

    /// <summary>The prefix of every signup route: a list's form is <c>/signup/{list}</c>, a confirmation link <c>/signup/confirm/{token}</c>.</summary>
    public const string SignupPrefix = "/signup";

    /// <summary>The archive's Atom feed.</summary>
    public const string FeedPath = ArchivePath + "/feed.atom";

    /// <summary>The prefix of tracked story links (<c>/r/{issue}/{link}/{signature}</c>), which count a click and redirect.</summary>
    public const string TrackedLinkPrefix = "/r";

    /// <summary>The route of a tracked story link, as the web endpoint maps it.</summary>
    public const string TrackedLinkRoute = TrackedLinkPrefix + "/{issue:int}/{link:int}/{signature}";

    /// <summary>The route of the operator's report of an issue.</summary>
    public const string ReportRoute = "/sends/reports/{issue:int}";

    /// <summary>The operator's report of an issue, relative to the site: <c>/sends/reports/{number}</c>.</summary>
    public static string ReportPath(int issueNumber) => "/sends/reports/" + issueNumber.ToString(CultureInfo.InvariantCulture);

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

    /// <summary>A list's signup form, and where it posts, relative to the site: <c>/signup/{list}</c>.</summary>
    public static string SignupPath(string listName) => SignupPrefix + "/" + Uri.EscapeDataString(listName);

    /// <summary>A signup's confirmation page, and where its Confirm button posts: <c>/signup/confirm/{token}</c>.</summary>
    public static string ConfirmPath(string token) => SignupPrefix + "/confirm/" + Uri.EscapeDataString(token);

    /// <summary>Where a list's signup form posts from another site: <c>{PublicBaseUrl}/signup/{list}</c>.</summary>
    public string Signup(string listName) => Absolute(SignupPath(listName));

    /// <summary>The link in a signup's confirmation mail: <c>{PublicBaseUrl}/signup/confirm/{token}</c>; its token names the reader, its job.</summary>
    public string Confirm(string token) => Absolute(ConfirmPath(token));

    /// <summary>The public archive page of an issue ("view in browser"): <c>{PublicBaseUrl}/issues/{number}</c>.</summary>
    public Uri ViewInBrowser(int issueNumber) => new(Absolute(IssuePath(issueNumber)));

    /// <summary>The archive's index: <c>{PublicBaseUrl}/issues</c>.</summary>
    public Uri Archive => new(Absolute(ArchivePath));

    /// <summary>The archive's Atom feed: <c>{PublicBaseUrl}/issues/feed.atom</c>.</summary>
    public Uri Feed => new(Absolute(FeedPath));

    /// <summary>
    /// A tracked story link: <c>{PublicBaseUrl}/r/{issue}/{link}/{signature}</c>. It names the issue and the link, never the
    /// reader: every reader's copy is this same URL.
    /// </summary>
    public Uri TrackedLink(int issueNumber, int linkId, string signature) =>
        new(Absolute(string.Create(CultureInfo.InvariantCulture, $"{TrackedLinkPrefix}/{issueNumber}/{linkId}/{Uri.EscapeDataString(signature)}")));

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
