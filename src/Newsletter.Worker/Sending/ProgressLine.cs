using System.Globalization;
using Newsletter.Core.Deliveries;

namespace Newsletter.Worker.Sending;

/// <summary>
/// Shows send progress: one line rewritten in place on a terminal, plain lines (at most one every few seconds)
/// when the output is redirected to a file or a CI log.
/// </summary>
public sealed class ProgressLine(TextWriter output, bool interactive)
{
    private static readonly TimeSpan PlainLineInterval = TimeSpan.FromSeconds(3);
    private DeliveryCounts? last;
    private DateTimeOffset lastWritten = DateTimeOffset.MinValue;

    public static ProgressLine ForConsole() => new(Console.Out, !Console.IsOutputRedirected);

    public void Report(DeliveryCounts counts, DateTimeOffset? nextAttempt)
    {
        if (counts == last) return;
        var done = counts.Total - counts.Outstanding;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"  {done,7:N0} / {counts.Total:N0} done  ({counts.Sent:N0} sent, {counts.Failed:N0} failed, {counts.Suppressed:N0} suppressed, {counts.Pending + counts.Sending:N0} to go");
        if (counts.Deferred > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {counts.Deferred:N0} deferred until {nextAttempt?.ToLocalTime():HH:mm:ss}");
        }
        line += ")";

        if (interactive)
        {
            output.Write("\r" + line.PadRight(100));
            if (counts.IsComplete) output.WriteLine();
        }
        else if (counts.IsComplete || DateTimeOffset.UtcNow - lastWritten >= PlainLineInterval)
        {
            output.WriteLine(line);
            lastWritten = DateTimeOffset.UtcNow;
        }
        last = counts;
    }
}
