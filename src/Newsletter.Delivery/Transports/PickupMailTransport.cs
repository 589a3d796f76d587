using System.Globalization;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Core;
using Newsletter.Delivery.Messages;
using Newsletter.Hosting;

namespace Newsletter.Delivery.Transports;

/// <summary>
/// Writes each message as an .eml file to <c>{PickupDirectory}/issue-{NNNN}/{recipient}.eml</c>, for trying
/// the newsletter without a mail server or for a relay that collects a pickup folder. The issue number comes
/// from the Feedback-ID header (<see cref="IssueMessageBuilder.TryGetIssueNumber"/>; folder <c>unnumbered</c> when absent).
/// The envelope sender is written as the first line, <c>Return-Path: &lt;…&gt;</c>, the way a delivered message
/// carries it, so a VERP address can be checked by eye; DKIM never signs Return-Path, so it does not disturb the signature.
/// A resend to the same recipient overwrites the file: the delivery log, not the file name, prevents duplicates.
/// Files are written to a temporary name and renamed, so a reader never sees half a message.
/// </summary>
public sealed class PickupMailTransport : IMailTransport
{
    private const int MaxFileNameLength = 200;

    // .eml files and pickup-folder readers expect CRLF, whatever the platform's newline.
    private static readonly FormatOptions EmlFormat = CreateEmlFormat();

    /// <summary>Absolute path of the pickup folder.</summary>
    public string Directory { get; }

    /// <param name="contentRoot">Base directory for a relative <see cref="DeliveryOptions.PickupDirectory"/>.</param>
    public PickupMailTransport(IOptions<DeliveryOptions> options, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Value.PickupDirectory);
        Directory = Path.GetFullPath(options.Value.PickupDirectory, contentRoot);
    }

    public string Describe() => $"pickup folder {Directory}";

    public Task<IMailTransportSession> OpenSessionAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IMailTransportSession>(new Session(Directory));
    }

    /// <summary>The path a message is written to.</summary>
    /// <exception cref="ArgumentException">The message has no To recipient.</exception>
    public string PathFor(MimeMessage message) => PathFor(Directory, message);

    private static string PathFor(string directory, MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var recipient = message.To.Mailboxes.FirstOrDefault()?.Address
            ?? throw new ArgumentException("The message has no To recipient.", nameof(message));

        var folder = IssueMessageBuilder.TryGetIssueNumber(message, out var number)
            ? string.Create(CultureInfo.InvariantCulture, $"issue-{number:D4}")
            : "unnumbered";

        return Path.Combine(directory, folder, SafeFileName(recipient) + ".eml");
    }

    private static FormatOptions CreateEmlFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    private static string SafeFileName(string address)
    {
        var name = string.Create(address.Length, address, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = char.ToLowerInvariant(source[i]);
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '@' or '.' or '-' or '_' or '+' ? c : '_';
            }
        });

        // A leading dot would hide the file and "." / ".." must never become a path segment.
        if (name.StartsWith('.'))
            name = "_" + name[1..];
        return name.Length > MaxFileNameLength ? name[..MaxFileNameLength] : name;
    }

    private sealed class Session(string directory) : IMailTransportSession
    {
        private bool _broken;

        public bool IsUsable => !_broken;

        public async Task<string> SendAsync(MimeMessage message, MailboxAddress envelopeSender, CancellationToken ct)
        {
            ArgumentNullException.ThrowIfNull(envelopeSender);
            var path = PathFor(directory, message);
            var folder = Path.GetDirectoryName(path)!;
            var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
            try
            {
                // Each message names its subscriber and carries their unsubscribe link: owner-only.
                PrivateFiles.CreateDirectory(folder);
                await using (var stream = new FileStream(temp, PrivateFiles.CreateNew(64 * 1024, async: true)))
                {
                    // Written ahead of the message rather than added to it: the message is signed and stays as built.
                    var returnPath = System.Text.Encoding.UTF8.GetBytes($"Return-Path: <{envelopeSender.Address}>\r\n");
                    await stream.WriteAsync(returnPath, ct).ConfigureAwait(false);
                    await message.WriteToAsync(EmlFormat, stream, ct).ConfigureAwait(false);
                }

                File.Move(temp, path, overwrite: true);
                return $"written to {path}";
            }
            catch (IOException e) when (DiskFullException.IsDiskFull(e))
            {
                // Not a transient fault to retry with backoff: nothing more can be written until someone frees space.
                _broken = true;
                throw new DiskFullException("the pickup folder", directory, e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _broken = true;
                throw new DeliveryException(DeliveryFailure.ConnectionLost, $"Could not write {path}: {e.Message}", inner: e);
            }
            finally
            {
                if (File.Exists(temp))
                    File.Delete(temp);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
