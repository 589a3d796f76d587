namespace Newsletter.Core.Stories;

/// <summary>
/// Which link targets story content may carry into an email and onto the archive pages: <c>https:</c>, <c>http:</c> and
/// <c>mailto:</c> links, and <c>https:</c> images. Everything else (<c>javascript:</c>, <c>data:</c>, <c>vbscript:</c>, relative
/// paths, and any string a browser could read as one of those) is refused. One rule for the story importer and the renderer,
/// so what import lets through and what the renderer writes cannot drift apart.
/// </summary>
public static class StoryLinks
{
    /// <summary>The schemes a story's links may use, as written in errors.</summary>
    public const string AllowedLinkSchemes = "https:, http: or mailto:";

    /// <summary>Whether <paramref name="url"/> may be the target of a link in story content.</summary>
    public static bool IsAllowedLink(string? url) =>
        HasScheme(url, "https://") || HasScheme(url, "http://") || HasScheme(url, "mailto:");

    /// <summary>Whether <paramref name="url"/> may be the source of an image in story content (https only: no mixed content, no data: URLs).</summary>
    public static bool IsAllowedImage(string? url) => HasScheme(url, "https://");

    /// <summary>Whether a story's own link (its <c>url</c> field) may be linked: an absolute http or https address.</summary>
    public static bool IsAllowedStoryUrl(Uri? url) =>
        url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp) && IsAllowedLink(url.AbsoluteUri);

    // The check is on the exact text that ends up in the href: it must begin with the scheme itself. Browsers drop leading
    // spaces and control characters and ignore tabs and line breaks anywhere in a URL ("java\tscript:" runs), so any such
    // character refuses the link rather than being trimmed here. Entities are already decoded by the Markdown parser.
    private static bool HasScheme(string? url, string scheme)
    {
        if (url is null || !url.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || url.Length == scheme.Length) return false;
        foreach (var c in url)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c)) return false;
        }
        // http(s) links need a host: "https:///x" or "https://" alone would be read relative to the page by some clients.
        return scheme == "mailto:" || (Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Host.Length > 0);
    }
}
