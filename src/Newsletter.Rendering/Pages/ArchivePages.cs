using System.Globalization;
using Newsletter.Core.Composition;

namespace Newsletter.Rendering.Pages;

/// <summary>The model of <c>templates/pages/archive/Index.cshtml</c> (<c>GET /issues</c>): the issues that have gone out.</summary>
/// <param name="pageOf">The "view in browser" page of an issue, by number.</param>
public sealed class ArchivePage(IReadOnlyList<Issue> issues, Func<int, string> pageOf) : PageModel
{
    /// <summary>Newest first.</summary>
    public IReadOnlyList<Issue> Issues { get; } = issues;

    /// <summary>The "view in browser" page of an issue.</summary>
    public string PageOf(int issueNumber) => pageOf(issueNumber);

    public static string LongDate(DateOnly date) => date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture);
}

/// <summary>The model of <c>templates/pages/archive/NotFound.cshtml</c>: no sent issue with that number.</summary>
public sealed class IssueNotFoundPage(int number, string archive) : PageModel
{
    public int Number { get; } = number;

    /// <summary>The index of past issues.</summary>
    public string Archive { get; } = archive;
}
