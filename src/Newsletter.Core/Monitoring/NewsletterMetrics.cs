using System.Diagnostics.Metrics;
using Newsletter.Core.Bounces;

namespace Newsletter.Core.Monitoring;

/// <summary>
/// The service's own instruments, on the <see cref="MeterName"/> meter (System.Diagnostics.Metrics). `run` exports them at
/// <c>/metrics</c>; in CLI commands nothing listens and recording costs next to nothing.
/// </summary>
/// <remarks>
/// Counters carry the list, never the issue or the address: a label value per issue would add series every week for the
/// life of the process. Per-issue figures are what the delivery log, <c>status</c> and the send gauges
/// (<c>GaugeReadings</c>) are for. Counters count what this process did since it started; Prometheus' rate() and
/// increase() handle the reset of a restart.
/// </remarks>
public sealed class NewsletterMetrics
{
    public const string MeterName = "Newsletter";

    /// <summary>SMTP replies and connects: from a few milliseconds on loopback to the minute of a slow relay's timeout.</summary>
    private static readonly IReadOnlyList<double> SmtpSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _deferred;
    private readonly Counter<long> _suppressed;
    private readonly Histogram<double> _smtpReply;
    private readonly Histogram<double> _smtpConnect;
    private readonly Counter<long> _bounces;
    private readonly Counter<long> _bouncePasses;
    private readonly Counter<long> _complaints;

    public NewsletterMetrics(IMeterFactory meters)
    {
        // From the host's factory, so two hosts in one process (the tests) each export only their own measurements.
        Meter = meters.Create(MeterName);
        _sent = Meter.CreateCounter<long>("newsletter.messages.sent", "{message}", "Messages the mail server accepted (2xx), by list.");
        _failed = Meter.CreateCounter<long>("newsletter.messages.failed", "{message}",
            "Messages that failed for good, by list and reason (recipient_refused, message_refused, unbuildable, retries_exhausted).");
        _deferred = Meter.CreateCounter<long>("newsletter.messages.deferred", "{message}",
            "Transient failures, each retried later, by list and reason (throttled, reply_4xx, connection).");
        _suppressed = Meter.CreateCounter<long>("newsletter.messages.suppressed", "{message}",
            "Deliveries skipped because the address is on the suppression list, by list.");
        _smtpReply = Meter.CreateHistogram<double>("newsletter.smtp.reply.duration", "s",
            "From handing a message to the SMTP connection to the server's final reply, by reply class (2xx, 4xx, 5xx, none).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SmtpSecondsBuckets });
        _smtpConnect = Meter.CreateHistogram<double>("newsletter.smtp.connect.duration", "s",
            "Opening an SMTP session: TCP connect, TLS, EHLO and AUTH, by outcome (ok, failed).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SmtpSecondsBuckets });
        _bounces = Meter.CreateCounter<long>("newsletter.bounces.processed", "{message}",
            "Messages read from the bounce mailbox, by outcome.");
        _bouncePasses = Meter.CreateCounter<long>("newsletter.bounces.passes", "{pass}",
            "Passes over the bounce mailbox, by result (ok, failed: the mailbox could not be read).");
        _complaints = Meter.CreateCounter<long>("newsletter.complaints", "{complaint}",
            "Feedback-loop complaints (a reader reported an issue as spam) counted against a send, by list.");
    }

    /// <summary>The meter the gauges of <c>GaugeReadings</c> join.</summary>
    public Meter Meter { get; }

    public void Sent(string list) => _sent.Add(1, new KeyValuePair<string, object?>("list", list));

    public void Failed(string list, FailureReason reason) =>
        _failed.Add(1, new KeyValuePair<string, object?>("list", list), new KeyValuePair<string, object?>("reason", Label(reason)));

    /// <param name="throttled">The server asked us to slow down (421 or an x.7.x status), as the send classified it.</param>
    /// <param name="replyCode">The server's reply code, or null when none came (the connection dropped, a timeout).</param>
    public void Deferred(string list, bool throttled, int? replyCode) =>
        _deferred.Add(1, new KeyValuePair<string, object?>("list", list), new KeyValuePair<string, object?>("reason", (throttled, replyCode) switch
        {
            (true, _) => "throttled",
            (_, >= 400 and < 500) => "reply_4xx",
            _ => "connection",
        }));

    public void Suppressed(string list, int count = 1)
    {
        if (count > 0) _suppressed.Add(count, new KeyValuePair<string, object?>("list", list));
    }

    /// <param name="replyCode">The server's final reply code, or null when none came (the connection dropped, a timeout).</param>
    public void SmtpReply(TimeSpan elapsed, int? replyCode) =>
        _smtpReply.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("reply", replyCode is >= 200 and < 600 ? $"{replyCode / 100}xx" : "none"));

    public void SmtpConnect(TimeSpan elapsed, bool succeeded) =>
        _smtpConnect.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed"));

    public void BounceProcessed(BounceOutcomeKind kind) => _bounces.Add(1, new KeyValuePair<string, object?>("outcome", kind switch
    {
        BounceOutcomeKind.HardBounceSuppressed => "hard_bounce_suppressed",
        BounceOutcomeKind.SoftBounceCounted => "soft_bounce_counted",
        BounceOutcomeKind.SoftBounceSuppressed => "soft_bounce_suppressed",
        BounceOutcomeKind.NotAFailure => "not_a_failure",
        BounceOutcomeKind.Unmatched => "unmatched",
        BounceOutcomeKind.Complaint => "complaint",
        BounceOutcomeKind.ComplaintUnmatched => "complaint_unmatched",
        _ => "unrecognised",
    }));

    /// <summary>A new complaint counted against a send to <paramref name="list"/> (a repeated report of the same delivery is not).</summary>
    public void Complained(string list) => _complaints.Add(1, new KeyValuePair<string, object?>("list", list));

    public void BouncePass(bool succeeded) => _bouncePasses.Add(1, new KeyValuePair<string, object?>("result", succeeded ? "ok" : "failed"));

    private static string Label(FailureReason reason) => reason switch
    {
        FailureReason.RecipientRefused => "recipient_refused",
        FailureReason.MessageRefused => "message_refused",
        FailureReason.Unbuildable => "unbuildable",
        _ => "retries_exhausted",
    };

    /// <summary>Why a message failed for good, a closed set so the label stays small.</summary>
    public enum FailureReason
    {
        /// <summary>5xx to the recipient: the address is suppressed.</summary>
        RecipientRefused,
        /// <summary>5xx to the message itself (e.g. 552 too big).</summary>
        MessageRefused,
        /// <summary>The message could not be built for this subscriber.</summary>
        Unbuildable,
        /// <summary>Transient failures until the retry window closed.</summary>
        RetriesExhausted,
    }
}
