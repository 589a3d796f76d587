using System.Text.RegularExpressions;

namespace Newsletter.Web.Clicks;

/// <summary>
/// Which requests for a tracked link count as a click: a GET from a browser. A HEAD, a request with no user agent, one whose
/// user agent is not a browser's (every browser's starts with "Mozilla/"), and one that names itself a robot, link preview or
/// security scanner are redirected all the same but not counted. Scanners that pose as browsers still count: the README and
/// the report say so.
/// </summary>
public static partial class ClickRequests
{
    /// <summary>"click" when the request counts, otherwise why not: "head" or "robot" (the metric's label values).</summary>
    public static string Classify(string method, string? userAgent)
    {
        if (HttpMethods.IsHead(method)) return "head";
        if (string.IsNullOrWhiteSpace(userAgent) || !userAgent.StartsWith("Mozilla/", StringComparison.Ordinal) || Robot().IsMatch(userAgent))
            return "robot";
        return "click";
    }

    // Crawlers, link unfurlers (chat apps, social sites), mail security gateways and headless browsers that say so.
    [GeneratedRegex(
        @"bot\b|bot/|crawl|spider|slurp|preview|scanner|scan/|headless|phantomjs|lighthouse|facebookexternalhit|embedly|" +
        @"whatsapp|telegram|skype|slack|discord|linkedin|pinterest|vkshare|outlook-ios|ms-office|microsoft office|safelinks|" +
        @"proofpoint|mimecast|barracuda|urldefense|symantec|trendmicro|sophos|fortinet|forcepoint|zscaler|checkpoint|curl|wget|" +
        @"python|go-http-client|java/|okhttp|libwww|httpclient|postman",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Robot();
}
