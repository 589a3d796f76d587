using System.Globalization;
using Newsletter.Core.Deliveries;

namespace Newsletter.Worker.Sending;

/// <summary>
/// Shows send progress as plain lines, at most one every few seconds, for output redirected to a file or a CI log
/// (a terminal gets Spectre.Console's progress bar instead: see ConsoleProgress).
/// </summary>
public sealed class ProgressLine(TextWriter output, TimeProvider clock)
{
    private static readonly TimeSpan PlainLineInterval = TimeSpan.FromSeconds(3);
    private DeliveryCounts? _last;
    private DateTimeOffset _lastWritten = DateTimeOffset.MinValue;

    public void Report(DeliveryCounts counts, DateTimeOffset? nextAttempt)
    {
        if (counts == _last) return;
        var done = counts.Total - counts.Outstanding;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"  {done,7:N0} / {counts.Total:N0} done  ({counts.Sent:N0} sent, {counts.Failed:N0} failed, {counts.Suppressed:N0} suppressed, {counts.Pending + counts.Sending:N0} to go");
        if (counts.Deferred > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {counts.Deferred:N0} deferred until {nextAttempt?.ToLocalTime():HH:mm:ss}");
        }
        line += ")";

        if (counts.IsComplete || clock.GetUtcNow() - _lastWritten >= PlainLineInterval)
        {
            output.WriteLine(line);
            _lastWritten = clock.GetUtcNow();
        }
        _last = counts;
    }
}
