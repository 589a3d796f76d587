using System.Globalization;
using Newsletter.Core.Deliveries;

namespace Newsletter.Rendering.Pages;

/// <summary>The model of <c>templates/pages/operator/Sends.cshtml</c> (<c>GET /sends</c>): each issue's send as a whole.</summary>
/// <param name="form">The antiforgery field of the pause, resume and cancel buttons; null for read-only access (no buttons).</param>
public sealed class SendsPage(IReadOnlyList<SendRow> sends, IReadOnlyList<string> rejectedLists, FormToken? form) : PageModel
{
    /// <summary>Newest first.</summary>
    public IReadOnlyList<SendRow> Sends { get; } = sends;

    /// <summary>Why the last edit of the lists was rejected (the last good lists stay in force); empty when it was not.</summary>
    public IReadOnlyList<string> RejectedLists { get; } = rejectedLists;

    public FormToken? Form { get; } = form;

    /// <summary>The viewer may look but not change anything.</summary>
    public bool ReadOnly => Form is null;

    /// <summary>A count as the page shows it: 12,345.</summary>
    public static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A time in UTC, as <c>newsletter status</c> writes it; empty when there is none.</summary>
    public static string Time(DateTimeOffset? at) => at is { } t ? SendProgress.Time(t, TimeZoneInfo.Utc) : "";
}

/// <summary>One send on the /sends page: its progress, the page of its issue, and where its buttons post.</summary>
/// <param name="Control">Where a button posts for an action ("pause", "resume", "cancel").</param>
/// <param name="ReportPage">The issue's report (/sends/reports/{n}).</param>
public sealed record SendRow(SendProgress Progress, string IssuePage, Func<string, string> Control, string ReportPage)
{
    /// <summary>The send's state as operators read it everywhere (UTC on the web).</summary>
    public string State => Progress.Describe(TimeZoneInfo.Utc);

    /// <summary>
    /// The send's feedback-loop complaints in the words <c>newsletter status</c> uses: "0", or "2 (6.67% of the messages
    /// delivered)".
    /// </summary>
    public string Complaints => Progress.Complaints == 0
        ? SendsPage.Count(0)
        : $"{SendsPage.Count(Progress.Complaints)} ({SendProgress.Percent(Progress.ComplaintRate)} of the messages delivered)";
}

/// <summary>The model of an operator page that reports why something was not done, with a link back.</summary>
/// <param name="message">What went wrong, naming the fix (a domain exception's message).</param>
public sealed class NotDonePage(string message, string backTo) : PageModel
{
    public string Message { get; } = message;

    /// <summary>The page to go back to.</summary>
    public string BackTo { get; } = backTo;
}
