using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Newsletter.Tests.Support;

/// <summary>
/// A private Dovecot IMAP server (Debian's dovecot-imapd) on 127.0.0.1 and a free port, configured entirely from its own
/// file in a temp folder: passwd-file users, maildir mail owned by uid 65534. Started once per test class (class fixture)
/// and stopped after it. When Dovecot is not installed, starting fails with how to install it: tests never pass without it.
/// Its auth service also listens on <see cref="AuthSocketPath"/>, where a Postfix relay checks SMTP logins (SASL) against the
/// same users. <see cref="TlsDovecotServer"/> adds STARTTLS and an IMAPS port.
/// </summary>
public class DovecotServer : IAsyncLifetime
{
    /// <summary>Dovecot refuses to deliver as root ("userdb returned 0 as uid"); nobody/nogroup it is.</summary>
    private const int MailUid = 65534;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    /// <summary>How many test users the server is started with; one per test of a class.</summary>
    public const int UserCount = 64;

    private readonly string _secret = Guid.NewGuid().ToString("N");
    private int _usersTaken;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "newsletter-dovecot-" + Guid.NewGuid().ToString("N")[..12]);

    public string Host => "127.0.0.1";

    /// <summary>The IMAP port; valid once started.</summary>
    public int Port { get; private set; }

    /// <summary>The folder the server keeps its configuration, sockets and mail in.</summary>
    protected string Folder => _folder;

    /// <summary>Dovecot's auth socket for Postfix (<c>smtpd_sasl_type = dovecot</c>); valid once started.</summary>
    public string AuthSocketPath => Path.Combine(_folder, "run", "auth-postfix");

    /// <summary>More <c>inet_listener</c> blocks for the IMAP login service; none here.</summary>
    protected virtual string ExtraListeners() => "";

    /// <summary>The configuration lines that set up TLS; plain IMAP here.</summary>
    protected virtual Task<string> TlsSettingsAsync() => Task.FromResult("ssl = no");

    private string ConfigFile => Path.Combine(_folder, "dovecot.conf");

    private string UsersFile => Path.Combine(_folder, "users");

    private string LogFile => Path.Combine(_folder, "dovecot.log");

    /// <exception cref="InvalidOperationException">Dovecot is not installed, or did not start; the message says why and what to do.</exception>
    public async Task InitializeAsync()
    {
        var dovecot = ExternalProgram.Find("dovecot") ?? throw new InvalidOperationException(
            "Dovecot is not installed, and the bounce tests need a real IMAP server on loopback. Install it with " +
            "`DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd` (as root; .ci/run does this), then run the tests again.");

        Directory.CreateDirectory(Path.Combine(_folder, "run"));
        Directory.CreateDirectory(Path.Combine(_folder, "mail"));
        // Dovecot's mail processes run as uid 65534: they must reach the folder and own the mail root.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
        }
        var (chownExit, chownOutput) = await ExternalProgram.RunAsync(ExternalProgram.Find("chown") ?? "chown", $"{MailUid}:{MailUid}", Path.Combine(_folder, "mail"));
        if (chownExit != 0)
        {
            throw new InvalidOperationException(
                $"Cannot give {_folder}/mail to uid {MailUid} ({chownOutput.Trim()}): the Dovecot test server must be started as root.");
        }
        // Every user exists before the server starts: Dovecot notices a changed passwd-file by its mtime in whole seconds,
        // so a user appended a moment after the last read is unknown for up to a second (and each refused login costs time).
        await File.WriteAllLinesAsync(UsersFile, Enumerable.Range(1, UserCount).Select(n => $"{UserName(n)}:{{PLAIN}}{Password(n)}::::::nodelay=y"));

        Port = ExternalProgram.FreePort();
        var tls = await TlsSettingsAsync();
        await File.WriteAllTextAsync(ConfigFile, $$"""
            protocols = imap
            listen = 127.0.0.1
            base_dir = {{_folder}}/run
            {{tls}}
            disable_plaintext_auth = no
            auth_mechanisms = plain
            # A refused login answers at once and costs the next logins from 127.0.0.1 nothing (no anvil auth penalty):
            # the test of a wrong password must not slow the tests after it.
            auth_failure_delay = 0
            service anvil {
              unix_listener anvil-auth-penalty {
                mode = 0
              }
            }
            # Postfix's smtpd runs as the postfix user and asks here whether an SMTP login is good.
            service auth {
              unix_listener auth-postfix {
                mode = 0666
              }
            }
            mail_location = maildir:{{_folder}}/mail/%u
            passdb {
              driver = passwd-file
              args = scheme=PLAIN {{UsersFile}}
            }
            userdb {
              driver = static
              args = uid={{MailUid}} gid={{MailUid}} home={{_folder}}/mail/%u
            }
            service imap-login {
              inet_listener imap {
                port = {{Port}}
              }
              {{ExtraListeners()}}
            }
            log_path = {{LogFile}}
            """);

        var (exitCode, output) = await ExternalProgram.RunAsync(dovecot, "-c", ConfigFile);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"dovecot -c {ConfigFile} exited with {exitCode}: {output}{ReadLog()}");
        }

        // The master forks and returns at once; wait for the IMAP greeting.
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await tcp.ConnectAsync(IPAddress.Loopback, Port, connect.Token);
                var buffer = new byte[64];
                var read = await tcp.GetStream().ReadAsync(buffer, connect.Token);
                if (read > 0 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("* OK", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Dovecot did not answer on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds} s. Its log:{Environment.NewLine}{ReadLog()}");
            }
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (ExternalProgram.Find("doveadm") is { } doveadm && File.Exists(ConfigFile))
        {
            await ExternalProgram.RunAsync(doveadm, "-c", ConfigFile, "stop");
            // Wait for the master to go, so its files can be deleted.
            var pidFile = Path.Combine(_folder, "run", "master.pid");
            for (var i = 0; i < 50 && File.Exists(pidFile); i++)
            {
                await Task.Delay(100);
            }
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A process still finishing; the OS cleans temp.
        }
    }

    /// <summary>A mail user of its own (its mailbox is created on first login), so each test starts from an empty mailbox.</summary>
    /// <exception cref="InvalidOperationException">All <see cref="UserCount"/> users are taken; raise the number.</exception>
    public (string User, string Password) CreateUser()
    {
        var number = Interlocked.Increment(ref _usersTaken);
        if (number > UserCount)
        {
            throw new InvalidOperationException($"The Dovecot test server has {UserCount} users, all taken; raise DovecotServer.UserCount.");
        }
        return (UserName(number), Password(number));
    }

    /// <summary>The settings that make the bounce pass read <paramref name="mailbox"/> on this server, over plain IMAP.</summary>
    public IEnumerable<KeyValuePair<string, string?>> BounceMailboxSettings((string User, string Password) mailbox) =>
    [
        new("Newsletter:Bounces:Enabled", "true"),
        new("Newsletter:Bounces:Host", Host),
        new("Newsletter:Bounces:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Newsletter:Bounces:Security", "None"),
        new("Newsletter:Bounces:User", mailbox.User),
        new("Newsletter:Bounces:Password", mailbox.Password),
    ];

    /// <summary>Seeds a message with IMAP APPEND, unread, as a mail server's delivery would leave it.</summary>
    public async Task AppendAsync((string User, string Password) login, string folderName, MimeMessage message)
    {
        using var client = await ConnectAsync(login);
        IMailFolder folder;
        if (folderName.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            folder = client.Inbox;
        }
        else
        {
            try
            {
                folder = await client.GetFolderAsync(folderName);
            }
            catch (FolderNotFoundException)
            {
                folder = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(folderName, true))!;
            }
        }
        await folder.AppendAsync(new AppendRequest(message, MessageFlags.None));
        await client.DisconnectAsync(true);
    }

    /// <summary>The subject and flags of every message in the folder; empty when the folder does not exist.</summary>
    public async Task<IReadOnlyList<(string Subject, MessageFlags Flags)>> ListAsync((string User, string Password) login, string folderName)
    {
        using var client = await ConnectAsync(login);
        IMailFolder? folder;
        try
        {
            folder = folderName.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? client.Inbox : await client.GetFolderAsync(folderName);
        }
        catch (FolderNotFoundException)
        {
            return [];
        }
        if (folder is null)
        {
            return [];
        }
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var summaries = folder.Count == 0 ? [] : await folder.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        await client.DisconnectAsync(true);
        return summaries.Select(s => (s.Envelope?.Subject ?? "", s.Flags ?? MessageFlags.None)).ToList();
    }

    private async Task<ImapClient> ConnectAsync((string User, string Password) login)
    {
        var client = new ImapClient { Timeout = 10_000 };
        // NoDelay, or each command waits for a delayed ACK.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, Port);
        await client.ConnectAsync(socket, Host, Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(login.User, login.Password);
        return client;
    }

    private static string UserName(int number) => $"bounces{number}";

    private string Password(int number) => $"secret-{number}-{_secret}";

    private string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";
}
