using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Newsletter.Core.Monitoring;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Transports;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// At most <see cref="SendingOptions.Connections"/> transport sessions per process, kept open between batches so a new batch
/// does not pay for a TCP and SMTP handshake. A batch rents one session for its whole run.
/// </summary>
public sealed class MailConnectionPool(IMailTransport transport, IOptions<SendingOptions> options, IOptions<DeliveryOptions> delivery,
    NewsletterMetrics metrics, TimeProvider clock) : IAsyncDisposable
{
    /// <summary>Servers drop idle connections; one idle for longer is closed rather than reused.</summary>
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(20);

    private readonly SemaphoreSlim _slots = new(options.Value.Connections, options.Value.Connections);
    private readonly ConcurrentQueue<(IMailTransportSession Session, DateTimeOffset IdleSince)> _idle = new();

    public string Destination => transport.Describe();

    private async Task<IMailTransportSession> OpenAsync(CancellationToken cancellationToken)
    {
        if (delivery.Value.Transport != MailTransportKind.Smtp)
        {
            return await transport.OpenSessionAsync(cancellationToken);
        }
        var started = clock.GetTimestamp();
        try
        {
            var session = await transport.OpenSessionAsync(cancellationToken);
            metrics.SmtpConnect(clock.GetElapsedTime(started), succeeded: true);
            return session;
        }
        catch (DeliveryException)
        {
            metrics.SmtpConnect(clock.GetElapsedTime(started), succeeded: false);
            throw;
        }
    }

    /// <summary>Hands the message to the session, timing the server's final reply (a pickup write has no reply to time).</summary>
    private async Task<string> SendTimedAsync(IMailTransportSession session, OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (delivery.Value.Transport != MailTransportKind.Smtp)
        {
            return await session.SendAsync(message.Message, message.EnvelopeSender, cancellationToken);
        }
        var handedOver = clock.GetTimestamp();
        try
        {
            var reply = await session.SendAsync(message.Message, message.EnvelopeSender, cancellationToken);
            metrics.SmtpReply(clock.GetElapsedTime(handedOver), replyCode: 250); // any 2xx: the session returns the text only
            return reply;
        }
        catch (DeliveryException ex)
        {
            metrics.SmtpReply(clock.GetElapsedTime(handedOver), ex.ReplyCode);
            throw;
        }
    }

    /// <summary>Waits for a free slot. The lease opens a session only when the first message needs it.</summary>
    public async Task<Lease> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        while (_idle.TryDequeue(out var parked))
        {
            if (parked.Session.IsUsable && clock.GetUtcNow() - parked.IdleSince < IdleLimit)
            {
                return new Lease(this, parked.Session);
            }
            await parked.Session.DisposeAsync();
        }
        return new Lease(this, null);
    }

    /// <summary>Keeps a session that is still good for the next batch, noting when it went idle.</summary>
    private void Park(IMailTransportSession session) => _idle.Enqueue((session, clock.GetUtcNow()));

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryDequeue(out var parked))
        {
            await parked.Session.DisposeAsync();
        }
    }

    /// <summary>One slot of the pool, held by one batch run.</summary>
    public sealed class Lease(MailConnectionPool pool, IMailTransportSession? session) : IAsyncDisposable
    {
        /// <summary>Whether the session came from an earlier batch (a failure on it may just mean the server dropped it while idle).</summary>
        public bool IsReused { get; private set; } = session is not null;

        /// <summary>Sends the message on this lease's session, opening one first if it has none (or its session broke).</summary>
        /// <returns>The server's final reply.</returns>
        /// <exception cref="DeliveryException">The transport cannot be reached, refuses the session or the message.</exception>
        public async Task<string> SendAsync(OutgoingMessage message, CancellationToken cancellationToken) =>
            await pool.SendTimedAsync(await SessionAsync(cancellationToken), message, cancellationToken);

        private async Task<IMailTransportSession> SessionAsync(CancellationToken cancellationToken)
        {
            if (session is { IsUsable: true })
            {
                return session;
            }
            await DiscardAsync();
            session = await pool.OpenAsync(cancellationToken);
            IsReused = false;
            return session;
        }

        /// <summary>Closes a broken session; the next message opens a fresh one.</summary>
        public async Task DiscardAsync()
        {
            if (session is not null)
            {
                await session.DisposeAsync();
                session = null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (session is { IsUsable: true })
            {
                pool.Park(session);
            }
            else if (session is not null)
            {
                await session.DisposeAsync();
            }
            session = null;
            pool._slots.Release();
        }
    }
}
