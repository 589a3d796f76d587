using System.CommandLine;
using System.Data.Common;
using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Core.Bounces;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Signing;
using Newsletter.Delivery.Transports;
using Newsletter.Storage;
using Newsletter.Worker.Hosting;

namespace Newsletter.Worker.Cli;

/// <summary>
/// <c>newsletter check</c>: what an operator would otherwise learn from a failed first send, checked without sending:
/// the configuration, the SMTP relay (EHLO, STARTTLS, AUTH), the bounce mailbox and the complaint ceiling, the DKIM key; then the
/// DNS records to publish.
/// </summary>
public static class CheckCommand
{
    private const string Pass = "✓";
    private const string Fail = "✗";
    private const string Warn = "!";
    private const string Skip = "-";

    public static Command Build()
    {
        var command = new Command("check",
            "Check the setup before the first send, without sending anything: the configuration validates, the SMTP relay answers EHLO, " +
            "STARTTLS and AUTH, the bounce mailbox logs in (when enabled), the DKIM key loads. Prints the DNS records to publish (DKIM, " +
            "SPF and DMARC hints) and warns about DMARC alignment and an http PublicBaseUrl. Exit code 0 when every check passes, 1 otherwise.");
        command.SetAction((parse, ct) => RunAsync(ct));
        return command;
    }

    private static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")))
        {
            Console.WriteLine($"{Fail} configuration: no appsettings.json in {Directory.GetCurrentDirectory()}. Run newsletter from the folder that holds it.");
            return ExitCodes.PartialFailure;
        }

        // The host is built, never started: checking must not start a job server. The store and the job storage are opened
        // (their schema created if new) to prove they can be used, as the first send would.
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false));
        var services = host.Services;
        var failed = false;
        void Line(string mark, string text)
        {
            failed |= mark == Fail;
            Console.WriteLine($"{mark} {text}");
        }

        if (!CheckConfiguration(services, Line))
        {
            Line(Skip, "relay, bounce mailbox and DKIM not checked: fix the configuration first.");
            return ExitCodes.PartialFailure;
        }

        var contentRoot = services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        var sender = services.GetRequiredService<IOptions<SenderOptions>>().Value;
        var delivery = services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
        var dkim = services.GetRequiredService<IOptions<DkimOptions>>().Value;

        if (await CheckStoreAsync(services, Line, cancellationToken))
        {
            CheckJobStorage(services, Line);
        }
        else
        {
            Line(Skip, "job storage: not checked: it needs the store above.");
        }
        await CheckRelayAsync(services, delivery, Line, cancellationToken);
        await CheckBounceMailboxAsync(services, Line, cancellationToken);
        var dkimRecord = CheckDkim(dkim, contentRoot, Line);

        var fromDomain = EmailAddressRules.TryNormalize(sender.FromAddress, out var from, out _) ? from[(from.LastIndexOf('@') + 1)..] : "";
        if (dkim.Enabled && !string.IsNullOrWhiteSpace(dkim.Domain) && !DmarcAlignment.IsRelaxedAligned(dkim.Domain, fromDomain))
        {
            Line(Warn, $"DKIM domain {dkim.Domain} does not align with the From domain {fromDomain} (DMARC relaxed alignment needs the same " +
                       $"organizational domain): receivers ignore the signature for DMARC. Set {DkimOptions.SectionName}:Domain to {fromDomain} " +
                       "(or its parent) and publish the key there.");
        }
        if (Uri.TryCreate(sender.PublicBaseUrl, UriKind.Absolute, out var baseUrl) && baseUrl.Scheme != Uri.UriSchemeHttps)
        {
            Line(Warn, $"{SenderOptions.SectionName}:PublicBaseUrl is {sender.PublicBaseUrl}, not https: unsubscribe links and tokens cross the " +
                       "network in the clear, and Gmail and Yahoo expect one-click unsubscribe over HTTPS (RFC 8058). Put a TLS reverse proxy in " +
                       "front of `run` and set the https address.");
        }

        PrintDnsRecords(fromDomain, sender, delivery, dkimRecord);

        Console.WriteLine(failed ? "Some checks failed: fix the lines marked ✗ and run `newsletter check` again." : "All checks passed.");
        return failed ? ExitCodes.PartialFailure : ExitCodes.Success;
    }

    private static bool CheckConfiguration(IServiceProvider services, Action<string, string> line)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            line(Pass, "configuration: valid (appsettings.json and Newsletter__… environment variables).");
            return true;
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            var failures = (ex is AggregateException all ? all.InnerExceptions : [ex])
                .OfType<OptionsValidationException>()
                .SelectMany(e => e.Failures)
                .SelectMany(f => f.Split(Environment.NewLine))
                .Distinct();
            foreach (var failure in failures)
            {
                line(Fail, $"configuration: {failure}");
            }
            return false;
        }
    }

    /// <summary>Opens the store, reads its schema version and proves it takes writes; never prints the password.</summary>
    private static async Task<bool> CheckStoreAsync(IServiceProvider services, Action<string, string> line, CancellationToken cancellationToken)
    {
        StoreDatabase database;
        try
        {
            database = services.GetRequiredService<StoreDatabase>();
        }
        catch (ArgumentException ex)
        {
            line(Fail, $"store: the connection string in {StoreOptions.SectionName}:ConnectionString does not parse ({ex.Message}).");
            return false;
        }

        var kind = database is PostgreSqlDatabase ? "PostgreSQL" : "SQLite";
        try
        {
            var version = await database.ProbeAsync(cancellationToken);
            await database.ProbeWriteAsync(cancellationToken);
            line(Pass, $"store: {kind} {database.Description}, schema version {version}, writable.");
            return true;
        }
        catch (Exception ex) when (ex is DbException or StoreUnavailableException or InvalidOperationException or IOException or TimeoutException)
        {
            // A known failure already names the database and the fix; anything else gets the database named here.
            line(Fail, database.Unavailable(ex) is { } unavailable ? $"store: {unavailable.Message}" : $"store: {kind} {database.Description}: {ex.Message}");
            return false;
        }
    }

    /// <summary>Opens Hangfire's storage and takes (and frees) a lock in it, which is a write.</summary>
    private static void CheckJobStorage(IServiceProvider services, Action<string, string> line)
    {
        var store = services.GetRequiredService<IOptions<StoreOptions>>().Value;
        var where = store.Provider == StoreProvider.PostgreSql
            ? $"the hangfire schema of {services.GetRequiredService<StoreDatabase>().Description}"
            : Path.GetFullPath(services.GetRequiredService<IOptions<JobsOptions>>().Value.StoragePath);
        try
        {
            using var connection = services.GetRequiredService<JobStorage>().GetConnection();
            using var _ = connection.AcquireDistributedLock("newsletter:check", TimeSpan.FromSeconds(10));
            line(Pass, $"job storage: {where}, opened and writable.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            line(Fail, $"job storage: {where}: {(ex as StoreUnavailableException ?? ex.InnerException ?? ex).Message}");
        }
    }

    private static async Task CheckRelayAsync(IServiceProvider services, DeliveryOptions delivery, Action<string, string> line, CancellationToken cancellationToken)
    {
        if (delivery.Transport != MailTransportKind.Smtp)
        {
            line(Skip, $"SMTP relay: not used ({DeliveryOptions.SectionName}:Transport is {delivery.Transport}; messages go to {delivery.PickupDirectory}).");
            return;
        }

        var transport = services.GetRequiredService<SmtpMailTransport>();
        try
        {
            var probe = await transport.ProbeAsync(cancellationToken);
            var tls = probe.Tls is null ? "no TLS" : $"TLS {probe.Tls}";
            var login = probe.AuthenticatedAs is null ? "no login configured" : $"AUTH accepted for '{probe.AuthenticatedAs}'";
            line(Pass, $"SMTP relay {probe.Server}: EHLO answered, {tls}, {login}. Nothing was sent.");
            if (probe.RevocationNote is { } note)
            {
                line(Warn, $"SMTP relay {probe.Server}: certificate {note}.");
            }
            if (probe.Tls is null && probe.AuthenticatedAs is not null)
            {
                line(Warn, $"SMTP relay {probe.Server}: the password and every message cross the network unencrypted. Set " +
                           $"{DeliveryOptions.SectionName}:Smtp:Security to StartTls (port 587) or SslOnConnect (port 465) unless the relay is on this machine.");
            }
        }
        catch (DeliveryException ex) when (ex.Failure == DeliveryFailure.SessionRefused)
        {
            line(Fail, ex.Message);
        }
        catch (DeliveryException ex)
        {
            line(Fail, $"{ex.Message}. Check {DeliveryOptions.SectionName}:Smtp:Host, :Port and :Security ({delivery.Smtp.Security}), and that this " +
                       "machine may reach that port (firewalls often block 25 and 587 outbound).");
        }
    }

    private static async Task CheckBounceMailboxAsync(IServiceProvider services, Action<string, string> line, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<BounceOptions>>().Value;
        var ceiling = options.GetComplaintCeiling().Describe();
        if (!options.Enabled)
        {
            line(Skip, $"bounce mailbox: off ({BounceOptions.SectionName}:Enabled is false; bounces are not read).");
            line(Skip, $"complaints: feedback-loop reports are not read while the bounce mailbox is off, so nobody who reports spam is " +
                       $"suppressed and the complaint ceiling ({ceiling}) cannot act.");
            return;
        }

        try
        {
            var probe = await services.GetRequiredService<ImapBounceMailbox>().ProbeAsync(cancellationToken);
            line(Pass, $"bounce mailbox {probe.Server}: logged in as '{probe.User}' ({probe.Tls ?? "no TLS"}); folder {probe.Folder} holds {probe.Count} message(s).");
            line(Pass, $"complaints: feedback-loop reports (ARF) in {probe.Folder} suppress the reader on every list; {ceiling} " +
                       $"({BounceOptions.SectionName}:ComplaintRateCeiling, :ComplaintMinimumDelivered, :ComplaintMinimumCount).");
        }
        catch (BounceMailboxException ex)
        {
            line(Fail, ex.Message);
        }
    }

    private static DkimDnsRecord? CheckDkim(DkimOptions options, string contentRoot, Action<string, string> line)
    {
        if (!options.Enabled)
        {
            line(Warn, $"DKIM: signing is off ({DkimOptions.SectionName}:Enabled is false). Gmail and Yahoo require DKIM of bulk senders: " +
                       "generate a key and turn it on (README, DKIM).");
            return null;
        }
        if (!DkimDnsRecord.TryCreate(options, contentRoot, out var record, out var error))
        {
            line(Fail, $"DKIM: {error}");
            return null;
        }
        line(Pass, $"DKIM: {record!.KeyBits}-bit RSA key loaded; messages are signed d={options.Domain} s={options.Selector}.");
        return record;
    }

    private static void PrintDnsRecords(string fromDomain, SenderOptions sender, DeliveryOptions delivery, DkimDnsRecord? dkim)
    {
        var envelopeDomain = EmailAddressRules.TryNormalize(sender.ReturnPath ?? "", out var returnPath, out _)
            ? returnPath[(returnPath.LastIndexOf('@') + 1)..]
            : fromDomain;
        var relay = delivery.Transport == MailTransportKind.Smtp && !string.IsNullOrWhiteSpace(delivery.Smtp.Host) ? delivery.Smtp.Host : null;

        Console.WriteLine();
        Console.WriteLine("DNS records to publish:");
        if (dkim is not null)
        {
            Console.WriteLine($"  {dkim.Name}.  TXT  {dkim.ZoneFileValue()}");
        }
        else
        {
            Console.WriteLine("  (DKIM: none until signing is on and its key loads)");
        }
        var mechanism = relay is null ? "a:YOUR-RELAY-HOST"
            : System.Net.IPAddress.TryParse(relay, out var address)
                ? (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"ip6:{relay}" : $"ip4:{relay}")
                : $"a:{relay}";
        Console.WriteLine($"  {envelopeDomain}.  TXT  \"v=spf1 {mechanism} ~all\"");
        Console.WriteLine($"      SPF hint: the envelope-sender domain ({envelopeDomain}) must allow the relay's sending addresses. With a provider, use " +
                          "the include: it documents (e.g. include:_spf.provider.example) instead of a:, and merge it into any SPF record already there.");
        Console.WriteLine($"  _dmarc.{fromDomain}.  TXT  \"v=DMARC1; p=none; rua=mailto:dmarc-reports@{fromDomain}\"");
        Console.WriteLine("      DMARC hint: start with p=none and read the reports; move to p=quarantine once all your mail passes DKIM or SPF aligned with " +
                          $"{fromDomain}.");
        Console.WriteLine();
    }
}
