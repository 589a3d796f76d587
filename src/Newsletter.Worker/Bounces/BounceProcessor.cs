using Newsletter.Core.Bounces;
using Newsletter.Core.Monitoring;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Tls;
using Newsletter.Delivery.Transports;
using Newsletter.Storage;

namespace Newsletter.Worker.Bounces;

/// <summary>
/// One pass over the bounce mailbox (IMAP): reads each delivery status notification, matches it to the subscriber it
/// bounced for, suppresses hard bounces and counts soft ones, then moves the message out of the way (or marks it \Seen).
/// Nothing is ever deleted. Running it twice, even at once, suppresses and counts nothing twice.
/// </summary>
/// <remarks>
/// A notification is matched, in this order of preference:
/// <list type="number">
/// <item>the Message-ID of the returned message (or its headers), which names the exact delivery, so the address and the issue;</item>
/// <item>the VERP address it was sent to (<c>bounces+alice=example.com@…</c>), which names the address; the issue is the last one sent to it;</item>
/// <item>the report's Original-Recipient, then Final-Recipient, when we sent to that address (a forwarding server may have
/// rewritten Final-Recipient, which is why it comes last).</item>
/// </list>
/// The effects are recorded before the message is moved: a crash between the two leaves the message to be read again,
/// and reading it again changes nothing (suppressions and soft-bounce counts are keyed by address and issue).
/// </remarks>
public sealed partial class BounceProcessor(
    IOptions<BounceOptions> options,
    ISentMessageLookup sentMessages,
    ISendStore sends,
    ISuppressionList suppressions,
    BounceStore bounceStore,
    NewsletterMetrics metrics,
    ILogger<BounceProcessor> logger,
    IHostEnvironment? environment = null)
{
    private const int MaxDetailLength = 500;

    /// <summary>Reads every message waiting in the configured folder and handles it.</summary>
    /// <exception cref="BounceMailboxException">The server cannot be reached, the login is refused, or the folder does not exist.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; messages handled so far are already set aside.</exception>
    public async Task<BounceProcessingReport> ProcessAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var client = new ImapClient { Timeout = settings.TimeoutSeconds * 1000 };
        await ConnectAsync(client, settings, environment?.ContentRootPath, cancellationToken);

        var source = await OpenSourceAsync(client, settings, cancellationToken);
        (IMailFolder Processed, IMailFolder Unrecognised)? moveTo = string.IsNullOrWhiteSpace(settings.ProcessedFolder)
            ? null
            : (Processed: await GetOrCreateFolderAsync(client, settings.ProcessedFolder.Trim(), cancellationToken),
               Unrecognised: await GetOrCreateFolderAsync(client, settings.UnrecognisedFolder!.Trim(), cancellationToken));

        // Moving empties the folder of what was handled, so everything in it is waiting. Without a processed folder the
        // \Seen flag is the only mark of "handled".
        var uids = await source.SearchAsync(moveTo is null ? SearchQuery.NotSeen : SearchQuery.All, cancellationToken);
        var outcomes = new List<BounceOutcome>(uids.Count);
        foreach (var uid in uids)
        {
            (MimeMessage? message, string? readProblem) = await ReadAsync(source, uid, cancellationToken);
            var outcome = message is null
                ? new BounceOutcome(uid.Id, null, BounceOutcomeKind.Unrecognised, null, null, null, null, readProblem, "")
                : await HandleAsync(uid, message, settings, cancellationToken);

            string setAside;
            if (moveTo is { } folders)
            {
                var target = outcome.Kind == BounceOutcomeKind.Unrecognised ? folders.Unrecognised : folders.Processed;
                // Handled mail arrives read; unrecognised mail arrives unread and flagged, for a person.
                await source.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add,
                    outcome.Kind == BounceOutcomeKind.Unrecognised ? MessageFlags.Flagged : MessageFlags.Seen) { Silent = true }, cancellationToken);
                await source.MoveToAsync(uid, target, cancellationToken);
                setAside = $"moved to {target.FullName}";
            }
            else
            {
                var flags = outcome.Kind == BounceOutcomeKind.Unrecognised ? MessageFlags.Seen | MessageFlags.Flagged : MessageFlags.Seen;
                await source.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add, flags) { Silent = true }, cancellationToken);
                setAside = outcome.Kind == BounceOutcomeKind.Unrecognised ? "flagged and marked seen" : "marked seen";
            }

            outcome = outcome with { SetAside = setAside };
            Log(outcome, message);
            metrics.BounceProcessed(outcome.Kind);
            outcomes.Add(outcome);
        }

        await client.DisconnectAsync(quit: true, cancellationToken);
        var report = new BounceProcessingReport(outcomes);
        if (outcomes.Count > 0)
        {
            LogPass(source.FullName, report.Summary);
        }
        return report;
    }

    /// <summary>Connects, secures and logs in to the bounce mailbox; <c>newsletter check</c> uses it on its own.</summary>
    /// <exception cref="BounceMailboxException">The server cannot be reached, its certificate is refused, or the login is refused.</exception>
    public static async Task ConnectAsync(ImapClient client, BounceOptions settings, string? contentRoot, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Host) || string.IsNullOrWhiteSpace(settings.User))
        {
            throw new BounceMailboxException($"{BounceOptions.SectionName}:Host and :User must be set to read the bounce mailbox.");
        }
        var where = $"{settings.Host}:{settings.Port}";
        X509Certificate2Collection trustedCas = [];
        if (!string.IsNullOrWhiteSpace(settings.TrustedCaFile)
            && !TrustedCaFile.TryLoad($"{BounceOptions.SectionName}:TrustedCaFile", SmtpMailTransport.ResolvePath(settings.TrustedCaFile, contentRoot), out trustedCas, out var caError))
        {
            throw new BounceMailboxException(caError);
        }
        var validator = new ServerCertificateValidator(where, BounceOptions.SectionName, trustedCas, settings.CertificateRevocation,
            TimeSpan.FromSeconds(Math.Min(settings.TimeoutSeconds, 15)));
        // See SmtpMailTransport: MailKit's revocation check refuses every private CA without a CRL; the validator applies the policy.
        client.CheckCertificateRevocation = false;
        client.ServerCertificateValidationCallback = validator.Validate;
        // Our own socket with TCP_NODELAY: MailKit leaves Nagle on, and every IMAP command's last small write then waits for
        // the server's delayed ACK (about 40 ms a command, seconds a pass).
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
                try
                {
                    await socket.ConnectAsync(settings.Host, settings.Port, connectTimeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no answer within {settings.TimeoutSeconds} s ({BounceOptions.SectionName}:TimeoutSeconds)");
                }
            }
            await client.ConnectAsync(socket, settings.Host, settings.Port, settings.Security switch
            {
                MailboxSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                MailboxSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            }, cancellationToken);
        }
        catch (SslHandshakeException ex) when (validator.Problem is { } problem)
        {
            socket.Dispose();
            throw new BounceMailboxException($"Refused the bounce mailbox at {where}: {problem}", ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException or SslHandshakeException or ImapProtocolException
                                       or NotSupportedException or TimeoutException)
        {
            socket.Dispose();
            throw new BounceMailboxException(
                $"Cannot connect to the bounce mailbox at {where} ({BounceOptions.SectionName}:Host, :Port, :Security = {settings.Security}): {ex.Message}", ex);
        }

        try
        {
            await client.AuthenticateAsync(settings.User, settings.Password ?? "", cancellationToken);
        }
        catch (AuthenticationException ex)
        {
            throw new BounceMailboxException(
                $"The bounce mailbox at {where} refused the login '{settings.User}' ({BounceOptions.SectionName}:User and the environment variable " +
                $"Newsletter__Bounces__Password): {ex.Message}", ex);
        }
    }

    private static async Task<IMailFolder> OpenSourceAsync(ImapClient client, BounceOptions settings, CancellationToken cancellationToken)
    {
        var name = settings.Folder.Trim();
        IMailFolder folder;
        try
        {
            folder = name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? client.Inbox : await client.GetFolderAsync(name, cancellationToken);
        }
        catch (FolderNotFoundException ex)
        {
            throw new BounceMailboxException($"The bounce mailbox has no folder '{name}' ({BounceOptions.SectionName}:Folder).", ex);
        }
        await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        return folder;
    }

    private static async Task<IMailFolder> GetOrCreateFolderAsync(ImapClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            if (await client.GetFolderAsync(name, cancellationToken) is { } existing)
            {
                return existing;
            }
        }
        catch (FolderNotFoundException)
        {
            // Created below.
        }
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        return await root.CreateAsync(name, isMessageFolder: true, cancellationToken)
               ?? throw new BounceMailboxException($"The bounce mailbox did not create the folder '{name}'.");
    }

    private static async Task<(MimeMessage? Message, string? Problem)> ReadAsync(IMailFolder folder, UniqueId uid, CancellationToken cancellationToken)
    {
        try
        {
            return (await folder.GetMessageAsync(uid, cancellationToken), null);
        }
        catch (Exception ex) when (ex is ParseException or FormatException)
        {
            return (null, $"the message cannot be parsed as MIME: {ex.Message}");
        }
    }

    private async Task<BounceOutcome> HandleAsync(UniqueId uid, MimeMessage message, BounceOptions settings, CancellationToken cancellationToken)
    {
        var subject = message.Subject;
        if (!DeliveryStatusParser.TryParse(message, out var report, out var problem))
        {
            return new BounceOutcome(uid.Id, subject, BounceOutcomeKind.Unrecognised, null, null, null, null, problem, "");
        }

        var worst = report.Worst;
        if (report.Kind == BounceKind.None)
        {
            return new BounceOutcome(uid.Id, subject, BounceOutcomeKind.NotAFailure, worst.OriginalRecipient ?? worst.FinalRecipient, null, null,
                worst.Status, $"Action: {worst.Action}", "");
        }

        var match = await MatchAsync(report, cancellationToken);
        if (match is null)
        {
            return new BounceOutcome(uid.Id, subject, BounceOutcomeKind.Unmatched, worst.OriginalRecipient ?? worst.FinalRecipient, null, null,
                worst.Status, worst.DiagnosticCode, "");
        }

        var (email, issueNumber, matchedBy) = match.Value;
        var reply = Truncate(worst.DiagnosticCode ?? "no diagnostic");
        if (report.Kind == BounceKind.Hard)
        {
            await suppressions.AddAsync(email, listName: null, SuppressionReason.HardBounce,
                $"{worst.Status} on issue #{issueNumber}: {reply}", cancellationToken);
            return new BounceOutcome(uid.Id, subject, BounceOutcomeKind.HardBounceSuppressed, email, issueNumber, matchedBy, worst.Status, worst.DiagnosticCode, "");
        }

        var consecutive = await bounceStore.RecordSoftBounceAsync(email, issueNumber, worst.Status, worst.DiagnosticCode, cancellationToken);
        if (consecutive < settings.SoftBounceLimit)
        {
            return new BounceOutcome(uid.Id, subject, BounceOutcomeKind.SoftBounceCounted, email, issueNumber, matchedBy, worst.Status,
                $"{consecutive} of {settings.SoftBounceLimit} consecutive issues: {worst.DiagnosticCode}", "");
        }

        await suppressions.AddAsync(email, listName: null, SuppressionReason.SoftBounce,
            $"soft bounces on {consecutive} consecutive issues, the last {worst.Status} on issue #{issueNumber}: {reply}", cancellationToken);
        return new BounceOutcome(uid.Id, subject, BounceOutcomeKind.SoftBounceSuppressed, email, issueNumber, matchedBy, worst.Status,
            $"{consecutive} consecutive issues: {worst.DiagnosticCode}", "");
    }

    /// <summary>The subscriber and issue a bounce is about, by the order of preference in the remarks above.</summary>
    private async Task<(string Email, int IssueNumber, string MatchedBy)?> MatchAsync(DeliveryStatusReport report, CancellationToken cancellationToken)
    {
        foreach (var messageId in report.OriginalMessageIds)
        {
            if (await sentMessages.FindByMessageIdAsync(messageId, cancellationToken) is { } delivery
                && await sends.GetSendAsync(delivery.SendId, cancellationToken) is { } send)
            {
                return (delivery.Email, send.IssueNumber, "Message-ID");
            }
        }

        foreach (var address in report.VerpRecipients)
        {
            if (await bounceStore.FindLastSentAsync(address, cancellationToken) is { } sent)
            {
                return (sent.Email, sent.IssueNumber, "VERP");
            }
        }

        foreach (var recipient in report.Recipients.Where(r => r.Kind == report.Kind))
        {
            foreach (var (address, field) in new[] { (recipient.OriginalRecipient, "Original-Recipient"), (recipient.FinalRecipient, "Final-Recipient") })
            {
                if (!string.IsNullOrWhiteSpace(address) && await bounceStore.FindLastSentAsync(address, cancellationToken) is { } sent)
                {
                    return (sent.Email, sent.IssueNumber, field);
                }
            }
        }

        return null;
    }

    private static string Truncate(string text) => text.Length <= MaxDetailLength ? text : text[..MaxDetailLength] + "…";

    private void Log(BounceOutcome outcome, MimeMessage? message)
    {
        switch (outcome.Kind)
        {
            case BounceOutcomeKind.HardBounceSuppressed:
                LogHardBounce(outcome.Email!, outcome.Status!, outcome.IssueNumber!.Value, outcome.MatchedBy!, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.SoftBounceSuppressed:
                LogSoftBounceSuppressed(outcome.Email!, outcome.Status!, outcome.IssueNumber!.Value, outcome.MatchedBy!, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.SoftBounceCounted:
                LogSoftBounceCounted(outcome.Email!, outcome.Status!, outcome.IssueNumber!.Value, outcome.MatchedBy!, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.NotAFailure:
                LogNotAFailure(outcome.Uid, outcome.Subject, outcome.Detail, outcome.SetAside);
                break;
            case BounceOutcomeKind.Unmatched:
                LogUnmatched(outcome.Uid, outcome.Subject, outcome.Email, outcome.Status, outcome.SetAside);
                break;
            default:
                LogUnrecognised(outcome.Uid, outcome.Subject, message?.From.ToString(), outcome.Detail, outcome.SetAside);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox {Folder}: {Summary}")]
    private partial void LogPass(string folder, string summary);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Hard bounce {Status} for {Email} (issue #{IssueNumber}, matched by {MatchedBy}): suppressed on every list. Server said: {Reply}. Message {SetAside}")]
    private partial void LogHardBounce(string email, string status, int issueNumber, string matchedBy, string? reply, string setAside);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Soft bounce {Status} for {Email} (issue #{IssueNumber}, matched by {MatchedBy}): suppressed on every list after {Detail}. Message {SetAside}")]
    private partial void LogSoftBounceSuppressed(string email, string status, int issueNumber, string matchedBy, string? detail, string setAside);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Soft bounce {Status} for {Email} (issue #{IssueNumber}, matched by {MatchedBy}) counted: {Detail}. Message {SetAside}")]
    private partial void LogSoftBounceCounted(string email, string status, int issueNumber, string matchedBy, string? detail, string setAside);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox message {Uid} ('{Subject}') reports no failure ({Detail}); nothing to do. Message {SetAside}")]
    private partial void LogNotAFailure(uint uid, string? subject, string? detail, string setAside);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Bounce mailbox message {Uid} ('{Subject}') is a {Status} bounce for {Recipient}, who matches no message we sent (no known Message-ID, VERP address or recipient); nothing suppressed. Message {SetAside}")]
    private partial void LogUnmatched(uint uid, string? subject, string? recipient, string? status, string setAside);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Bounce mailbox message {Uid} ('{Subject}' from {From}) is not a delivery status notification that can be read: {Problem}. Nothing was suppressed; message {SetAside} for a person to read")]
    private partial void LogUnrecognised(uint uid, string? subject, string? from, string? problem, string setAside);
}
