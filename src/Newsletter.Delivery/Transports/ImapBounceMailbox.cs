using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Options;
using Newsletter.Core.Bounces;
using Newsletter.Delivery.Bounces;
using Newsletter.Delivery.Tls;

namespace Newsletter.Delivery.Transports;

/// <summary>
/// The bounce mailbox over IMAP with MailKit, as <see cref="SmtpMailTransport"/> is the relay. Handled mail is moved to
/// <see cref="BounceOptions.ProcessedFolder"/> (mail for a person to <see cref="BounceOptions.UnrecognisedFolder"/>, flagged);
/// without a processed folder it is marked \Seen in place and only unseen mail is read. Nothing is ever deleted.
/// The socket is connected here with TCP_NODELAY set: MailKit leaves Nagle on, and every IMAP command's last small write then
/// waits for the server's delayed ACK (about 40 ms a command, seconds a pass).
/// </summary>
public sealed class ImapBounceMailbox : IBounceMailbox
{
    private const string Section = BounceOptions.SectionName;

    private readonly IOptions<BounceOptions> _options;
    private readonly string? _contentRoot;

    /// <param name="contentRoot">The folder a relative <see cref="BounceOptions.TrustedCaFile"/> is resolved against (default: the current folder).</param>
    public ImapBounceMailbox(IOptions<BounceOptions> options, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _contentRoot = contentRoot;
    }

    public async Task<IBounceMailboxSession> OpenAsync(CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        var client = await ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var source = await GetFolderAsync(client, settings, cancellationToken).ConfigureAwait(false);
            await source.OpenAsync(FolderAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
            (IMailFolder Processed, IMailFolder Unrecognised)? moveTo = string.IsNullOrWhiteSpace(settings.ProcessedFolder)
                ? null
                : (Processed: await GetOrCreateFolderAsync(client, settings.ProcessedFolder.Trim(), cancellationToken).ConfigureAwait(false),
                   Unrecognised: await GetOrCreateFolderAsync(client, settings.UnrecognisedFolder!.Trim(), cancellationToken).ConfigureAwait(false));
            return new Session(client, source, moveTo);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects, secures and logs in as a pass would, and counts the messages in the folder, without opening it for writing or
    /// creating any folder: for <c>newsletter check</c>.
    /// </summary>
    /// <exception cref="BounceMailboxException">The server cannot be reached or answers with an error, its certificate or the login is refused, or the folder does not exist.</exception>
    public async Task<BounceMailboxProbe> ProbeAsync(CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        using var client = await ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var folder = await GetFolderAsync(client, settings, cancellationToken).ConfigureAwait(false);
            await folder.StatusAsync(StatusItems.Count, cancellationToken).ConfigureAwait(false);
            var probe = new BounceMailboxProbe($"imap://{settings.Host}:{settings.Port}", client.IsSecure ? $"TLS {client.SslProtocol}" : null,
                settings.User!, folder.FullName, folder.Count);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            return probe;
        }
        catch (Exception ex) when (ex is IOException or ImapProtocolException or ImapCommandException or TimeoutException)
        {
            throw new BounceMailboxException(
                $"The bounce mailbox at imap://{settings.Host}:{settings.Port}: {ex.Message} Check {Section}:Host, :Port and :Security.", ex);
        }
    }

    /// <summary>Connects, secures and logs in to the bounce mailbox.</summary>
    /// <exception cref="BounceMailboxException">The server cannot be reached, its certificate is refused, or the login is refused.</exception>
    private async Task<ImapClient> ConnectAsync(BounceOptions settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Host) || string.IsNullOrWhiteSpace(settings.User))
        {
            throw new BounceMailboxException($"{Section}:Host and :User must be set to read the bounce mailbox.");
        }
        var where = $"{settings.Host}:{settings.Port}";
        X509Certificate2Collection trustedCas = [];
        if (!string.IsNullOrWhiteSpace(settings.TrustedCaFile)
            && !TrustedCaFile.TryLoad($"{Section}:TrustedCaFile", SmtpMailTransport.ResolvePath(settings.TrustedCaFile, _contentRoot), out trustedCas, out var caError))
        {
            throw new BounceMailboxException(caError);
        }
        var validator = new ServerCertificateValidator(where, Section, trustedCas, settings.CertificateRevocation,
            TimeSpan.FromSeconds(Math.Min(settings.TimeoutSeconds, 15)));
        var client = new ImapClient
        {
            Timeout = settings.TimeoutSeconds * 1000,
            // See SmtpMailTransport: MailKit's revocation check refuses every private CA without a CRL; the validator applies the policy.
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = validator.Validate,
        };
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
                try
                {
                    await socket.ConnectAsync(settings.Host, settings.Port, connectTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no answer within {settings.TimeoutSeconds} s ({Section}:TimeoutSeconds)");
                }
            }
            await client.ConnectAsync(socket, settings.Host, settings.Port, settings.Security switch
            {
                MailboxSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                MailboxSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (SslHandshakeException ex) when (validator.Problem is { } problem)
        {
            client.Dispose();
            socket.Dispose();
            throw new BounceMailboxException($"Refused the bounce mailbox at {where}: {problem}", ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException or SslHandshakeException or ImapProtocolException
                                       or NotSupportedException or TimeoutException)
        {
            client.Dispose();
            socket.Dispose();
            throw new BounceMailboxException(
                $"Cannot connect to the bounce mailbox at {where} ({Section}:Host, :Port, :Security = {settings.Security}): {ex.Message}", ex);
        }
        catch
        {
            client.Dispose();
            socket.Dispose();
            throw;
        }

        try
        {
            await client.AuthenticateAsync(settings.User, settings.Password ?? "", cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException ex)
        {
            client.Dispose();
            throw new BounceMailboxException(
                $"The bounce mailbox at {where} refused the login '{settings.User}' ({Section}:User and the environment variable " +
                $"Newsletter__Bounces__Password): {ex.Message}", ex);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }

    private static async Task<IMailFolder> GetFolderAsync(ImapClient client, BounceOptions settings, CancellationToken cancellationToken)
    {
        var name = settings.Folder.Trim();
        try
        {
            return name.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                ? client.Inbox
                : await client.GetFolderAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderNotFoundException ex)
        {
            throw new BounceMailboxException(
                $"The bounce mailbox has no folder '{name}' ({Section}:Folder). Name the folder bounces arrive in.", ex);
        }
    }

    private static async Task<IMailFolder> GetOrCreateFolderAsync(ImapClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            if (await client.GetFolderAsync(name, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                return existing;
            }
        }
        catch (FolderNotFoundException)
        {
            // Created below.
        }
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        return await root.CreateAsync(name, isMessageFolder: true, cancellationToken).ConfigureAwait(false)
               ?? throw new BounceMailboxException($"The bounce mailbox did not create the folder '{name}'.");
    }

    private sealed class Session(ImapClient client, IMailFolder source, (IMailFolder Processed, IMailFolder Unrecognised)? moveTo)
        : IBounceMailboxSession
    {
        public string Folder => source.FullName;

        public async Task<IReadOnlyList<uint>> FindWaitingAsync(CancellationToken cancellationToken)
        {
            // Moving empties the folder of what was handled, so everything in it is waiting. Without a processed folder the
            // \Seen flag is the only mark of "handled".
            var uids = await source.SearchAsync(moveTo is null ? SearchQuery.NotSeen : SearchQuery.All, cancellationToken).ConfigureAwait(false);
            return uids.Select(uid => uid.Id).ToList();
        }

        public Task<Stream> ReadAsync(uint id, CancellationToken cancellationToken) =>
            source.GetStreamAsync(new UniqueId(id), cancellationToken);

        public async Task<string> SetAsideAsync(uint id, BounceDisposition disposition, CancellationToken cancellationToken)
        {
            var uid = new UniqueId(id);
            var forAPerson = disposition == BounceDisposition.ForAPerson;
            if (moveTo is { } folders)
            {
                var target = forAPerson ? folders.Unrecognised : folders.Processed;
                // Handled mail arrives read; mail for a person arrives unread and flagged.
                await source.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add, forAPerson ? MessageFlags.Flagged : MessageFlags.Seen) { Silent = true },
                    cancellationToken).ConfigureAwait(false);
                await source.MoveToAsync(uid, target, cancellationToken).ConfigureAwait(false);
                return $"moved to {target.FullName}";
            }

            var flags = forAPerson ? MessageFlags.Seen | MessageFlags.Flagged : MessageFlags.Seen;
            await source.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add, flags) { Silent = true }, cancellationToken).ConfigureAwait(false);
            return forAPerson ? "flagged and marked seen" : "marked seen";
        }

        public Task CloseAsync(CancellationToken cancellationToken) => client.DisconnectAsync(quit: true, cancellationToken);

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
