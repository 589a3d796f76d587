using System.Globalization;
using Newsletter.Core.Reports;

namespace Newsletter.Rendering.Pages;

/// <summary>The model of <c>templates/pages/reports/Issue.cshtml</c>: an issue's report, with its charts' geometry.</summary>
public sealed class IssueReportPage(IssueReport report, string scannerCaveat) : PageModel
{
    public IssueReport Report { get; } = report;

    /// <summary>Said under the clicks: they count requests, and scanners posing as browsers add to them.</summary>
    public string ScannerCaveat { get; } = scannerCaveat;

    /// <summary>Clicks per story as bars, most clicked first.</summary>
    public IReadOnlyList<SvgChart.Row> StoryBars => SvgChart.Rows(Report.Stories, s => s.Clicks,
        s => string.Create(CultureInfo.InvariantCulture, $"{s.Rank}. {SvgChart.Shorten(s.Title, 34)} · {s.Clicks:N0}"));

    /// <summary>The height in px of the clicks-per-story chart.</summary>
    public int StoryChartHeight => Math.Max(1, Report.Stories.Count) * SvgChart.RowHeight;

    /// <summary>Messages accepted per bucket as columns.</summary>
    public IReadOnlyList<SvgChart.Column> SentColumns => SvgChart.Columns(Report.SentOverTime, c => c.Count,
        c => string.Create(CultureInfo.InvariantCulture, $"{c.At:yyyy-MM-dd HH:mm:ss} UTC: {c.Count:N0} sent"));

    /// <summary>"10 s", "1 min", "1 h": the length of a bar of the messages-sent chart.</summary>
    public string SentBucketName => Report.SentBucket switch
    {
        { TotalHours: >= 1 } b => string.Create(CultureInfo.InvariantCulture, $"{b.TotalHours:0} h"),
        { TotalMinutes: >= 1 } b => string.Create(CultureInfo.InvariantCulture, $"{b.TotalMinutes:0} min"),
        var b => string.Create(CultureInfo.InvariantCulture, $"{b.TotalSeconds:0} s"),
    };

    /// <summary>Clicks per hour as columns.</summary>
    public IReadOnlyList<SvgChart.Column> ClickColumns => SvgChart.Columns(Report.ClicksOverTime, c => c.Count,
        c => string.Create(CultureInfo.InvariantCulture, $"{c.At:yyyy-MM-dd HH:mm} UTC: {c.Count:N0} clicks"));

    public int PlotHeight => SvgChart.PlotHeight;

    /// <summary>The largest count of a series, for the axis label.</summary>
    public static long Peak(IReadOnlyList<TimeCount> series) => series.Count == 0 ? 0 : series.Max(c => c.Count);

    /// <summary>"2026-04-06 07:00 UTC".</summary>
    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "–";

    /// <summary>"07:00:10": a time on the messages-sent axis, to the second.</summary>
    public static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
