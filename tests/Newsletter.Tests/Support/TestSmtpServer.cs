using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SmtpServerHost = SmtpServer.SmtpServer;

namespace Newsletter.Tests.Support;

/// <summary>
/// An in-process SMTP server (the SmtpServer package) for tests: listens on 127.0.0.1 with a port chosen by
/// the OS, sets TCP_NODELAY on every accepted connection (otherwise each message waits for a delayed ACK),
/// advertises PIPELINING (the package does by default), allows long-lived reused connections, keeps every
/// message it accepts, and refuses chosen recipients with 550. Safe for many concurrent sessions.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedSmtpMessage> _received = new();
    private readonly ConcurrentDictionary<string, bool> _refused = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _waitersLock = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly NoDelayListenerFactory _listenerFactory = new();
    private SmtpServerHost? _server;
    private Task? _running;
    private int _sessionsStarted;
    private int _receivedCount;

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The bound port; valid after <see cref="StartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>How long one session may last in total. The package's default (2 min) cuts reused connections mid-batch.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// When set, the server offers AUTH (PLAIN and LOGIN, on the plain connection) and accepts a login when this returns true
    /// for its user name and password; otherwise it answers 535.
    /// </summary>
    public Func<string, string, bool>? Logins { get; init; }

    /// <summary>Snapshot of every accepted message, in arrival order.</summary>
    public IReadOnlyList<ReceivedSmtpMessage> Received => _received.ToArray();

    /// <summary>Number of SMTP sessions (connections) the server has started.</summary>
    public int SessionsStarted => Volatile.Read(ref _sessionsStarted);

    /// <summary>Makes the server answer RCPT TO for <paramref name="address"/> with 550 (case-insensitive).</summary>
    public void RefuseRecipient(string address) => _refused[address] = true;

    /// <summary>Starts listening and returns once the port is bound.</summary>
    /// <exception cref="TimeoutException">The listener did not start within 10 seconds.</exception>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_server is not null)
            throw new InvalidOperationException("Already started.");

        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, 0)).SessionTimeout(SessionTimeout).AllowUnsecureAuthentication(Logins is not null))
            .Build();

        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_listenerFactory);
        services.Add(new Store(this));
        services.Add(new RecipientFilter(this));
        if (Logins is { } logins)
            services.Add(new SmtpServer.Authentication.DelegatingUserAuthenticator(logins));

        _server = new SmtpServerHost(options, services);
        _server.SessionCreated += (_, args) =>
        {
            var id = Interlocked.Increment(ref _sessionsStarted);
            args.Context.Properties[SessionIdKey] = id;
        };

        _running = _server.StartAsync(_stop.Token);
        var bound = await _listenerFactory.Bound.Task.WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        Port = bound.Port;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived, then returns a snapshot.</summary>
    /// <exception cref="TimeoutException">Fewer arrived within <paramref name="timeout"/>; the message says how many did.</exception>
    public async Task<IReadOnlyList<ReceivedSmtpMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource done;
        lock (_waitersLock)
        {
            if (_receivedCount >= count)
                return Received;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Expected {count} messages within {timeout}, received {Volatile.Read(ref _receivedCount)}.");
        }

        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is null)
            return;

        _server.Shutdown();
        _stop.Cancel();
        if (_running is not null)
        {
            try
            {
                await _running.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Shutting down a test fixture: open sessions are abandoned and the server's own
                // shutdown errors must not fail the test that is cleaning up.
            }
        }

        _listenerFactory.Dispose();
        _stop.Dispose();
    }

    private const string SessionIdKey = "TestSmtpServer:SessionId";

    private void Add(ReceivedSmtpMessage message)
    {
        _received.Enqueue(message);
        lock (_waitersLock)
        {
            _receivedCount++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_receivedCount >= _waiters[i].Count)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Store(TestSmtpServer server) : IMessageStore
    {
        public Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var session = context.Properties.TryGetValue(SessionIdKey, out var id) && id is int n ? n : 0;
            server.Add(new ReceivedSmtpMessage(
                session,
                transaction.From?.AsAddress() ?? "",
                transaction.To.Select(t => t.AsAddress()).ToArray(),
                buffer.ToArray()));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    private sealed class RecipientFilter(TestSmtpServer server) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
            Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(!server._refused.ContainsKey(to.AsAddress()));
    }

    /// <summary>Binds the endpoint itself so the chosen port can be read back, and sets NoDelay on each accepted socket.</summary>
    private sealed class NoDelayListenerFactory : IEndpointListenerFactory, IDisposable
    {
        private readonly List<TcpListener> _listeners = [];

        public TaskCompletionSource<IPEndPoint> Bound { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
        {
            var listener = new TcpListener(endpointDefinition.Endpoint);
            listener.Start(backlog: 512);
            lock (_listeners)
                _listeners.Add(listener);
            Bound.TrySetResult((IPEndPoint)listener.LocalEndpoint);
            return new Listener(listener);
        }

        public void Dispose()
        {
            lock (_listeners)
            {
                foreach (var listener in _listeners)
                    listener.Stop();
            }
        }
    }

    private sealed class Listener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            socket.NoDelay = true;

            context.Properties[EndpointListener.LocalEndPointKey] = listener.LocalEndpoint;
            context.Properties[EndpointListener.RemoteEndPointKey] = socket.RemoteEndPoint!;

            return new PlainPipe(new NetworkStream(socket, ownsSocket: true));
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>The package's own pipe type is internal; this is the plain-text equivalent (the test server offers no STARTTLS).</summary>
    private sealed class PlainPipe(NetworkStream stream) : ISecurableDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(stream);

        public PipeWriter Output { get; } = PipeWriter.Create(stream);

        public bool IsSecure => false;

        public SslProtocols SslProtocol => SslProtocols.None;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The test SMTP server does not offer TLS.");

        public void Dispose() => stream.Dispose();
    }
}
