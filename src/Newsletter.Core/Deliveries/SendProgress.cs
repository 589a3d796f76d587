using System.Globalization;

namespace Newsletter.Core.Deliveries;

/// <summary>
/// Where one send stands: the send, how many of its deliveries are in each state, and when the next deferred delivery is due.
/// The one description of a send's state as operators read it, for <c>newsletter status</c>, the /sends page, the watcher of
/// <c>send --wait</c> and the monitoring gauges alike.
/// </summary>
/// <param name="NextAttemptAt">The earliest retry of a deferred delivery, if any is deferred.</param>
/// <param name="Complaints">
/// How many of the send's readers reported it as spam through a mailbox provider's feedback loop (each delivery counted once),
/// as the bounce mailbox pass found them.
/// </param>
public sealed record SendProgress(Send Send, DeliveryCounts Counts, DateTimeOffset? NextAttemptAt = null, int Complaints = 0)
{
    /// <summary>
    /// Complaints per message the server accepted (0.003 is 0.3%, the Gmail and Yahoo limit); 0 before anything was sent.
    /// </summary>
    public double ComplaintRate => ComplaintRateOf(Complaints, Counts.Sent);

    /// <summary>
    /// The complaint rate of any set of sends (a send, or an issue's sends together): their complaints over the messages they
    /// delivered, not an average of their rates; 0 before anything was sent.
    /// </summary>
    public static double ComplaintRateOf(int complaints, int sent) => sent == 0 ? 0 : (double)complaints / sent;

    /// <summary>A rate as operators read it: 0.003 → "0.3%", 0.0125 → "1.25%".</summary>
    public static string Percent(double rate) => (rate * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// The send's phase. Never <see cref="SendPhase.Finished"/> while anything is pending, in flight or deferred, whatever the
    /// stored state says; and a send whose every delivery is done counts as finished before the watcher has marked it so.
    /// </summary>
    public SendPhase Phase => Send.State switch
    {
        SendState.Finished when Counts.IsComplete => SendPhase.Finished,
        SendState.Cancelled => SendPhase.Cancelled,
        SendState.Paused => SendPhase.Paused,
        SendState.Scheduled when Send.ScheduledFor is not null => SendPhase.Scheduled,
        _ when Counts.IsComplete && Counts.Total > 0 => SendPhase.Finished,
        _ => SendPhase.InProgress,
    };

    /// <summary>The phase in one or two words: "scheduled", "in progress", "paused", "cancelled", "finished" (the <c>status --json</c> values).</summary>
    public string PhaseName => Phase switch
    {
        SendPhase.Scheduled => "scheduled",
        SendPhase.InProgress => "in progress",
        SendPhase.Paused => "paused",
        SendPhase.Cancelled => "cancelled",
        _ => "finished",
    };

    /// <summary>
    /// The phase with what an operator needs next to it: "paused: why", "scheduled for 2026-04-06 07:00 +01:00".
    /// </summary>
    /// <param name="zone">The time zone to show a time in: the machine's for the command line, UTC for the web.</param>
    public string Describe(TimeZoneInfo zone) => Phase switch
    {
        SendPhase.Paused when Send.PauseReason is { } reason => $"paused: {reason}",
        SendPhase.Scheduled => $"scheduled for {Time(Send.ScheduledFor!.Value, zone)}",
        _ => PhaseName,
    };

    /// <summary>Pausing makes sense: the send may still claim deliveries.</summary>
    public bool CanPause => Send.State is SendState.Running or SendState.Scheduled && !Counts.IsComplete;

    public bool CanResume => Send.State is SendState.Paused;

    /// <summary>Cancelling makes sense: the send has not finished and is not cancelled already.</summary>
    public bool CanCancel => Send.State is not (SendState.Finished or SendState.Cancelled);

    /// <summary>A time as this description writes it: "2026-04-06 06:00 UTC", or with the zone's offset.</summary>
    public static string Time(DateTimeOffset at, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(at, zone);
        return zone == TimeZoneInfo.Utc
            ? local.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
    }
}
